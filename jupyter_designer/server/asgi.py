"""The ASGI application of ``jupyter designer serve``.

It answers, under the server root:

- ``/designer/endpoints/<name>/...``: the scoring routes of :mod:`.endpoint_routes` (API keys);
- ``/designer/health``: ``{"status": "ok", "pid": ..., "ready": ..., "loading": [...]}`` (no
  key; ``ready`` once every endpoint this worker knows of has been compiled);
- with a token: ``POST /designer/api/pipeline-endpoints/<name>/runs``,
  ``GET /designer/api/runs/<id>`` and ``GET /designer/api/metrics`` (every endpoint's
  metrics, Prometheus text) (``Authorization: token <TOKEN>``).

Everything else is a JSON 404, a known route with another method a 405. It is served by
uvicorn (with its C HTTP parser and event loop when installed); scoring runs on the scoring
threads, and other blocking work on the state's ``blocking`` pool, never on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import os
import re
import time

from . import endpoint_routes
from .endpoint_routes import WWW_AUTHENTICATE, Request

log = logging.getLogger("jupyter_designer.server")

#: the largest request body accepted (as the Jupyter server's default)
MAX_BODY = 100 * 1024 * 1024

ENDPOINTS = "/designer/endpoints/"
_JSON = (b"content-type", b"application/json")
_NO_STORE = (b"cache-control", b"no-store")
_SUBMIT = re.compile(r"/designer/api/pipeline-endpoints/(?P<name>[^/]+)/runs$")
_RUN = re.compile(r"/designer/api/runs/(?P<run_id>[^/]+)$")


def _error(message: str) -> bytes:
    return json.dumps({"error": message}).encode()


_TOO_LARGE = (413, _error(f"The request body is larger than {MAX_BODY} bytes."), None)


class DesignerASGI:
    """``app(scope, receive, send)`` over a :class:`~.state.DesignerState`."""

    def __init__(self, state, *, token: str | None = None):
        self.state = state
        self.token = token or None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await _lifespan(receive, send)
            return
        t0 = time.perf_counter()
        status, payload, extra = await self._answer(scope, receive)
        headers = [_NO_STORE, (b"content-length", str(len(payload)).encode())]
        if extra:
            headers += extra
        if not extra or not any(k == b"content-type" for k, _ in extra):
            headers.insert(0, _JSON)
        if status == 401:
            headers.append((b"www-authenticate", WWW_AUTHENTICATE.encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
        level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
        if log.isEnabledFor(level):
            log.log(level, "%d %s %s (%s) %.2fms", status, scope["method"], scope["path"],
                    (scope.get("client") or ("-",))[0], 1e3 * (time.perf_counter() - t0))

    async def _answer(self, scope, receive):
        path, method = scope["path"], scope["method"]
        if path.startswith(ENDPOINTS):
            name, slash, sub = path[len(ENDPOINTS):].partition("/")
            found = endpoint_routes.match(slash + sub) if name else None
            if found is not None:
                methods, groups = found
                fn = methods.get(method)
                if fn is None:
                    return _not_allowed(methods)
                body = await _body(scope, receive)
                if body is None:
                    return _TOO_LARGE
                groups["name"] = name
                header = _headers(scope)
                req = Request(self.state, header, body, lambda: _base_url(scope, header))
                status, payload, *more = await endpoint_routes.answer(fn, req, groups)
                extra = [(k.lower().encode(), v.encode()) for k, v in more[0]] if more else None
                return status, payload, extra
        elif path == "/designer/health":
            if method != "GET":
                return _not_allowed({"GET": None})
            loading = self.state.host.loading()
            return 200, json.dumps({"status": "ok", "pid": os.getpid(), "ready": not loading,
                                    "loading": loading}).encode(), None
        elif path == "/designer/api/metrics":
            if method != "GET":
                return _not_allowed({"GET": None})
            return await self._metrics(scope)
        elif self.token and path.startswith("/designer/api/"):
            m = _SUBMIT.match(path)
            if m:
                if method != "POST":
                    return _not_allowed({"POST": None})
                return await self._submit(scope, receive, m["name"])
            m = _RUN.match(path)
            if m:
                if method != "GET":
                    return _not_allowed({"GET": None})
                return await self._run_status(scope, m["run_id"])
        return 404, _error(endpoint_routes.UNKNOWN_ROUTE.format(path=path)), None

    # -- pipeline endpoint submissions (with the server's token) ---------------------------------
    def _refused(self, scope):
        auth = _headers(scope)("Authorization") or ""
        scheme, _, given = auth.partition(" ")
        if scheme.lower() in ("token", "bearer") and hmac.compare_digest(
                given.strip().encode(), self.token.encode()):
            return None
        return 401, _error("Send the server's token: 'Authorization: token <TOKEN>'."), None

    async def _submit(self, scope, receive, name):
        from jupyter_designer.engine.errors import DesignerError

        refused = self._refused(scope)
        if refused:
            return refused
        body = await _body(scope, receive)
        if body is None:
            return _TOO_LARGE
        from jupyter_designer.serving.protocols import parse_json

        try:
            doc = parse_json(body) if body.strip() else {}
        except DesignerError as exc:
            return _designer_error(exc)
        from jupyter_designer.app import submit_to_endpoint_request

        state = self.state
        try:
            out = await asyncio.get_running_loop().run_in_executor(
                state.blocking, functools.partial(submit_to_endpoint_request, state.ws, name, doc,
                                                  data_roots=state.data_roots,
                                                  endpoints=state.pipelines))
        except DesignerError as exc:
            return _designer_error(exc)
        handle = out.pop("handle")
        state.track(handle)
        location = f"/designer/api/runs/{handle.run_id}"
        return 202, json.dumps({**out, "url": location}).encode(), [(b"location", location.encode())]

    async def _metrics(self, scope):
        """Every endpoint's metrics (Prometheus text), with the server's token; an endpoint's
        own are at ``/designer/endpoints/<name>/metrics`` with its key."""
        if not self.token:
            return 403, _error("The server's metrics need its token: start the server with "
                               "--token (or $JUPYTER_DESIGNER_TOKEN), or read an endpoint's "
                               "own at /designer/endpoints/<name>/metrics with its key."), None
        refused = self._refused(scope)
        if refused:
            return refused
        from .endpoint_routes import monitor_of

        payload, ctype = await asyncio.get_running_loop().run_in_executor(
            self.state.blocking, monitor_of(self.state).metrics.exposition, None)
        return 200, payload, [(b"content-type", ctype.encode())]

    async def _run_status(self, scope, run_id):
        from jupyter_designer.engine.errors import DesignerError

        refused = self._refused(scope)
        if refused:
            return refused
        try:
            rec = await asyncio.get_running_loop().run_in_executor(
                self.state.blocking, self.state.ws.get_run, run_id)
        except DesignerError as exc:
            return _designer_error(exc)
        from jupyter_designer.app import run_summary

        return 200, json.dumps(run_summary(rec), default=str).encode(), None


def _designer_error(exc):
    from jupyter_designer.serving.errors import http_status

    return http_status(exc), _error(str(exc)), None


def _not_allowed(methods):
    allow = ", ".join(methods)
    return 405, _error(f"Method not allowed here; this route takes {allow}."), [(b"allow", allow.encode())]


def _headers(scope):
    """``header(name) -> str | None`` over the request's headers (first value)."""
    raw = scope["headers"]

    def header(name: str):
        key = name.lower().encode()
        for k, v in raw:
            if k == key:
                return v.decode("latin-1")
        return None

    return header


def _base_url(scope, header) -> str:
    host = header("Host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}/"


async def _body(scope, receive) -> bytes | None:
    """The whole request body, or None when it is larger than :data:`MAX_BODY`."""
    for k, v in scope["headers"]:
        if k == b"content-length":
            try:
                if int(v) > MAX_BODY:
                    return None
            except ValueError:
                pass
            break
    msg = await receive()
    body = msg.get("body", b"")
    if not msg.get("more_body"):
        return body
    parts = [body]
    size = len(body)
    while msg.get("more_body"):
        msg = await receive()
        chunk = msg.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        parts.append(chunk)
    return b"".join(parts)


async def _lifespan(receive, send):
    while True:
        msg = await receive()
        if msg["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif msg["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
