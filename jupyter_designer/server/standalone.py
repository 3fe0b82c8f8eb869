"""``jupyter designer serve``: real-time (and pipeline) endpoints without JupyterLab.

    python -m jupyter_designer.server.standalone [--workspace DIR] [--host 127.0.0.1]
        [--port 5001] [--workers N] [--token TOKEN]

Serves every real-time endpoint of the workspace at
``http://HOST:PORT/designer/endpoints/<name>/{score,invocations,v2/...}`` (API keys), picking
up new versions, regenerated keys and deleted endpoints as their files change. With a token
(``--token`` or ``$JUPYTER_DESIGNER_TOKEN``) it also accepts pipeline endpoint submissions:
``POST /designer/api/pipeline-endpoints/<name>/runs`` and ``GET /designer/api/runs/<id>``
with ``Authorization: token <TOKEN>``.

``--workers N`` starts N processes accepting connections on one listening socket (bound
before they are forked); the parent restarts a worker that dies and stops them all on
SIGINT/SIGTERM. It binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import hmac
import json
import logging
import os
import signal
import sys
import time

log = logging.getLogger("jupyter_designer.server")


def build_app(state, *, token: str | None = None):
    from tornado import web

    from .scoring import scoring_routes

    routes = list(scoring_routes("/", state))
    routes.append((r"/designer/health", HealthHandler, {"state": state}))
    if token:
        routes += [
            (r"/designer/api/pipeline-endpoints/(?P<name>[^/]+)/runs", SubmitHandler,
             {"state": state, "token": token}),
            (r"/designer/api/runs/(?P<run_id>[^/]+)", RunStatusHandler, {"state": state, "token": token}),
        ]
    return web.Application(routes, default_handler_class=NotFoundHandler,
                           default_handler_args={"state": state}, log_function=log_request)


def log_request(handler) -> None:
    """Tornado's access log line, built only when the level is on (most requests are 200s
    logged at INFO, which the server's default WARNING level drops)."""
    from tornado.log import access_log

    status = handler.get_status()
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    if access_log.isEnabledFor(level):
        access_log.log(level, "%d %s %.2fms", status, handler._request_summary(),
                       1000.0 * handler.request.request_time())


def _handlers():
    from tornado import web

    from jupyter_designer.engine.errors import DesignerError, NotFoundError
    from jupyter_designer.serving.errors import ServingError

    from .scoring import ScoringHandler

    class HealthHandler(ScoringHandler):
        def get(self):
            self.send(200, json.dumps({"status": "ok", "pid": os.getpid()}).encode())

    class NotFoundHandler(ScoringHandler):
        def prepare(self):
            self.send(404, json.dumps({"error": f"No route {self.request.path!r}. Scoring routes "
                                                "are /designer/endpoints/<name>/score, "
                                                "/invocations and /v2/..."}).encode())

    class TokenHandler(ScoringHandler):
        def initialize(self, state=None, token=None):
            super().initialize(state)
            self.token = token

        def prepare(self):
            auth = self.request.headers.get("Authorization", "")
            scheme, _, given = auth.partition(" ")
            if scheme.lower() not in ("token", "bearer") or not hmac.compare_digest(
                    given.strip().encode(), self.token.encode()):
                self.send(401, json.dumps({"error": "Send the server's token: 'Authorization: "
                                                    "token <TOKEN>'."}).encode())

        def error(self, exc):
            status = exc.status if isinstance(exc, ServingError) else 404 if isinstance(exc, NotFoundError) else 400
            self.send(status, json.dumps({"error": str(exc)}).encode())

    class SubmitHandler(TokenHandler):
        async def post(self, name):
            try:
                doc = json.loads(self.request.body or b"{}")
                if not isinstance(doc, dict):
                    raise ServingError("The request body must be a JSON object.")
            except ValueError:
                self.send(400, json.dumps({"error": "The request body is not valid JSON."}).encode())
                return
            loop = asyncio.get_running_loop()
            try:
                handle = await loop.run_in_executor(
                    self.state.blocking, lambda: self.state.pipelines.submit(
                        name, parameters=doc.get("ParameterAssignments"),
                        version=None if doc.get("Version") is None else str(doc["Version"]),
                        experiment=doc.get("ExperimentName"), background=True))
            except DesignerError as exc:
                self.error(exc)
                return
            self.state.track(handle)
            self.set_header("Location", f"/designer/api/runs/{handle.run_id}")
            self.send(202, json.dumps({"run_id": handle.run_id, "status": "running"}).encode())

    class RunStatusHandler(TokenHandler):
        async def get(self, run_id):
            loop = asyncio.get_running_loop()
            try:
                rec = await loop.run_in_executor(self.state.blocking, self.state.ws.get_run, run_id)
            except DesignerError as exc:
                self.error(exc)
                return
            d = rec.as_dict(snapshot=False)
            for n in d["nodes"].values():
                n.pop("log", None)
            self.send(200, json.dumps(d, default=str).encode())

    del web
    return HealthHandler, NotFoundHandler, SubmitHandler, RunStatusHandler


