"""Real-time endpoints: deployed real-time inference pipelines answering scoring requests.

An endpoint has a name, a primary and a secondary API key, and numbered versions; the
latest deployed version answers. Everything is kept in the workspace folder (see
:mod:`jupyter_designer.store.endpoints`), so endpoints come back when a server restarts, and any process serving the workspace sees
a new version, a regenerated key or a deleted endpoint as soon as the files change.

:class:`RealtimeEndpoints` changes endpoints (deploy, keys, delete); :class:`EndpointHost`
holds the loaded endpoints of a serving process and swaps a new version in only once it
is compiled, so no request fails during a redeploy.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import secrets
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from jupyter_designer.engine.errors import DesignerError
from jupyter_designer.engine.inference import create_realtime_inference, is_realtime
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.store.endpoints import RealtimeEndpointRecords, name_key, read_json

from .compiled import CompiledPipeline
from . import traffic
from .monitoring import training_profile
from .traffic import Plan, Routing
from .rows import check_removed_rows
from .errors import (AuthenticationError, EndpointConflictError, EndpointNotFoundError,
                     EndpointUnavailableError, ServingError)

log = logging.getLogger("jupyter_designer.serving")

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
KEY_NAMES = ("primary", "secondary")


def new_key() -> str:
    return secrets.token_urlsafe(32)


def check_name(name) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ServingError(
            f"A real-time endpoint name must be 3 to 32 characters: lowercase letters, digits "
            f"and hyphens, starting with a letter and not ending with a hyphen. Got {name!r} "
            "instead.")
    return name


def _public(record: dict) -> dict:
    """An endpoint record without its keys."""
    return {k: v for k, v in record.items() if k != "keys"}


class RealtimeEndpoints:
    """The real-time endpoints of a workspace."""

    def __init__(self, workspace):
        self.ws = workspace
        self.records = RealtimeEndpointRecords(workspace.path)

    # -- records -----------------------------------------------------------------------------
    @property
    def root(self) -> Path:
        return self.records.root

    def record_path(self, name: str) -> Path:
        return self.records.record_path(name)

    def _read(self, name: str, change=None) -> dict:
        """The record of ``name``; with ``change``, edited by it and written back."""
        try:
            return self.records.read(name) if change is None else self.records.update(name, change)
        except FileNotFoundError:
            raise EndpointNotFoundError(
                f"There is no real-time endpoint {name!r}. Endpoints: "
                f"{', '.join(e['name'] for e in self.list()) or '(none)'}.") from None
        except ValueError:  # pragma: no cover - written atomically; a foreign edit
            raise ServingError(f"The record of endpoint {name!r} ({self.record_path(name)}) "
                               "is not valid JSON.") from None

    def exists(self, name: str) -> bool:
        return self.records.exists(name)

    # -- reading -----------------------------------------------------------------------------
    def list(self) -> list[dict]:
        return [_public(r) for r in self.records.records()]

    def get(self, name: str) -> dict:
        """The endpoint's record without its keys."""
        return _public(self._read(name))

    def keys(self, name: str) -> dict:
        rec = self._read(name)
        return {"primaryKey": rec["keys"]["primary"], "secondaryKey": rec["keys"]["secondary"]}

    def pipeline_doc(self, name: str, version: int | None = None) -> dict:
        rec = self._read(name)
        version = rec["version"] if version is None else int(version)
        doc = self.records.read_version_json(name, version, "pipeline.json")
        if doc is None:
            raise EndpointNotFoundError(f"Endpoint {name!r} has no version {version}.")
        return doc

    def samples(self, name: str, version: int) -> dict:
        out = {}
        meta = self.records.read_version_json(name, version, "meta.json")
        for i, inp in enumerate((meta or {}).get("inputs", [])):
            sample = self.records.read_sample(name, version, i)
            if sample is not None:
                out[inp["name"]] = sample
        return out

    def meta(self, name: str, version: int | None = None) -> dict:
        rec = self._read(name)
        version = rec["version"] if version is None else int(version)
        return self.records.read_version_json(name, version, "meta.json") or {}

    def compile(self, name: str, version: int | None = None, *, fast: bool = True) -> CompiledPipeline:
        """Load a version (the current one by default) ready to score."""
        rec = self._read(name)
        version = rec["version"] if version is None else int(version)
        doc = self.pipeline_doc(name, version)
        samples = self.samples(name, version)
        meta = self.meta(name, version)
        # deploy verified the fast path on these sample rows: its verdict is reused
        return CompiledPipeline(doc, self.ws, fast=fast, samples=samples or None,
                                removed_rows=meta.get("removed_rows", "error"),
                                verified_fast=meta.get("fast_path") if samples else None,
                                verified_note=meta.get("fast_path_note") or "")

    # -- changing ----------------------------------------------------------------------------
    def resolve_source(self, run_id: str | None = None, pipeline=None) -> tuple[Pipeline, str | None]:
        """The real-time inference pipeline to deploy, from a run or a draft."""
        if (run_id is None) == (pipeline is None):
            raise ServingError("Deploy from a run (run_id) or from a real-time inference pipeline "
                               "(pipeline), one of the two.")
        if pipeline is not None:
            if isinstance(pipeline, dict):
                pipeline = Pipeline.from_dict(pipeline, workspace=self.ws)
            if not is_realtime(pipeline):
                raise ServingError(
                    f"{pipeline.name!r} is not a real-time inference pipeline (it has no Web "
                    "Service Input and Output). Create one from a training run first.")
            return pipeline, None
        rec = self.ws.get_run(run_id)
        snap = Pipeline.from_dict(rec.snapshot, workspace=self.ws)
        if is_realtime(snap):
            if rec.status != "completed":
                raise ServingError(f"Run {run_id} is {rec.status}; deploy a completed run.")
            return snap, run_id
        return create_realtime_inference(self.ws, run_id), run_id

    def deploy(self, name: str, *, run_id: str | None = None, pipeline=None,
               description: str | None = None, replace: bool = False,
               removed_rows: str | None = None,
               deployment: str | None = None) -> tuple[dict, CompiledPipeline]:
        """Deploy a real-time inference pipeline (from a training or inference run, or a draft)
        as endpoint ``name``; with ``replace``, as a new version of an existing endpoint.

        The pipeline is compiled (and its fast path checked) before anything is written, so
        a pipeline that cannot serve leaves the endpoint as it was. Returns the endpoint's
        record (without keys) and the compiled pipeline.

        ``removed_rows`` says what a request gets when the pipeline removes some of its rows
        (Clean Missing Data's "Remove entire row"): ``"error"`` (the default) a 400 naming each
        such row and why, ``"report"`` the predictions of the other rows and the list of the
        removed ones. A new version keeps the previous version's choice unless given.

        ``deployment`` names the deployment the new version goes to (see
        :mod:`.traffic`): an existing one keeps its share of the traffic, a new one starts
        with none (the first of a new endpoint takes all of it). Without it, the new version
        replaces the live deployment's.
        """
        check_name(name)
        if deployment is not None:
            traffic.check_deployment_name(deployment)
            if self.exists(name):
                replace = True
        if removed_rows is not None:
            removed_rows = check_removed_rows(removed_rows)
        if not replace and self.exists(name):
            raise EndpointConflictError(f"A real-time endpoint {name!r} exists already. Replace "
                                        "it with a new version (replace=True / --replace), or "
                                        "choose another name.")
        p, source_run = self.resolve_source(run_id, pipeline)
        if removed_rows is None:
            removed_rows = "error"
            if replace and self.exists(name):
                removed_rows = self.meta(name).get("removed_rows", "error")
        compiled = CompiledPipeline(p, self.ws, removed_rows=removed_rows)
        now = time.time()
        with self.records.lock():
            existing = None
            if self.exists(name):
                if not replace:
                    raise EndpointConflictError(f"A real-time endpoint {name!r} exists already.")
                existing = self._read(name)
            version = (max((v["version"] for v in existing["versions"]), default=0) + 1) if existing else 1
            self.records.start_version(name, version)
            self.records.write_version_json(name, version, "pipeline.json", p.to_dict())
            inputs = []
            for i, (iname, spec) in enumerate(compiled.specs.items()):
                sample = compiled.samples.get(iname)
                if sample is not None:
                    self.records.write_sample(name, version, i, sample)
                inputs.append({"name": iname, "columns": spec.describe(), "open": spec.open})
            from .examples import scored_example

            example = scored_example(compiled)  # a training row the pipeline scores
            self.records.write_version_json(name, version, "meta.json", {
                "inputs": inputs, "outputs": [{"name": k, "columns": compiled.output_columns.get(k)}
                                              for k in compiled.output_names],
                "example_request": example, "fast_path": compiled.describe()["fast_path"],
                "fast_path_note": compiled.fast_reason, "removed_rows": removed_rows})
            entry = {"version": version, "created": now, "source_run": source_run,
                     "pipeline_name": p.name, "description": description or "",
                     "fast_path": compiled.describe()["fast_path"], "removed_rows": removed_rows}
            profile = training_profile(self.ws, p, compiled)
            if profile:
                self.records.write_version_json(name, version, "reference.json", profile)
            if existing:
                record = dict(existing)
                if deployment is not None:   # the versions served so far stay where they are
                    traffic.materialize(record, now)
                record["versions"] = list(existing["versions"]) + [entry]
                if description is not None:
                    record["description"] = description
            else:
                record = {"name": name, "description": description or "", "created": now,
                          "keys": {"primary": new_key(), "secondary": new_key()},
                          "auth_mode": "key", "versions": [entry]}
            record.update({"version": version, "updated": now, "state": "Healthy",
                           "compute_type": "local"})
            if deployment is not None or record.get("deployments"):
                target = deployment or traffic.live_deployment(record)
                if not existing:
                    record["deployments"] = {target: {"version": version, "created": now}}
                    record["traffic"], record["mirror"] = {target: 100}, None
                traffic.put_deployment(record, target, version, now)
            self.records.write(name, record)
        return _public(record), compiled

    def regenerate_key(self, name: str, which: str = "primary") -> dict:
        """A new primary or secondary key; the old one is refused from now on."""
        which = str(which).lower().replace("key", "").strip()
        if which not in KEY_NAMES:
            raise ServingError(f"The key to regenerate must be 'primary' or 'secondary'. Got "
                               f"{which!r} instead.")
        rec = self._read(name, lambda r: r["keys"].update({which: new_key()}))
        return {"primaryKey": rec["keys"]["primary"], "secondaryKey": rec["keys"]["secondary"]}

    def set_description(self, name: str, description: str) -> dict:
        return _public(self._read(name, lambda r: r.update(description=str(description))))

    # -- deployments, traffic and monitoring ----------------------------------------------------
    def _change(self, name: str, fn) -> dict:
        now = time.time()
        return _public(self._read(name, lambda r: fn(r, now)))

    def deployments(self, name: str) -> list[dict]:
        """The endpoint's deployments: name, version, percent of the traffic, mirror."""
        return traffic.describe(self._read(name))

    def put_deployment(self, name: str, deployment: str, version: int,
                       description: str | None = None) -> dict:
        """Point ``deployment`` at an existing version (a new one gets no traffic yet)."""
        return self._change(name, lambda r, now: traffic.put_deployment(
            r, deployment, version, now, description))

    def set_traffic(self, name: str, split: dict) -> dict:
        """Share the requests between deployments, ``{"blue": 90, "green": 10}``."""
        return self._change(name, lambda r, now: traffic.set_split(r, split, now))

    def promote(self, name: str, deployment: str) -> dict:
        """Send every request to ``deployment``."""
        return self._change(name, lambda r, now: traffic.promote(r, deployment, now))

    def set_mirror(self, name: str, deployment: str | None, percent: int = 100) -> dict:
        """Mirror ``percent`` of the requests to ``deployment`` (None: stop mirroring)."""
        return self._change(name, lambda r, now: traffic.set_mirror(r, deployment, percent, now))

    def remove_deployment(self, name: str, deployment: str) -> dict:
        return self._change(name, lambda r, now: traffic.remove(r, deployment, now))

    def set_monitoring(self, name: str, **settings) -> dict:
        """Change the endpoint's scored-data logging (``log_scored``, ``sample_rate``,
        ``max_mb``); see :mod:`.monitoring`."""
        from .monitoring import check_settings

        return self._change(name, lambda r, now: r.update(
            monitoring=check_settings({**(r.get("monitoring") or {}), **settings})))

    def reference(self, name: str, version: int) -> dict | None:
        """The training data's profile of a version (for drift), or None."""
        return self.records.read_version_json(name, version, "reference.json")

    def delete(self, name: str) -> None:
        with self.records.lock():
            self._read(name)  # not found -> error
            self.records.delete(name)


