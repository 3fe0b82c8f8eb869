"""Scoring routes of real-time endpoints: ``<base>/designer/endpoints/<name>/...``.

These routes authenticate with the endpoint's API keys (``Authorization: Bearer <key>``),
not with Jupyter's token or cookie, so programs outside Jupyter can call them; a missing or
wrong key is a 401. The request body is parsed, checked and scored on scoring threads, never
on the event loop (see :class:`ScoringThreads`). Errors are JSON (``{"error": ..., "details":
{...}}``) and a model failure is a 500 that carries no traceback.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import queue
import threading
import time
import uuid

from tornado import web

from jupyter_designer.serving import protocols
from jupyter_designer.serving.errors import ServingError
from jupyter_designer.serving.openapi import endpoint_openapi
from jupyter_designer.serving.realtime import authenticate

from .state import SETTINGS_KEY

log = logging.getLogger("jupyter_designer.server")

NAME = r"(?P<name>[^/]+)"


def _run(fn, *args):
    """Run a protocol function; returns (status, JSON bytes). Never raises."""
    try:
        status, payload = fn(*args)
        return status, protocols.dumps(payload)
    except ServingError as exc:
        return exc.status, protocols.dumps(exc.as_dict())
    except Exception:  # a bug or an unexpected model failure: no traceback to the caller
        ref = uuid.uuid4().hex[:12]
        log.exception("scoring failed (reference %s)", ref)
        return 500, protocols.dumps({"error": "The pipeline failed to score the request. The "
                                              f"server log has the details (reference {ref})."})


class ScoringThreads:
    """Threads scoring requests off the event loop, with a cheap handoff both ways.

    ``loop.run_in_executor`` costs more CPU than scoring a one-row request (a
    ``concurrent.futures`` future chained to an asyncio one, a wake-up of the loop per
    result). Here a request goes to a :class:`queue.SimpleQueue` that idle threads wait on,
    and results come back through a per-loop mailbox: the loop is woken once for all the
    results that arrived since it last looked, which under load is one wake-up for several
    requests. Threads start on demand, up to ``threads``, and end after ``idle`` seconds
    without work.
    """

    def __init__(self, threads: int = 2, *, idle: float = 30.0, name: str = "designer-score"):
        self.threads = max(1, int(threads))
        self.idle_timeout = idle
        self.name = name
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._running = 0      # threads alive
        self._waiting = 0      # of which waiting for a job
        self._mailboxes: dict = {}

    def submit(self, fn, *args) -> asyncio.Future:
        """Run ``fn(*args)`` on a scoring thread; an asyncio future of the current loop."""
        loop = asyncio.get_running_loop()
        box = self._mailboxes.get(loop)
        if box is None:
            box = self._mailboxes.setdefault(loop, _Mailbox(loop))
        fut = loop.create_future()
        self._jobs.put((box, fut, fn, args))
        if self._waiting == 0 and self._running < self.threads:
            with self._lock:
                if self._waiting == 0 and self._running < self.threads:
                    self._running += 1
                    self._waiting += 1   # counted as waiting until it takes its first job
                    threading.Thread(target=self._work, name=f"{self.name}_{self._running - 1}",
                                     daemon=True).start()
        return fut

    def _work(self) -> None:
        jobs, lock = self._jobs, self._lock
        first = True
        while True:
            if not first:
                with lock:
                    self._waiting += 1
            first = False
            try:
                box, fut, fn, args = jobs.get(timeout=self.idle_timeout)
            except queue.Empty:
                with lock:
                    self._waiting -= 1
                    if jobs.empty():   # a job put meanwhile finds this thread still counted
                        self._running -= 1
                        return
                continue
            with lock:
                self._waiting -= 1
            try:
                result, error = fn(*args), None
            except BaseException as exc:  # handed to the awaiting handler
                result, error = None, exc
            box.post(fut, result, error)
            del box, fut, fn, args, result, error


class _Mailbox:
    """Results for one event loop, delivered by one wake-up for as many as are waiting."""

    def __init__(self, loop):
        self.loop = loop
        self.items: collections.deque = collections.deque()
        self.scheduled = False

    def post(self, fut, result, error) -> None:
        self.items.append((fut, result, error))
        if not self.scheduled:
            self.scheduled = True
            try:
                self.loop.call_soon_threadsafe(self.deliver)
            except RuntimeError:  # the loop is closed: nobody waits any more
                self.items.clear()

    def deliver(self) -> None:
        self.scheduled = False   # before draining: a result posted from now on schedules again
        items = self.items
        while items:
            fut, result, error = items.popleft()
            if fut.done():       # cancelled
                continue
            if error is None:
                fut.set_result(result)
            else:
                fut.set_exception(error)


def scoring_threads(state) -> ScoringThreads:
    """The scoring threads of a server state (as many as its scoring pool has)."""
    threads = getattr(state, "_scoring_threads", None)
    if threads is None:
        n = getattr(state.scoring, "_max_workers", None) or 2
        threads = state.__dict__.setdefault("_scoring_threads", ScoringThreads(n))
    return threads


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
            self.set_header("WWW-Authenticate", 'Bearer realm="jupyter-designer endpoint"')
        self.finish(protocols.dumps(body))

    def send(self, status: int, payload: bytes):
        self.set_status(status)
        if status == 401:
            self.set_header("WWW-Authenticate", 'Bearer realm="jupyter-designer endpoint"')
        self.finish(payload)

    def fail(self, exc: ServingError):
        self.send(exc.status, protocols.dumps(exc.as_dict()))

    async def endpoint(self, name: str):
        """The endpoint after checking the key, and its compiled pipeline."""
        host = self.state.host
        ep = host.lookup(name)
        authenticate(ep.record, self.request.headers.get("Authorization"))
        pending = host.pending(ep)
        if pending is not None:
            await asyncio.wrap_future(pending)
        return ep, host.compiled(ep)

    async def score(self, fn, *args):
        status, payload = await scoring_threads(self.state).submit(_run, fn, *args)
        self.send(status, payload)

    async def _guard(self, coro):
        try:
            await coro
        except ServingError as exc:
            self.fail(exc)


class ScoreHandler(ScoringHandler):
    async def post(self, name):
        await self._guard(self._post(name))

    async def _post(self, name):
        ep, compiled = await self.endpoint(name)
        await self.score(protocols.score_reference, compiled, self.request.body)


class InvocationsHandler(ScoringHandler):
    async def post(self, name):
        await self._guard(self._post(name))

    async def _post(self, name):
        ep, compiled = await self.endpoint(name)
        await self.score(protocols.score_mlflow, compiled, self.request.body,
                         self.request.headers.get("Content-Type", "application/json"))


class PingHandler(ScoringHandler):
    """MLflow's ``/ping`` and ``/health``."""

    async def get(self, name):
        await self._guard(self._get(name))

    async def _get(self, name):
        await self.endpoint(name)
        self.send(200, b"{}")


