"""MLflow tracking: every run of the designer logged to an MLflow tracking server, and
registered models pushed to its model registry.

Tracking is on when ``MLFLOW_TRACKING_URI`` is set, or when the workspace names a tracking
server (:func:`set_tracking_uri`, kept in the workspace folder's ``mlflow.json``). When a run
finishes, an MLflow run is logged in the MLflow experiment named as the designer's experiment:

- parameters: the pipeline parameters, and every component's parameters as
  ``<node title>.<parameter>``;
- metrics: the run's metrics (Evaluate Model's, ...), ``duration`` (the run, seconds) and
  ``duration.<node title>`` per node;
- tags: the designer run id, pipeline, status, compute target;
- artifacts: the pipeline file (``pipeline.json``, the run's snapshot) and the evaluation
  charts of each Evaluate Model (``evaluation/<node>.json`` with its curves and confusion
  matrix, and a PNG chart when matplotlib is installed).

Tracking never fails a run: a tracking server that cannot be reached, or any error while
logging, becomes a warning in the run's log (the last node's log) and in the run's lineage
(``mlflow``), where a logged run's MLflow ids are kept too.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
from pathlib import Path

from jupyter_designer.engine.errors import DesignerError

log = logging.getLogger("jupyter_designer.tracking")

ENV = "MLFLOW_TRACKING_URI"
SETTINGS_FILE = "mlflow.json"
#: seconds to wait for a tracking server to answer its health check
CONNECT_TIMEOUT = 5.0


class TrackingError(DesignerError):
    """MLflow is missing, or the tracking server cannot be reached or refused a request."""


# -- where runs are logged ------------------------------------------------------------------
def _settings_path(ws) -> Path:
    return Path(ws.path) / SETTINGS_FILE


def workspace_tracking_uri(ws) -> str | None:
    p = _settings_path(ws)
    try:
        return (json.loads(p.read_text(encoding="utf-8")).get("tracking_uri") or None)
    except (OSError, ValueError, AttributeError):
        return None


def tracking_uri(ws) -> str | None:
    """The tracking server runs are logged to: ``$MLFLOW_TRACKING_URI``, else the workspace's
    setting, else ``None`` (tracking off)."""
    return os.environ.get(ENV) or workspace_tracking_uri(ws)


def set_tracking_uri(ws, uri: str | None) -> str | None:
    """Keep ``uri`` as the workspace's tracking server (``None`` or ``""``: tracking off,
    unless ``$MLFLOW_TRACKING_URI`` is set)."""
    from jupyter_designer.fileio import atomic_write

    if uri is not None and not isinstance(uri, str):
        raise TrackingError(f"The tracking URI must be a string (e.g. http://127.0.0.1:5000). "
                            f"Got {type(uri).__name__}.")
    uri = (uri or "").strip()
    if uri and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", uri):
        raise TrackingError(f"The tracking URI {uri!r} has no scheme; give e.g. "
                            "http://127.0.0.1:5000, sqlite:///mlruns.db or file:///path/mlruns.")
    atomic_write(_settings_path(ws), json.dumps({"tracking_uri": uri or None}, indent=1))
    return uri or None


def require_mlflow():
    try:
        import mlflow
    except ImportError:
        raise TrackingError("MLflow is not installed. Install it with "
                            "`pip install \"jupyter-designer[mlflow]\"`.") from None
    return mlflow


def check_server(uri: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Raise :class:`TrackingError` unless an HTTP tracking server answers its health check
    within ``timeout`` seconds (other URIs, local stores, are not checked)."""
    if not uri.startswith(("http://", "https://")):
        return
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=timeout) as r:
            r.read()
    except urllib.error.HTTPError as exc:
        if exc.code >= 500:
            raise TrackingError(f"The MLflow tracking server at {uri} answered {exc.code}.") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TrackingError(f"The MLflow tracking server at {uri} cannot be reached ({reason}). "
                            f"Start it, or correct ${ENV} (or the workspace's tracking "
                            "setting).") from None


def _client(uri: str):
    require_mlflow()
    check_server(uri)
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


# -- logging a run ----------------------------------------------------------------------------
_KEY = re.compile(r"[^A-Za-z0-9_\-. /:]")


def _key(text: str) -> str:
    return _KEY.sub("_", str(text)).strip()[:250] or "_"


def _number(v):
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    try:
        import numpy as np

        if isinstance(v, np.generic) and np.issubdtype(type(v), np.number):
            return float(v)
    except ImportError:  # pragma: no cover
        pass
    return None


def run_params(rec) -> dict:
    params = {_key(k): v for k, v in (rec.parameters or {}).items()}
    titles = {n.get("id"): (rec.nodes[n["id"]].title if n.get("id") in rec.nodes else None)
              or n.get("title") or n.get("id") for n in (rec.snapshot or {}).get("nodes", [])}
    for n in (rec.snapshot or {}).get("nodes", []):
        if n.get("kind") != "component":
            continue
        for k, v in (n.get("params") or {}).items():
            params[_key(f"{titles[n.get('id')]}.{k}")] = v
    return {k: (v if isinstance(v, str) else json.dumps(v, default=str))[:6000]
            for k, v in params.items()}