def authenticate(record: dict, authorization: str | None) -> None:
    """Check an ``Authorization: Bearer <key>`` header against the endpoint's keys."""
    if not authorization:
        raise AuthenticationError("This endpoint needs an API key: send the header "
                                  "'Authorization: Bearer <primary or secondary key>'.")
    scheme, _, key = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise AuthenticationError("Send the API key as 'Authorization: Bearer <key>'.")
    key = key.strip().encode()
    ok = False
    for k in (record.get("keys") or {}).values():
        ok |= hmac.compare_digest(key, str(k).encode())
    if not ok:
        raise AuthenticationError("The API key is not valid for this endpoint.")


class _Loaded:
    """A served endpoint: its record, its compiled versions and its routing table.

    ``routing`` is replaced whole (never edited) once every pipeline the record's plan names
    is compiled; a request reads it once and finishes on what it picked.
    """

    def __init__(self, name: str):
        self.name = name
        self.lock = threading.Lock()
        self.record: dict | None = None
        self.sig = None
        self.plan: Plan | None = None
        self.routing: Routing | None = None
        self.pipelines: dict[int, CompiledPipeline] = {}
        self.loads: dict[int, Future] = {}
        self.errors: dict[int, str] = {}
        self.ready: Future | None = None   # resolved by the first routing table

    @property
    def compiled(self) -> CompiledPipeline | None:
        """The pipeline of the live deployment (the largest share)."""
        r = self.routing
        return r.primary if r is not None else None

    @property
    def compiled_version(self) -> int | None:
        r = self.routing
        return r.primary_version if r is not None else None

    @property
    def error(self) -> str | None:
        return next(iter(self.errors.values()), None)


