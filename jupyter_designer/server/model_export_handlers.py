"""REST routes of the model exports and of MLflow: a run's trained model written as a skops,
ONNX or MLflow file below the Jupyter server's root folder, MLflow tracking's state, and a
registered model pushed to the MLflow model registry (of the tracking server the workspace or
``$MLFLOW_TRACKING_URI`` names: a request never names a server of its own)."""

from __future__ import annotations

from pathlib import Path

from jupyter_designer.app._checks import known_fields
from jupyter_designer.serving.errors import ServingError

from .handlers import NAME, DesignerHandler, api_verb
from .utils import join

EXPORT_FIELDS = ("format", "path")
PUSH_FIELDS = ("name", "version", "registered_name")


class ExistsError(ServingError):
    status = 409


def _target(root: str, path) -> Path:
    """The file to write: ``path`` as the file browser shows it, below the root folder, in a
    folder that exists, not there yet."""
    from .utils import below_root

    path, target = below_root(root, path, example="models/autos.skops", what="give a path")
    try:
        folder = target.parent.is_dir() and target != Path(root).resolve()
        exists = target.exists() or target.is_symlink()
    except (OSError, ValueError) as exc:
        raise ServingError(f"{path!r} is not a usable file path ({exc}).") from None
    if not folder:
        raise ServingError(f"The folder of {path!r} does not exist under the Jupyter server's "
                           "root folder; create it first.")
    if exists:
        raise ExistsError(f"{path!r} exists already; give a new path.")
    return target


def _export(ws, root: str, run_id: str, doc: dict) -> dict:
    from jupyter_designer.app.export import export

    fmt = doc.get("format")
    if fmt not in ("skops", "onnx", "mlflow"):
        raise ServingError(f"\"format\" must be one of skops, onnx, mlflow. Got {fmt!r}.")
    ws.get_run(run_id)  # names a run that does not exist (404)
    target = _target(root, doc.get("path"))
    result = export(ws, run_id, format=fmt, output=target).as_dict()
    result["path"] = str(Path(result["path"]).relative_to(Path(root).resolve()))
    result.pop("files", None)
    return {**result, "run_id": run_id}


class ExportModelHandler(DesignerHandler):
    """``POST runs/<id>/export-model {"format": "skops"|"onnx"|"mlflow", "path"}`` -> 201."""

    @api_verb
    async def post(self, run_id):
        doc = self.json_body()
        known_fields(doc, EXPORT_FIELDS, "exporting a model")
        root = self.settings["contents_manager"].root_dir
        out = await self.blocking(_export, self.ws, root, run_id, doc)
        self.send(out, 201)


def _tracking(ws) -> dict:
    import os

    from jupyter_designer.tracking import mlflow_tracking as mt

    return {"tracking_uri": mt.tracking_uri(ws), "workspace_setting": mt.workspace_tracking_uri(ws),
            "environment": os.environ.get(mt.ENV)}


class TrackingHandler(DesignerHandler):
    """``GET mlflow/tracking`` -> where runs are logged (``tracking_uri``: null when off)."""

    @api_verb
    async def get(self):
        self.send(await self.blocking(_tracking, self.ws))


def _push(ws, doc: dict) -> dict:
    from jupyter_designer.tracking import mlflow_tracking as mt

    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ServingError("Give the registered model's \"name\".")
    version = doc.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise ServingError(f"\"version\" must be a model version (an integer). Got {version!r}.")
    registered = doc.get("registered_name")
    if registered is not None and (not isinstance(registered, str) or not registered.strip()):
        raise ServingError("\"registered_name\" must be the name in the MLflow registry (text).")
    if not mt.tracking_uri(ws):
        raise ServingError("No MLflow tracking server is set: set $MLFLOW_TRACKING_URI where the "
                           "Jupyter server runs, or `jupyter designer mlflow tracking --uri URI`.")
    ws.model_info(name, version)  # names a model that does not exist (404)
    return mt.push_model(ws, name, version, registered_name=registered)


class PushModelHandler(DesignerHandler):
    """``POST mlflow/models {"name", "version"?, "registered_name"?}`` -> 201 the MLflow
    registry's model version."""

    @api_verb
    async def post(self):
        doc = self.json_body()
        known_fields(doc, PUSH_FIELDS, "pushing a model to MLflow")
        self.send(await self.blocking(_push, self.ws, doc), 201)


def model_export_routes(base_url: str) -> list:
    api = join(base_url, "designer", "api")
    return [
        (api + f"/runs/{NAME}/export-model", ExportModelHandler),
        (api + "/mlflow/tracking", TrackingHandler),
        (api + "/mlflow/models", PushModelHandler),
    ]
