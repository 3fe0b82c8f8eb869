"""The scoring routes of a real-time endpoint, independent of the HTTP server that carries them.

Both front ends answer ``<base>/designer/endpoints/<name>/<route>`` through this table: the
Jupyter server extension (tornado handlers, :mod:`.scoring`) and ``jupyter designer serve``
(an ASGI application on uvicorn, :mod:`.asgi`). A route is ``(pattern, {method: answer})``;
an answer is a coroutine ``answer(request, **groups) -> (status, JSON bytes)`` (or
``(status, bytes, [(header, value)])`` for the Open Inference Protocol's binary tensors) that may raise
:class:`ServingError` (its status and message become the response). Scoring itself runs on
scoring threads (:class:`ScoringThreads`), never on the event loop.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import queue
import re
import threading
import time
import uuid
import weakref

from jupyter_designer.serving import protocols
from jupyter_designer.serving.errors import ServingError
from jupyter_designer.serving.openapi import endpoint_openapi
from jupyter_designer.serving.realtime import authenticate

log = logging.getLogger("jupyter_designer.server")

WWW_AUTHENTICATE = 'Bearer realm="jupyter-designer endpoint"'
#: the response header naming the deployment that answered a scoring request
DEPLOYMENT_HEADER = "X-Designer-Deployment"
#: the error of a path no route answers (both servers)
UNKNOWN_ROUTE = ("No route {path!r}. Scoring routes are /designer/endpoints/<name>/score, "
                 "/invocations, /metrics, /swagger.json and /v2/... (health/live, health/ready, "
                 "models/<name>[/ready|/config|/infer]).")


class MethodNotAllowed(ServingError):
    status = 405


class Request:
    """What an answer needs of one HTTP request."""

    __slots__ = ("state", "header", "body", "_base_url")

    def __init__(self, state, header, body: bytes, base_url):
        self.state = state
        self.header = header        # header(name) -> str | None
        self.body = body
        self._base_url = base_url   # () -> str, asked only by the answers that need it

    @property
    def base_url(self) -> str:
        """``scheme://host/base/``, for documents that name URLs."""
        return self._base_url()


def _error_answer(exc: ServingError) -> tuple[int, bytes]:
    return exc.status, protocols.dumps(exc.as_dict())


def run_protocol(fn, *args):
    """Run a protocol function on a scoring thread; returns (status, JSON bytes), never raises."""
    try:
        status, payload = fn(*args)
        if isinstance(payload, protocols.BinaryAnswer):
            return (status, *payload.encode())
        return status, protocols.dumps(payload)
    except ServingError as exc:
        return _error_answer(exc)
    except Exception:  # a bug or an unexpected model failure: no traceback to the caller
        ref = uuid.uuid4().hex[:12]
        log.exception("scoring failed (reference %s)", ref)
        return 500, protocols.dumps({"error": "The pipeline failed to score the request. The "
                                              f"server log has the details (reference {ref})."})


async def answer(fn, req: Request, groups: dict) -> tuple[int, bytes]:
    """``fn(req, **groups)`` with designer errors turned into their JSON responses."""
    try:
        return await fn(req, **groups)
    except ServingError as exc:
        return _error_answer(exc)


# -- the answers ---------------------------------------------------------------------------------
def _checked(req: Request, name: str):
    ep = req.state.host.lookup(name)
    authenticate(ep.record, req.header("Authorization"))
    return ep


async def _endpoint(req: Request, name: str):
    """The endpoint after checking the key, and its compiled pipeline (waits for a load)."""
    host = req.state.host
    ep = _checked(req, name)
    pending = host.pending(ep)
    if pending is not None:
        await asyncio.wrap_future(pending)
    return ep, host.compiled(ep)


