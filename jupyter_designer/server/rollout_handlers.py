"""REST routes of a real-time endpoint's deployments (traffic split, mirror, promotion) and
monitoring (metrics, scored-data logging, drift), behind Jupyter's authentication like the
rest of the REST API; thin handlers over :mod:`jupyter_designer.app.monitoring`.

- ``GET  designer/api/endpoints/<name>/deployments``: deployments, split, mirror, monitoring;
- ``POST designer/api/endpoints/<name>/deployments``: add a deployment ``{"deployment",
  "version" | "run_id" | "pipeline"}`` (it takes no traffic yet);
- ``PATCH designer/api/endpoints/<name>/deployments``: ``{"traffic", "promote", "mirror",
  "monitoring"}``;
- ``DELETE designer/api/endpoints/<name>/deployments/<deployment>``;
- ``GET  designer/api/endpoints/<name>/drift?deployment=&rows=&threshold=``;
- ``GET  designer/api/endpoints/<name>/metrics`` and ``designer/api/metrics`` (every
  endpoint): Prometheus text.
"""

from __future__ import annotations

from jupyter_designer.app import monitoring as app_monitoring
from jupyter_designer.serving.errors import ServingError

from .endpoint_routes import monitor_of
from .handlers import NAME, DesignerHandler, api_verb
from .utils import join


class DeploymentsHandler(DesignerHandler):
    @api_verb
    async def get(self, name):
        self.send(await self.blocking(app_monitoring.deployments, self.ws, name,
                                      registry=self.state.realtime))

    @api_verb
    async def post(self, name):
        doc = self.json_body()
        out = await self.blocking(app_monitoring.add_request, self.ws, name, doc,
                                  registry=self.state.realtime, host=self.state.host)
        self.send(out, 201, self.api_url("endpoints", name, "deployments", doc["deployment"]))

    @api_verb
    async def patch(self, name):
        doc = self.json_body()
        self.send(await self.blocking(app_monitoring.change_request, self.ws, name, doc,
                                      registry=self.state.realtime))


class DeploymentHandler(DesignerHandler):
    @api_verb
    async def delete(self, name, deployment):
        await self.blocking(app_monitoring.remove_deployment, self.ws, name, deployment,
                            registry=self.state.realtime)
        self.set_status(204)
        self.finish()


class DriftHandler(DesignerHandler):
    @api_verb
    async def get(self, name):
        threshold = self.get_query_argument("threshold", None)
        if threshold is not None:
            try:
                threshold = float(threshold)
            except ValueError:
                raise ServingError(f"The query parameter 'threshold' must be a number (a PSI, "
                                   f"e.g. 0.2); got {threshold!r}.") from None
        self.send(await self.blocking(
            app_monitoring.drift, self.ws, name,
            deployment=self.get_query_argument("deployment", None),
            rows=self.query_int("rows", 1000), threshold=threshold,
            registry=self.state.realtime))


class MetricsHandler(DesignerHandler):
    @api_verb
    async def get(self, name=None):
        if name is not None:
            name = (await self.blocking(self.state.realtime.get, name))["name"]
        payload, ctype = await self.blocking(monitor_of(self.state).metrics.exposition, name)
        self.finish(payload, set_content_type=ctype)   # APIHandler's finish says JSON otherwise


def rollout_routes(base_url: str) -> list:
    api, name = join(base_url, "designer", "api"), NAME
    return [
        (api + f"/endpoints/{name}/deployments", DeploymentsHandler),
        (api + f"/endpoints/{name}/deployments/{name}", DeploymentHandler),
        (api + f"/endpoints/{name}/drift", DriftHandler),
        (api + f"/endpoints/{name}/metrics", MetricsHandler),
        (api + "/metrics", MetricsHandler),
    ]