class EndpointHost:
    """The real-time endpoints a serving process answers for, kept in step with their files.

    :meth:`lookup` costs one ``stat`` when nothing changed; a changed record (new key, new
    version, new traffic split) is re-read at once, and the versions it needs are compiled
    in a background thread while the previous routing table keeps answering.
    """

    def __init__(self, workspace, *, loader: ThreadPoolExecutor | None = None):
        self.registry = RealtimeEndpoints(workspace)
        self._eps: dict[str, _Loaded] = {}
        self._lock = threading.Lock()
        self._loader = loader or ThreadPoolExecutor(1, thread_name_prefix="designer-endpoint-load")
        self._paths: dict[str, tuple[str, str]] = {}   # name -> (key, record path), per request

    @property
    def workspace(self):
        return self.registry.ws

    def lookup(self, name: str) -> _Loaded:
        where = self._paths.get(name)
        if where is None:
            where = (name_key(name), str(self.registry.record_path(name)))
            if len(self._paths) < 10_000:   # names come from request URLs: keep the cache bounded
                self._paths[name] = where
        key, path = where
        try:
            st = os.stat(path)
        except FileNotFoundError:
            with self._lock:
                self._eps.pop(key, None)
            raise EndpointNotFoundError(f"There is no real-time endpoint {name!r}.") from None
        sig = (st.st_mtime_ns, st.st_size, st.st_ino)
        ep = self._eps.get(key)
        if ep is None or ep.sig != sig:
            try:
                record = read_json(path)
            except FileNotFoundError:
                raise EndpointNotFoundError(f"There is no real-time endpoint {name!r}.") from None
            except ValueError:  # pragma: no cover - atomic writes; keep the last good one
                if ep is not None and ep.record is not None:
                    return ep
                raise EndpointUnavailableError(f"Endpoint {name!r} is being changed; retry.") from None
            with self._lock:
                ep = self._eps.get(key)
                # deleted and deployed again under the same name: another endpoint, whose
                # versions start again at 1, so nothing compiled for the old one may answer
                if ep is None or (ep.record is not None
                                  and ep.record.get("created") != record.get("created")):
                    ep = self._eps[key] = _Loaded(record["name"])
            ep.record, ep.sig = record, sig
            plan = Plan(record)
            if plan != ep.plan:
                with ep.lock:
                    ep.plan = plan
                    ep.errors.clear()
                self._advance(ep)
        return ep

    def _advance(self, ep: _Loaded) -> None:
        """Load what the plan needs; swap the routing table in once all of it is compiled."""
        with ep.lock:
            plan = ep.plan
            missing = [v for v in sorted(plan.versions) if v not in ep.pipelines]
            if not missing:
                if ep.routing is None or ep.routing.plan != plan:
                    ep.routing = Routing(plan, ep.pipelines)
                    # versions no table names any more are let go (requests in flight keep
                    # the pipeline they picked)
                    for v in [v for v in ep.pipelines if v not in plan.versions]:
                        del ep.pipelines[v]
                if ep.ready is not None and not ep.ready.done():
                    ep.ready.set_result(ep.routing)
                return
            if ep.routing is None and (ep.ready is None or ep.ready.done()):
                ep.ready = Future()
            for v in missing:
                if v not in ep.loads and v not in ep.errors:
                    ep.loads[v] = self._loader.submit(self._load, ep, v)
            failed = [v for v in missing if v in ep.errors]
            if failed and ep.routing is None and not ep.ready.done():
                ep.ready.set_exception(EndpointUnavailableError(
                    f"Endpoint {ep.name!r} cannot be loaded: {ep.errors[failed[0]]}"))

    def _load(self, ep: _Loaded, version: int) -> CompiledPipeline | None:
        t0 = time.perf_counter()
        try:
            cp = self.registry.compile(ep.name, version)
        except BaseException as exc:
            with ep.lock:
                ep.errors[version] = (str(exc) if isinstance(exc, DesignerError)
                                      else f"{type(exc).__name__}: {exc}")
                ep.loads.pop(version, None)
            log.error("endpoint %r version %s cannot be loaded: %s", ep.name, version,
                      ep.errors.get(version))
            self._advance(ep)
            return None
        with ep.lock:
            ep.pipelines[version] = cp
            ep.loads.pop(version, None)
        log.info("endpoint %r version %s loaded in %.2fs (%s)", ep.name, version,
                 time.perf_counter() - t0, cp.fast_reason)
        self._advance(ep)
        return cp

    def install(self, name: str, version: int, compiled: CompiledPipeline) -> None:
        """Use a pipeline compiled elsewhere in this process (right after a deploy)."""
        ep = self.lookup(name)
        with ep.lock:
            ep.pipelines.setdefault(version, compiled)
            ep.errors.pop(version, None)
        self._advance(ep)

    def route(self, ep: _Loaded) -> Routing:
        """The routing table answering for ``ep`` (it must be ready: see :meth:`pending`)."""
        r = ep.routing
        if r is None:
            r = self._wait(ep, None)
        return r

    def _wait(self, ep: _Loaded, timeout) -> Routing:
        fut = self.pending(ep)
        if fut is None:
            return ep.routing
        try:
            return fut.result(timeout)
        except DesignerError:
            raise
        except Exception as exc:
            raise EndpointUnavailableError(f"Endpoint {ep.name!r} cannot be loaded: "
                                           f"{type(exc).__name__}.") from None

    def compiled(self, ep: _Loaded, timeout: float | None = None) -> CompiledPipeline:
        """The pipeline of the live deployment of ``ep`` (waits for the first load, blocking)."""
        r = ep.routing
        if r is None:
            r = self._wait(ep, timeout)
        return r.primary

    def pending(self, ep: _Loaded) -> Future | None:
        """What to wait for before ``ep`` can answer, if anything (a future of its first
        routing table)."""
        if ep.routing is not None:
            return None
        if ep.errors:
            raise EndpointUnavailableError(f"Endpoint {ep.name!r} cannot be loaded: {ep.error}")
        self._advance(ep)
        if ep.routing is not None:
            return None
        return ep.ready

    def loading(self) -> list[str]:
        """The endpoints being compiled before they can answer for the first time."""
        return sorted(ep.name for ep in list(self._eps.values())
                      if ep.routing is None and ep.loads)

    def preload(self) -> None:
        """Start loading every endpoint of the workspace (in the background)."""
        for rec in self.registry.list():
            try:
                self.lookup(rec["name"])
            except DesignerError:
                continue

    def close(self) -> None:
        self._loader.shutdown(wait=False, cancel_futures=True)