#: requests up to this many bytes may be scored on the event loop itself ...
INLINE_BODY = 16 * 1024
#: ... while their pipeline's recent answers took less than this many CPU seconds
INLINE_BUDGET = 0.002
_timing: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _timed(compiled, fn, *args):
    """``run_protocol(fn, compiled, *args)``, keeping a moving average of the CPU time it took
    (CPU rather than wall time: on a busy machine a wait for the processor is not the
    pipeline's cost)."""
    t0 = time.thread_time()
    try:
        return run_protocol(fn, compiled, *args)
    finally:
        took = time.thread_time() - t0
        try:
            _timing[compiled] = 0.8 * _timing.get(compiled, took) + 0.2 * took
        except TypeError:  # not weakly referenceable: always on the threads
            pass


def _score(req: Request, fn, compiled, *args):
    """Score on the event loop when the request is small and its pipeline answers quickly (a
    hand-off to a scoring thread and back costs two thread wake-ups, more than scoring one
    row); otherwise on the scoring threads, so a slow pipeline never holds up the loop."""
    if len(req.body) <= INLINE_BODY and _timing.get(compiled, 1.0) < INLINE_BUDGET:
        fut = asyncio.get_running_loop().create_future()
        fut.set_result(_timed(compiled, fn, *args))
        return fut
    return req.state.scoring.submit(_timed, compiled, fn, *args)


def monitor_of(state):
    """The process's :class:`~jupyter_designer.serving.monitoring.EndpointMonitor` (made on
    first use)."""
    mon = getattr(state, "monitor", None)
    if mon is None:
        from jupyter_designer.serving.monitoring import EndpointMonitor

        mon = EndpointMonitor(state.ws.path)
        state.monitor = mon
    return mon


async def _routed(req: Request, name: str, fn, *args, log_body: bool = True):
    """Score on the deployment the endpoint's routing table picks (a mirror gets a copy);
    every answer, errors included, is counted for the endpoint's metrics."""
    t0 = time.perf_counter()
    monitor = monitor_of(req.state)
    host = req.state.host
    ep, dep = None, "-"
    try:
        ep = host.lookup(name)
        authenticate(ep.record, req.header("Authorization"))
        pending = host.pending(ep)
        if pending is not None:
            await asyncio.wrap_future(pending)
        routing = host.route(ep)
        dep, version, compiled = routing.pick()
        answer = await _score(req, fn, compiled, *args)
    except ServingError as exc:
        if ep is not None:
            monitor.metrics.observe(ep.name, dep, exc.status, time.perf_counter() - t0)
        raise
    status = answer[0]
    monitor.metrics.observe(ep.name, dep, status, time.perf_counter() - t0)
    settings = ep.record.get("monitoring")
    if settings and log_body and status == 200 and monitor.log.sampled(settings):
        monitor.log.put(ep.name, dep, version, status, req.body, answer[1],
                        max_mb=settings.get("max_mb", 50))
    if routing.mirror is not None:
        m = routing.mirror_pick()
        if m is not None:
            _mirror(req, monitor, ep.name, m, settings or {}, fn, args, log_body)
    if len(answer) == 2:
        return answer[0], answer[1], [(DEPLOYMENT_HEADER, dep)]
    return answer[0], answer[1], [*answer[2], (DEPLOYMENT_HEADER, dep)]


def _mirror(req, monitor, name, m, settings, fn, args, log_body):
    """Score a copy of the request on the mirror deployment (always on a scoring thread);
    its answer is counted and logged, never returned."""
    dep, version, compiled = m
    fut = req.state.scoring.submit(_timed, compiled, fn, *args)
    body = req.body

    def done(f):
        if f.cancelled() or f.exception() is not None:
            return
        status, payload = f.result()[:2]
        monitor.metrics.observe_mirror(name, dep, status)
        if log_body:
            monitor.log.put(name, dep, version, status, body, payload,
                            max_mb=settings.get("max_mb", 50), mirror=True)

    fut.add_done_callback(done)


async def score(req, name):
    return await _routed(req, name, protocols.score_reference, req.body,
                         req.header("Content-Type"))


async def invocations(req, name):
    return await _routed(req, name, protocols.score_mlflow, req.body, req.header("Content-Type"))


