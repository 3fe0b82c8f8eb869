"""Deployments of real-time endpoints (traffic split, mirror, promotion) and their monitoring
(scored-data logging settings, drift reports): the use cases the REST API, the CLI and the
canvas share."""

from __future__ import annotations

from jupyter_designer.serving.errors import RequestError

from ._checks import known_fields, object_body, text


def _registry(ws, registry=None):
    from jupyter_designer.serving import RealtimeEndpoints

    return registry or RealtimeEndpoints(ws)


def deployments(ws, name: str, *, registry=None) -> dict:
    """``{"endpoint", "version", "deployments": [...], "mirror", "monitoring"}``."""
    from jupyter_designer.serving.monitoring import settings_of
    from jupyter_designer.serving.traffic import mirror

    reg = _registry(ws, registry)
    rec = reg.get(name)
    return {"endpoint": rec["name"], "version": rec["version"],
            "deployments": reg.deployments(name), "mirror": mirror(rec),
            "monitoring": settings_of(rec)}


def add_deployment(ws, name: str, deployment: str, *, version=None, run_id=None, pipeline=None,
                   description: str | None = None, registry=None, host=None) -> dict:
    """Add (or repoint) ``deployment``: at an existing ``version``, or at a new version
    deployed from ``run_id``/``pipeline``. A new deployment takes no traffic until a split or
    a promotion gives it some."""
    from .endpoints import deploy

    reg = _registry(ws, registry)
    deployment = text(deployment, "The deployment's name", required=True)
    if version is not None:
        if run_id is not None or pipeline is not None:
            raise RequestError('Give "version" (an existing version) or "run_id"/"pipeline" (a '
                               "new version), not both.")
        if isinstance(version, bool) or not isinstance(version, (int, str)) \
                or not str(version).isdigit():
            raise RequestError(f"\"version\" must be a version number. Got {version!r} instead.")
        reg.put_deployment(name, deployment, int(version), description)
    else:
        reg.get(name)   # an unknown endpoint is a 404, not a new endpoint
        deploy(ws, name, run_id=run_id, pipeline=pipeline, description=description,
               replace=True, deployment=deployment, registry=reg, host=host)
    return deployments(ws, name, registry=reg)


def set_traffic(ws, name: str, split, *, registry=None) -> dict:
    from jupyter_designer.serving.traffic import parse_split

    if isinstance(split, str):
        split = parse_split(split)
    _registry(ws, registry).set_traffic(name, split)
    return deployments(ws, name, registry=registry)


def promote(ws, name: str, deployment: str, *, registry=None) -> dict:
    _registry(ws, registry).promote(name, text(deployment, "The deployment", required=True))
    return deployments(ws, name, registry=registry)


def set_mirror(ws, name: str, deployment: str | None, percent=100, *, registry=None) -> dict:
    _registry(ws, registry).set_mirror(name, deployment or None, percent)
    return deployments(ws, name, registry=registry)


def remove_deployment(ws, name: str, deployment: str, *, registry=None) -> dict:
    _registry(ws, registry).remove_deployment(name, deployment)
    return deployments(ws, name, registry=registry)


def change_request(ws, name: str, doc, *, registry=None, host=None) -> dict:
    """A change from a REST body: ``{"traffic": {...}}``, ``{"promote": "green"}``,
    ``{"mirror": {"deployment": "green", "percent": 100} | null}``, ``{"monitoring": {...}}``
    (any of them, applied in that order)."""
    doc = object_body(doc, '{"traffic": {"blue": 90, "green": 10}}')
    known_fields(doc, ("traffic", "promote", "mirror", "monitoring"), "a deployments change")
    reg = _registry(ws, registry)
    if "traffic" in doc:
        set_traffic(ws, name, doc["traffic"], registry=reg)
    if "promote" in doc:
        promote(ws, name, doc["promote"], registry=reg)
    if "mirror" in doc:
        m = doc["mirror"]
        if m is None:
            reg.set_mirror(name, None)
        elif isinstance(m, dict):
            known_fields(m, ("deployment", "percent"), "a mirror")
            reg.set_mirror(name, text(m.get("deployment"), '"mirror"\'s "deployment"',
                                      required=True), m.get("percent", 100))
        else:
            raise RequestError('"mirror" must be {"deployment": "green", "percent": 100} or null.')
    if "monitoring" in doc:
        set_monitoring(ws, name, doc["monitoring"], registry=reg)
    return deployments(ws, name, registry=reg)


def add_request(ws, name: str, doc, *, registry=None, host=None) -> dict:
    """A deployment from a REST body ``{"deployment", "version" | "run_id" | "pipeline",
    "description"}``."""
    doc = object_body(doc, '{"deployment": "green", "run_id": "..."}')
    known_fields(doc, ("deployment", "version", "run_id", "pipeline", "description"),
                 "a deployment")
    return add_deployment(ws, name, doc.get("deployment"), version=doc.get("version"),
                          run_id=doc.get("run_id"), pipeline=doc.get("pipeline"),
                          description=doc.get("description"), registry=registry, host=host)


def set_monitoring(ws, name: str, settings, *, registry=None) -> dict:
    """Turn the scored-data log on or off: ``{"log_scored", "sample_rate", "max_mb"}``."""
    if not isinstance(settings, dict):
        raise RequestError('"monitoring" must be an object, e.g. {"log_scored": true, '
                           '"sample_rate": 0.1, "max_mb": 50}.')
    _registry(ws, registry).set_monitoring(name, **settings)
    return deployments(ws, name, registry=registry)


def drift(ws, name: str, *, deployment: str | None = None, rows: int = 1000,
          threshold=None, registry=None) -> dict:
    """Compare the endpoint's recently logged inputs (the last ``rows`` rows) with the
    training data of ``deployment``'s version (the live one by default), column by column."""
    import pandas as pd

    from jupyter_designer.serving import monitoring, traffic

    reg = _registry(ws, registry)
    rec = reg._read(name)
    deps = traffic.deployments(rec)
    deployment = deployment or traffic.live_deployment(rec)
    if deployment not in deps:
        raise RequestError(f"Endpoint {rec['name']!r} has no deployment {deployment!r}. "
                           f"Deployments: {', '.join(sorted(deps))}.")
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise RequestError(f"\"rows\" must be a positive whole number. Got {rows!r} instead.")
    version = int(deps[deployment]["version"])
    profile = reg.reference(name, version)
    if not profile:
        raise RequestError(f"Version {version} of endpoint {rec['name']!r} has no profile of its "
                           "training data (it was deployed before drift reports existed); "
                           "deploy it again to compare its inputs with its training data.")
    collected: dict[str, list] = {}
    for entry in reversed(monitoring.read_log(ws.path, name, mirror=False)):
        if entry.get("status") != 200:
            continue
        for iname, rws in monitoring.request_rows(entry.get("request")).items():
            collected.setdefault(iname, [])[:0] = rws
        if all(len(v) >= rows for v in collected.values()) and collected:
            break
    frames = {k: pd.DataFrame(v[-rows:]) for k, v in collected.items()}
    kw = {} if threshold is None else {"threshold": threshold}
    report = monitoring.drift_report(profile, frames, **kw)
    logging_on = monitoring.settings_of(rec)["log_scored"]
    report.update({"endpoint": rec["name"], "deployment": deployment, "version": version,
                   "logging": logging_on})
    if not frames:
        report["note"] = ("No scored inputs are logged yet: turn logging on (log_scored) and "
                          "score some requests." if not logging_on else
                          "No scored inputs are logged yet: score some requests.")
    return report
