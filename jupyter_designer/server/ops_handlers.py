"""REST routes for the model registry, lineage and schedules (``<base_url>/designer/api/``),
behind Jupyter's authentication like the rest of the API:

- ``GET lineage/<name>?kind=&version=``: what a model or an endpoint came from;
- ``GET models/<name>/versions``; ``PATCH models/<name>/versions/<version>`` (description,
  tags); ``PUT|DELETE models/<name>/aliases/<alias>`` (``{"version"}``);
- ``GET|POST schedules``; ``GET|PATCH|DELETE schedules/<name>`` (``{"state": "paused" |
  "active"}``).
"""

from __future__ import annotations

from jupyter_designer.app import schedules as schedule_app
from jupyter_designer.app.lineage import lineage
from jupyter_designer.serving.errors import RequestError

from .handlers import NAME, DesignerHandler, api_verb


def _version(text: str):
    return int(text) if text.isdigit() else text


class LineageHandler(DesignerHandler):
    @api_verb
    async def get(self, name):
        kind = self.get_query_argument("kind", None)
        version = self.get_query_argument("version", None)
        self.send(await self.blocking(lineage, self.ws, name, kind=kind,
                                      version=None if version is None else _version(version)))


class ModelVersionsHandler(DesignerHandler):
    @api_verb
    async def get(self, name):
        infos = await self.blocking(self.ws.model_versions, name)
        self.send({"name": infos[-1].name, "aliases": self.ws.model_aliases(name),
                   "versions": [i.as_dict() for i in infos]})


class ModelVersionHandler(DesignerHandler):
    @api_verb
    async def get(self, name, version):
        info = await self.blocking(self.ws.model_info, name, _version(version))
        self.send(info.as_dict())

    @api_verb
    async def patch(self, name, version):
        doc = self.json_body()
        unknown = [k for k in doc if k not in ("description", "tags")]
        if unknown:
            raise RequestError(f"Unknown field {unknown[0]!r}; a model version change takes "
                               "'description' and 'tags'.")
        info = await self.blocking(self.ws.update_model, name, _version(version),
                                   description=doc.get("description"), tags=doc.get("tags"))
        self.send(info.as_dict())


class ModelAliasHandler(DesignerHandler):
    @api_verb
    async def put(self, name, alias):
        doc = self.json_body()
        version = doc.get("version")
        if set(doc) - {"version"} or not isinstance(version, (int, str)) or isinstance(version, bool):
            raise RequestError('The body must be {"version": N}: the version the alias names.')
        info = await self.blocking(self.ws.set_model_alias, name, alias,
                                   _version(str(version)))
        self.send(info.as_dict())

    @api_verb
    async def delete(self, name, alias):
        await self.blocking(self.ws.remove_model_alias, name, alias)
        self.set_status(204)
        self.finish()


class SchedulesHandler(DesignerHandler):
    @api_verb
    async def get(self):
        items = await self.blocking(schedule_app.list_schedules, self.ws)
        self.send({"schedules": items,
                   "running_here": getattr(self.state, "schedules", None) is not None})

    @api_verb
    async def post(self):
        info = await self.blocking(schedule_app.create_schedule_request, self.ws, self.json_body())
        self.send(info, 201, location=self.api_url("schedules", info["name"]))


class ScheduleHandler(DesignerHandler):
    @api_verb
    async def get(self, name):
        ticks = self.query_int("ticks", 20)
        self.send(await self.blocking(schedule_app.get_schedule, self.ws, name, ticks=ticks))

    @api_verb
    async def patch(self, name):
        self.send(await self.blocking(schedule_app.change_schedule_request, self.ws, name,
                                      self.json_body()))

    @api_verb
    async def delete(self, name):
        await self.blocking(schedule_app.delete_schedule, self.ws, name)
        self.set_status(204)
        self.finish()


def ops_routes(base_url: str) -> list:
    from .utils import join

    api = join(base_url, "designer", "api")
    return [
        (api + f"/lineage/{NAME}", LineageHandler),
        (api + f"/models/{NAME}/versions", ModelVersionsHandler),
        (api + f"/models/{NAME}/versions/{NAME}", ModelVersionHandler),
        (api + f"/models/{NAME}/aliases/{NAME}", ModelAliasHandler),
        (api + "/schedules", SchedulesHandler),
        (api + f"/schedules/{NAME}", ScheduleHandler),
    ]