async def metrics(req, name):
    """The endpoint's request counts, errors and latencies, in the Prometheus text format."""
    ep = _checked(req, name)
    payload, ctype = await asyncio.get_running_loop().run_in_executor(
        req.state.blocking, monitor_of(req.state).metrics.exposition, ep.name)
    return 200, payload, [("Content-Type", ctype)]


async def ping(req, name):
    """MLflow's ``/ping`` and ``/health``."""
    await _endpoint(req, name)
    return 200, b"{}"


async def openapi(req, name):
    ep, _ = await _endpoint(req, name)
    rec = ep.record
    meta = await asyncio.get_running_loop().run_in_executor(
        req.state.blocking, req.state.realtime.meta, rec["name"], rec["version"])
    doc = endpoint_openapi(rec["name"], meta, rec["version"], base_url=req.base_url,
                           description=rec.get("description", ""))
    return 200, protocols.dumps(doc)


async def v2_server(req, name, what=None):
    """``v2``, ``v2/health/live``, ``v2/health/ready``."""
    if what == "live":
        _checked(req, name)
        return 200, protocols.dumps({"live": True})
    if what == "ready":
        ep = _checked(req, name)
        ready = ep.compiled is not None
        if not ready:
            req.state.host.pending(ep)
        return 200, protocols.dumps({"ready": ready})
    await _endpoint(req, name)
    return 200, protocols.dumps(protocols.v2_server_metadata())


async def v2_model(req, name, model, version=None, what=None):
    """``v2/models/<m>[/versions/<v>]`` and ``.../ready``."""
    ep, compiled = await _endpoint(req, name)
    protocols.check_v2_model(model, version, ep.record["name"], ep.compiled_version)
    if what == "ready":
        return 200, protocols.dumps({"name": model, "ready": True})
    if what == "config":
        return 200, protocols.dumps(protocols.v2_model_config(compiled, model))
    if what is not None:
        raise MethodNotAllowed(f"GET is not allowed on .../{what}; send a POST.")
    return 200, protocols.dumps(protocols.v2_model_metadata(compiled, model, ep.compiled_version))


async def v2_infer(req, name, model, version=None, what=None):
    """``v2/models/<m>[/versions/<v>]/infer``."""
    ep, compiled = await _endpoint(req, name)
    if what != "infer":
        raise MethodNotAllowed(f"POST is not allowed on .../{what}; send a GET.")
    protocols.check_v2_model(model, version, ep.record["name"], ep.compiled_version)
    return await _routed(req, name, protocols.score_v2, req.body, model, ep.compiled_version,
                         req.header("Inference-Header-Content-Length"),
                         req.header("Content-Type"), log_body=False)


_MODEL = r"(?P<model>[^/]+)(?:/versions/(?P<version>[^/]+))?"

#: ``(pattern after <base>/designer/endpoints/<name>, {method: answer})``
ROUTES = [
    (r"/score", {"POST": score}),
    (r"/invocations", {"POST": invocations}),
    (r"/(?:ping|health)", {"GET": ping}),
    (r"/metrics", {"GET": metrics}),
    (r"/(?:swagger|openapi)\.json", {"GET": openapi}),
    (r"/v2/?", {"GET": v2_server}),
    (r"/v2/health/(?P<what>live|ready)", {"GET": v2_server}),
    (rf"/v2/models/{_MODEL}/?", {"GET": v2_model}),
    (rf"/v2/models/{_MODEL}/(?P<what>ready|infer|config)", {"GET": v2_model, "POST": v2_infer}),
]

_EXACT = {"/score": ROUTES[0][1], "/invocations": ROUTES[1][1]}
_COMPILED = [(re.compile(p + "$"), methods) for p, methods in ROUTES]


def match(sub: str):
    """``(methods, groups)`` of the route for the path after the endpoint name, or None."""
    methods = _EXACT.get(sub)
    if methods is not None:
        return methods, {}
    for rx, methods in _COMPILED:
        m = rx.match(sub)
        if m is not None:
            return methods, {k: v for k, v in m.groupdict().items() if v is not None}
    return None


# -- scoring threads ------------------------------------------------------------------------------
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