def run_metrics(rec) -> dict:
    out = {}
    for k, v in (rec.metrics or {}).items():
        x = _number(v)
        if x is not None:
            out[_key(k)] = x
    if rec.duration is not None:
        out["duration"] = float(rec.duration)
    for nid, n in rec.nodes.items():
        if n.duration is not None:
            out[_key(f"duration.{n.title or nid}")] = float(n.duration)
    return out


def _experiment_id(client, name: str) -> str:
    exp = client.get_experiment_by_name(name)
    if exp is not None:
        if exp.lifecycle_stage == "deleted":
            client.restore_experiment(exp.experiment_id)
        return exp.experiment_id
    try:
        return client.create_experiment(name)
    except Exception:  # created at the same time by another run
        exp = client.get_experiment_by_name(name)
        if exp is None:
            raise
        return exp.experiment_id


def log_run(ws, run_id: str, uri: str | None = None) -> dict:
    """Log a finished designer run to the tracking server ``uri`` (default:
    :func:`tracking_uri`); returns ``{"run_id", "experiment_id", "tracking_uri"}`` of the
    MLflow run."""
    uri = uri or tracking_uri(ws)
    if not uri:
        raise TrackingError(f"No MLflow tracking server is set: set ${ENV} or the workspace's "
                            "tracking URI (`jupyter designer mlflow tracking --uri URI`).")
    from mlflow.entities import Metric, Param, RunStatus, RunTag

    client = _client(uri)
    rec = ws.get_run(run_id)
    exp_id = _experiment_id(client, rec.experiment)
    tags = {"designer.run_id": rec.id, "designer.pipeline": rec.pipeline_name or "",
            "designer.status": rec.status, "designer.compute": rec.compute or "",
            "mlflow.source.name": "jupyter-designer"}
    run = client.create_run(exp_id, start_time=int(rec.created * 1000),
                            tags=tags, run_name=f"{rec.pipeline_name} {rec.id}"[:250])
    mid = run.info.run_id
    now = int(time.time() * 1000)
    params = [Param(k, v) for k, v in run_params(rec).items()]
    metrics = [Metric(k, v, now, 0) for k, v in run_metrics(rec).items()]
    for i in range(0, max(len(params), 1), 100):
        client.log_batch(mid, params=params[i:i + 100])
    for i in range(0, len(metrics), 500):
        client.log_batch(mid, metrics=metrics[i:i + 500])
    with tempfile.TemporaryDirectory() as tmp:
        pipeline_file = Path(tmp) / "pipeline.json"
        pipeline_file.write_text(json.dumps(rec.snapshot, indent=1, sort_keys=True, default=str),
                                 encoding="utf-8")
        client.log_artifact(mid, str(pipeline_file))
        charts = _evaluation_files(ws, rec, Path(tmp) / "evaluation")
        if charts:
            client.log_artifacts(mid, str(Path(tmp) / "evaluation"), "evaluation")
    status = RunStatus.to_string(RunStatus.FINISHED if rec.status == "completed" else
                                 RunStatus.FAILED if rec.status == "failed" else RunStatus.KILLED)
    end = int((rec.finished or time.time()) * 1000)
    client.set_terminated(mid, status=status, end_time=end)
    return {"run_id": mid, "experiment_id": exp_id, "tracking_uri": uri}


def _evaluation_files(ws, rec, folder: Path) -> list:
    """Each Evaluate Model's results (curves, confusion matrix) as JSON, and a chart as PNG
    when matplotlib is installed."""
    from jupyter_designer.engine.models import EvaluationResult

    written = []
    for nid, n in rec.nodes.items():
        for port in (n.outputs or {}):
            try:
                value = ws.run_output(rec.id, nid, port)
            except Exception:
                continue
            if not isinstance(value, EvaluationResult):
                continue
            folder.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", n.title or nid)
            f = folder / f"{name}.json"
            f.write_text(json.dumps(value.describe(), default=_plain, indent=1), encoding="utf-8")
            written.append(f)
            png = _chart(value, folder / f"{name}.png", n.title or nid)
            if png is not None:
                written.append(png)
    return written


def _plain(v):
    try:
        return v.tolist()
    except AttributeError:
        return str(v)


