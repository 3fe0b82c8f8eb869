"""Scoring routes of real-time endpoints in the Jupyter server: ``<base>/designer/endpoints/<name>/...``.

These routes authenticate with the endpoint's API keys (``Authorization: Bearer <key>``),
not with Jupyter's token or cookie, so programs outside Jupyter can call them; a missing or
wrong key is a 401. The routes and their answers are the ones of :mod:`.endpoint_routes`
(shared with ``jupyter designer serve``); the request body is parsed, checked and scored on
scoring threads, never on the event loop. Errors are JSON (``{"error": ..., "details":
{...}}``) and a model failure is a 500 that carries no traceback.
"""

from __future__ import annotations

from tornado import web

from jupyter_designer.serving import protocols
from jupyter_designer.serving.errors import ServingError

from . import endpoint_routes
from .endpoint_routes import WWW_AUTHENTICATE, Request, ScoringThreads
from .state import SETTINGS_KEY

__all__ = ["ScoringHandler", "ScoringThreads", "scoring_routes"]

NAME = r"(?P<name>[^/]+)"


class ScoringHandler(web.RequestHandler):
    """Base of the scoring routes: key authentication, JSON errors, thread-pool scoring."""

    def initialize(self, state=None):
        self._state = state

    @property
    def state(self):
        return self._state or self.settings[SETTINGS_KEY]

    def check_xsrf_cookie(self):
        # authenticated by an API key in a header, never by a cookie: no CSRF to guard against
        return None

    def set_default_headers(self):
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")

    def write_error(self, status_code, **kwargs):
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, ServingError):
            body = exc.as_dict()
        elif isinstance(exc, web.HTTPError):
            body = {"error": exc.log_message or self._reason}
        else:
            body = {"error": "The server failed to answer the request."}
        if status_code == 401:
            self.set_header("WWW-Authenticate", WWW_AUTHENTICATE)
        self.finish(protocols.dumps(body))

    def send(self, status: int, payload: bytes, headers=None):
        self.set_status(status)
        if status == 401:
            self.set_header("WWW-Authenticate", WWW_AUTHENTICATE)
        for name, value in headers or ():
            self.set_header(name, value)
        self.finish(payload)

    async def respond(self, fn, groups: dict):
        req = self.request
        request = Request(self.state, req.headers.get, req.body,
                          lambda: f"{req.protocol}://{req.host}{self.settings.get('base_url', '/')}")
        groups = {k: v for k, v in groups.items() if v is not None}
        self.send(*await endpoint_routes.answer(fn, request, groups))


def _handler(pattern: str, methods: dict) -> type:
    """A tornado handler class answering ``methods`` of one route."""
    ns = {"__doc__": f"``{pattern}``: {', '.join(methods)}"}
    for method, fn in methods.items():
        async def verb(self, *args, _fn=fn, **groups):
            await self.respond(_fn, groups)
        verb.__name__ = method.lower()
        ns[method.lower()] = verb
    title = "".join(p.title() for p in fn.__name__.split("_"))
    return type(f"{title}Handler", (ScoringHandler,), ns)


_HANDLERS = [(pattern, _handler(pattern, methods)) for pattern, methods in endpoint_routes.ROUTES]


class UnknownRouteHandler(ScoringHandler):
    """Any other path under ``designer/endpoints/``: a JSON 404 (not the server's HTML page)."""

    async def _missing(self, *args, **kwargs):
        self.send(404, protocols.dumps({"error": endpoint_routes.UNKNOWN_ROUTE.format(
            path=self.request.path)}))

    get = post = put = patch = delete = head = options = _missing


def scoring_routes(base_url: str, state=None) -> list:
    """The URL specs of the scoring routes under ``base_url``."""
    from .utils import join

    root = join(base_url, "designer", "endpoints", NAME)
    kw = {"state": state}
    return ([(root + pattern, cls, kw) for pattern, cls in _HANDLERS]
            + [(join(base_url, "designer", "endpoints") + r"(?:/.*)?", UnknownRouteHandler, kw)])