HealthHandler, NotFoundHandler, SubmitHandler, RunStatusHandler = _handlers()


def _serve(sockets, args, token) -> None:
    """One worker: open the workspace, load the endpoints, answer until stopped."""
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop

    from .state import DesignerState, open_workspace

    ws = open_workspace(args.workspace)
    state = DesignerState(ws, scoring_threads=args.threads or None)
    app = build_app(state, token=token)
    server = HTTPServer(app, xheaders=False)
    server.add_sockets(sockets)
    loop = IOLoop.current()

    def stop(*_):
        loop.add_callback_from_signal(loop.stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        loop.start()
    finally:
        server.stop()
        state.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="jupyter designer serve",
                                     description="Serve the workspace's real-time endpoints.")
    parser.add_argument("--workspace", "-w", default=None,
                        help="workspace folder (default: $JUPYTER_DESIGNER_WORKSPACE or ./.designer)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", "-p", type=int, default=5001, help="port (0: any free port)")
    parser.add_argument("--workers", "-n", type=int, default=1, help="worker processes")
    parser.add_argument("--threads", type=int, default=0, help="scoring threads per worker")
    parser.add_argument("--token", default=None,
                        help="token enabling pipeline endpoint submissions "
                             "(default: $JUPYTER_DESIGNER_TOKEN)")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
                        format="[designer %(process)d] %(levelname)s %(message)s")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    token = args.token or os.environ.get("JUPYTER_DESIGNER_TOKEN") or None
    if args.workspace:
        args.workspace = os.path.abspath(args.workspace)

    from tornado.netutil import bind_sockets

    try:
        sockets = bind_sockets(args.port, address=args.host, backlog=1024)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(f"error: port {args.port} on {args.host} is in use; choose another with --port",
                  file=sys.stderr)
            return 2
        raise
    port = sockets[0].getsockname()[1]
    ws_text = args.workspace or os.environ.get("JUPYTER_DESIGNER_WORKSPACE") or os.path.abspath(".designer")
    print(f"Serving real-time endpoints of {ws_text} at http://{args.host}:{port}/designer/endpoints/ "
          f"with {args.workers} worker{'s' if args.workers != 1 else ''}", flush=True)
    if args.workers == 1:
        _serve(sockets, args, token)
        return 0
    return _prefork(sockets, args, token)


def _prefork(sockets, args, token) -> int:
    children: dict[int, int] = {}
    stopping = False

    def spawn(i):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                _serve(sockets, args, token)
            except BaseException:  # pragma: no cover - reported, then the parent restarts us
                log.exception("worker %d failed", i)
                os._exit(1)
            os._exit(0)
        children[pid] = i

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for i in range(args.workers):
        spawn(i)
    restarts: list[float] = []
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:  # pragma: no cover
            continue
        i = children.pop(pid, None)
        if i is None or stopping:
            continue
        now = time.time()
        restarts = [t for t in restarts if now - t < 60] + [now]
        if len(restarts) > 10 * args.workers:
            print("error: workers keep dying; stopping", file=sys.stderr)
            stop(signal.SIGTERM, None)
            continue
        log.warning("worker %d (pid %d) exited with status %s; restarting it", i, pid, status)
        spawn(i)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