def _chart(result, path: Path, title: str):
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    panels = []
    for i, r in enumerate(result.results):
        curves = r.get("curves") or {}
        roc = curves.get("roc")
        if isinstance(roc, dict) and roc.get("fpr") is not None:
            panels.append(("ROC curve", roc.get("fpr"), roc.get("tpr"), "False positive rate",
                           "True positive rate"))
        pr = curves.get("pr") or curves.get("precision_recall")
        if isinstance(pr, dict) and pr.get("recall") is not None:
            panels.append(("Precision/recall", pr.get("recall"), pr.get("precision"), "Recall",
                           "Precision"))
        cm = r.get("confusion_matrix")
        if isinstance(cm, dict) and cm.get("matrix") is not None:
            panels.append(("Confusion matrix", cm, None, "Scored label", "Label"))
    metrics = {k: v for k, v in result.metrics().items() if _number(v) is not None}
    if not panels and not metrics:
        return None
    n = max(len(panels), 1)
    fig, axes = plt.subplots(1, n, figsize=(4.5 * n, 4), squeeze=False)
    try:
        for ax, panel in zip(axes[0], panels or [None]):
            if panel is None:
                ax.barh(list(metrics), [float(v) for v in metrics.values()])
                ax.set_title(f"{title}: metrics")
                continue
            name, x, y, xl, yl = panel
            if y is None:
                labels = [str(c) for c in x.get("labels") or []]
                ax.imshow(x["matrix"], cmap="Blues")
                ax.set_xticks(range(len(labels)), labels)
                ax.set_yticks(range(len(labels)), labels)
            else:
                ax.plot(x, y)
            ax.set_title(name)
            ax.set_xlabel(xl)
            ax.set_ylabel(yl)
        fig.suptitle(title)
        fig.tight_layout()
        fig.savefig(path, dpi=80)
    finally:
        plt.close(fig)
    return path


# -- the observer of every run ----------------------------------------------------------------
class RunTracker:
    """A run event observer logging its run to MLflow when the run finishes; never raises."""

    def __init__(self, ws, run_id: str, uri: str):
        self.ws, self.run_id, self.uri = ws, run_id, uri

    def __call__(self, ev) -> None:
        if ev.kind != "run_finished" or ev.run_id != self.run_id:
            return
        try:
            info = log_run(self.ws, self.run_id, self.uri)
            self.ws.set_run_lineage(self.run_id, mlflow=info)
        except Exception as exc:  # tracking never fails a run
            note = str(exc) if isinstance(exc, DesignerError) else f"{type(exc).__name__}: {exc}"
            warning = f"MLflow tracking: the run was not logged to {self.uri}: {note}"
            log.warning("%s (run %s)", warning, self.run_id)
            try:
                self.ws.set_run_lineage(self.run_id, mlflow={"tracking_uri": self.uri,
                                                             "warning": warning})
                rec = self.ws.get_run(self.run_id)
                if rec.nodes:
                    self.ws.append_log(self.run_id, list(rec.nodes)[-1], f"\nWARNING: {warning}\n")
            except Exception:
                log.exception("the MLflow tracking warning could not be recorded")


def run_observer(ws, run_id: str):
    """The tracking observer of a new run, or ``None`` when tracking is off."""
    try:
        uri = tracking_uri(ws)
    except Exception:
        return None
    return RunTracker(ws, run_id, uri) if uri else None


# -- the model registry -----------------------------------------------------------------------
def push_model(ws, name: str, version: int | None = None, *, uri: str | None = None,
               registered_name: str | None = None) -> dict:
    """Push a registered model of the workspace to the MLflow model registry (as a pyfunc model
    scoring as Score Model does); returns ``{"name", "version", "run_id", "model_uri"}``."""
    uri = uri or tracking_uri(ws)
    if not uri:
        raise TrackingError(f"No MLflow tracking server is set: set ${ENV}, give --tracking-uri, "
                            "or set the workspace's tracking URI.")
    mlflow = require_mlflow()
    from jupyter_designer.engine.models import TrainedModel
    from jupyter_designer.export.models import model_mlflow_files

    client = _client(uri)
    info = ws.model_info(name, version)
    model = ws.get_model(info.name, info.version)
    if not isinstance(model, TrainedModel):
        raise TrackingError(f"Model {info.name!r} version {info.version} is not a trained model "
                            f"({type(model).__name__}); only trained models are pushed to the "
                            "MLflow registry.")
    target = registered_name or info.name
    exp_id = _experiment_id(client, "Registered models")
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            python_model, artifacts, signature, example = model_mlflow_files(
                ws, model, Path(tmp), source_run=info.source_run)
            with mlflow.start_run(experiment_id=exp_id,
                                  run_name=f"{info.name} v{info.version}") as run:
                mlflow.set_tags({"designer.model": info.name,
                                 "designer.model_version": str(info.version),
                                 "designer.source_run": info.source_run or ""})
                logged = mlflow.pyfunc.log_model(name="model", python_model=python_model,
                                                 artifacts=artifacts, signature=signature,
                                                 input_example=example,
                                                 registered_model_name=target)
    finally:
        mlflow.set_tracking_uri(previous)
    mv = logged.registered_model_version
    return {"name": target, "version": int(mv), "run_id": run.info.run_id,
            "model_uri": f"models:/{target}/{int(mv)}", "tracking_uri": uri}
