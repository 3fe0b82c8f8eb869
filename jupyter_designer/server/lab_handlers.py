"""REST routes the JupyterLab Designer sidebar needs beyond the resource handlers: the models
(registered models and the trained models of runs), a run cloned into a new draft, and runs
compared side by side, a file of the file browser registered as a dataset. Thin handlers over the workspace, in the style of :mod:`.handlers`."""

from __future__ import annotations

from jupyter_designer.app._checks import known_fields
from jupyter_designer.serving.errors import ServingError

from .handlers import NAME, DesignerHandler, api_verb
from .utils import join

#: how many recent runs the models listing looks through for trained models
RUN_MODELS_LIMIT = 50
#: the fields of the request bodies (others are refused)
CLONE_FIELDS = ("save_as",)
REGISTER_FILE_FIELDS = ("path", "name", "description", "na_values")


def _trained_models(ws, limit: int) -> list[dict]:
    """The trained-model outputs of the most recent runs, newest run first."""
    from jupyter_designer.engine.component import REGISTRY
    from jupyter_designer.engine.ports import TRAINED_MODEL

    out = []
    for run in ws.list_runs(limit=limit):
        snapshot = {n.get("id"): n for n in (run.snapshot or {}).get("nodes", [])}
        for node_id, node in run.nodes.items():
            component = (snapshot.get(node_id) or {}).get("component")
            if not component or not node.outputs:
                continue
            try:
                spec = REGISTRY.get(component)
            except Exception:  # a user component of another kernel: not known here
                continue
            for port in spec.outputs:
                if port.type == TRAINED_MODEL and port.key in node.outputs:
                    out.append({"run_id": run.id, "experiment": run.experiment,
                                "pipeline_name": run.pipeline_name, "run_status": run.status,
                                "created": run.created, "node_id": node_id,
                                "node_title": node.title or spec.name, "port": port.key})
    return out


class ModelsHandler(DesignerHandler):
    """``GET models`` -> ``{"registered": [...], "trained": [...]}``."""

    @api_verb
    async def get(self):
        limit = min(max(self.query_int("runs", RUN_MODELS_LIMIT), 1), 500)
        registered = await self.blocking(self.ws.list_models)
        trained = await self.blocking(_trained_models, self.ws, limit)
        self.send({"registered": [m.as_dict() for m in registered], "trained": trained})


class RunCloneHandler(DesignerHandler):
    """``POST runs/<id>/clone {"save_as": draft name}`` -> 201 the run's pipeline as a new draft."""

    @api_verb
    async def post(self, run_id):
        doc = self.json_body(required=False)
        known_fields(doc, CLONE_FIELDS, "cloning a run")
        rec = await self.blocking(self.ws.get_run, run_id)
        name = doc.get("save_as")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ServingError("\"save_as\" must be the new draft's name (text), or left out to "
                               "get a free name.")
        if name is None:
            name = await self.blocking(self.ws.new_draft_name, f"{rec.pipeline_name} (clone)")
        pipeline = await self.blocking(self.ws.clone_run, run_id)
        pipeline["name"] = name
        version = await self.blocking(self.ws.save_draft, name, pipeline)
        self.send({"draft": name, "version": version, "run_id": run_id, "pipeline": pipeline},
                  201, self.api_url("pipelines", name))


def _comparison(ws, run_ids: list[str]) -> dict:
    table = ws.compare_runs(run_ids)
    runs = [ws.get_run(r) for r in run_ids]
    return {"runs": [{"id": r.id, "experiment": r.experiment, "pipeline_name": r.pipeline_name,
                      "status": r.status, "created": r.created, "duration": r.duration}
                     for r in runs],
            "rows": [{"kind": kind, "name": name, "values": list(row)}
                     for (kind, name), row in zip(table.index, table.itertuples(index=False))]}


class RunsCompareHandler(DesignerHandler):
    """``GET runs-compare?runs=<id>,<id>...`` -> parameters and metrics of the runs side by side."""

    @api_verb
    async def get(self):
        ids = [r.strip() for r in ",".join(self.get_query_arguments("runs")).split(",") if r.strip()]
        if len(ids) < 2:
            raise ServingError("Compare needs at least two run ids: runs-compare?runs=ID1,ID2.")
        twice = next((r for i, r in enumerate(ids) if r in ids[:i]), None)
        if twice is not None:
            raise ServingError(f"Run {twice!r} is named twice; compare different runs.")
        self.send(await self.blocking(_comparison, self.ws, ids))


def _register_file(ws, root: str, doc: dict) -> dict:
    from jupyter_designer.app.datasets import register_dataset

    from .utils import below_root

    path, target = below_root(root, doc.get("path"), example="data/cars.csv",
                              what="register a file")
    found = target.is_file()
    if not found:
        raise ServingError(f"There is no file {path!r} under the Jupyter server's root folder.")
    info = register_dataset(ws, doc.get("name"), path=str(target),
                            description=doc.get("description"),
                            na_values=doc.get("na_values"))
    return {**info.as_dict(), "notes": list(info.notes), "path": path}


class RegisterFileHandler(DesignerHandler):
    """``POST register-file {"path", "name", "description"?, "na_values"?}``: a CSV/TSV/Parquet
    file of the file browser (its path as JupyterLab shows it) becomes a dataset; 201 with
    what reading it found (``missing_values``, ``notes`` on dates and markers). Other fields
    are refused (400)."""

    @api_verb
    async def post(self):
        doc = self.json_body()
        known_fields(doc, REGISTER_FILE_FIELDS, "registering a file")
        root = self.settings["contents_manager"].root_dir
        out = await self.blocking(_register_file, self.ws, root, doc)
        self.send(out, 201, self.api_url("datasets", out["name"]))


def lab_routes(base_url: str) -> list:
    """The routes above, under the REST API root ``<base_url>/designer/api``."""
    api, name = join(base_url, "designer", "api"), NAME
    return [
        (api + "/models", ModelsHandler),
        (api + f"/runs/{name}/clone", RunCloneHandler),
        (api + "/runs-compare", RunsCompareHandler),
        (api + "/register-file", RegisterFileHandler),
    ]