class SwaggerHandler(ScoringHandler):
    async def get(self, name):
        await self._guard(self._get(name))

    async def _get(self, name):
        ep, _ = await self.endpoint(name)
        rec = ep.record
        meta = await asyncio.get_running_loop().run_in_executor(
            self.state.blocking, self.state.realtime.meta, rec["name"], rec["version"])
        base = f"{self.request.protocol}://{self.request.host}{self.settings.get('base_url', '/')}"
        doc = endpoint_openapi(rec["name"], meta, rec["version"], base_url=base,
                               description=rec.get("description", ""))
        self.send(200, protocols.dumps(doc))


class V2ServerHandler(ScoringHandler):
    """``v2``, ``v2/health/live``, ``v2/health/ready``."""

    async def get(self, name, what=None):
        await self._guard(self._get(name, what))

    async def _get(self, name, what):
        if what == "live":
            host = self.state.host
            ep = host.lookup(name)
            authenticate(ep.record, self.request.headers.get("Authorization"))
            self.send(200, protocols.dumps({"live": True}))
            return
        if what == "ready":
            host = self.state.host
            ep = host.lookup(name)
            authenticate(ep.record, self.request.headers.get("Authorization"))
            self.send(200, protocols.dumps({"ready": ep.compiled is not None}))
            if ep.compiled is None:
                host.pending(ep)
            return
        await self.endpoint(name)
        self.send(200, protocols.dumps(protocols.v2_server_metadata()))


class V2ModelHandler(ScoringHandler):
    """``v2/models/<m>[/versions/<v>]``, ``.../ready`` and ``.../infer``."""

    async def get(self, name, model, version=None, what=None):
        await self._guard(self._get(name, model, version, what))

    async def _get(self, name, model, version, what):
        ep, compiled = await self.endpoint(name)
        rec = ep.record
        protocols.check_v2_model(model, version, rec["name"], ep.compiled_version)
        if what == "ready":
            self.send(200, protocols.dumps({"name": model, "ready": True}))
        elif what is None:
            self.send(200, protocols.dumps(protocols.v2_model_metadata(compiled, model,
                                                                       ep.compiled_version)))
        else:
            raise web.HTTPError(405)

    async def post(self, name, model, version=None, what=None):
        await self._guard(self._post(name, model, version, what))

    async def _post(self, name, model, version, what):
        ep, compiled = await self.endpoint(name)
        if what != "infer":
            raise web.HTTPError(405)
        protocols.check_v2_model(model, version, ep.record["name"], ep.compiled_version)
        await self.score(protocols.score_v2, compiled, self.request.body, model,
                         ep.compiled_version)


def scoring_routes(base_url: str, state=None) -> list:
    """The URL specs of the scoring routes under ``base_url``."""
    from .utils import join

    root = join(base_url, "designer", "endpoints", NAME)
    kw = {"state": state}
    model = r"(?P<model>[^/]+)(?:/versions/(?P<version>[^/]+))?"
    return [
        (root + "/score", ScoreHandler, kw),
        (root + "/invocations", InvocationsHandler, kw),
        (root + r"/(?:ping|health)", PingHandler, kw),
        (root + r"/(?:swagger|openapi)\.json", SwaggerHandler, kw),
        (root + r"/v2/?", V2ServerHandler, kw),
        (root + r"/v2/health/(?P<what>live|ready)", V2ServerHandler, kw),
        (root + rf"/v2/models/{model}/?", V2ModelHandler, kw),
        (root + rf"/v2/models/{model}/(?P<what>ready|infer)", V2ModelHandler, kw),
    ]
