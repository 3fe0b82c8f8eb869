"""``jupyter designer serve``: real-time (and pipeline) endpoints without JupyterLab.

    python -m jupyter_designer.server.standalone [--workspace DIR] [--host 127.0.0.1]
        [--port 5001] [--workers N] [--token TOKEN]

Serves every real-time endpoint of the workspace at
``http://HOST:PORT/designer/endpoints/<name>/{score,invocations,v2/...}`` (API keys), picking
up new versions, regenerated keys and deleted endpoints as their files change. With a token
(``--token`` or ``$JUPYTER_DESIGNER_TOKEN``) it also accepts pipeline endpoint submissions:
``POST /designer/api/pipeline-endpoints/<name>/runs`` and ``GET /designer/api/runs/<id>``
with ``Authorization: token <TOKEN>``.

The HTTP server is uvicorn (with httptools and uvloop when installed) running the ASGI
application of :mod:`.asgi`. ``--workers N`` starts N processes accepting connections on one
listening socket (bound before they are forked); the parent restarts a worker that dies and
stops them all on SIGINT/SIGTERM. It binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import sys
import time

log = logging.getLogger("jupyter_designer.server")


def build_app(state, *, token: str | None = None):
    """The ASGI application answering the scoring (and, with a token, submission) routes."""
    from .asgi import DesignerASGI

    return DesignerASGI(state, token=token)


def _uvicorn_server():
    import contextlib

    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, ending normally (status 0) when stopped by SIGTERM/SIGINT: the
        signal asked for the graceful stop it got, so it is not raised again afterwards."""

        @contextlib.contextmanager
        def capture_signals(self):
            with super().capture_signals():
                try:
                    yield
                finally:
                    captured = getattr(self, "_captured_signals", None)
                    if isinstance(captured, list):
                        captured.clear()

    return Server


def _serve(sockets, args, token) -> None:
    """One worker: open the workspace, load the endpoints, answer until SIGTERM/SIGINT."""
    import uvicorn

    from .state import DesignerState, open_workspace

    ws = open_workspace(args.workspace)
    state = DesignerState(ws, scoring_threads=args.threads or 1, data_roots=args.data_root)
    config = uvicorn.Config(build_app(state, token=token), lifespan="off", access_log=False,
                            log_config=None, server_header=False, loop="auto", http="auto",
                            timeout_keep_alive=30, backlog=1024)
    server = _uvicorn_server()(config)
    from jupyter_designer.scheduling import start_schedules

    # every worker runs the schedules; a tick claimed in the workspace runs in one of them
    state.schedules = start_schedules(ws)
    try:
        server.run(sockets=sockets)   # graceful stop on SIGTERM/SIGINT (uvicorn's handlers)
    finally:
        if state.schedules is not None:
            state.schedules.stop()
        state.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="jupyter designer serve",
                                     description="Serve the workspace's real-time endpoints.")
    parser.add_argument("--workspace", "-w", default=None,
                        help="workspace folder (default: $JUPYTER_DESIGNER_WORKSPACE or ./.designer)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", "-p", type=int, default=5001, help="port (0: any free port)")
    parser.add_argument("--workers", "-n", type=int, default=1, help="worker processes")
    parser.add_argument("--threads", type=int, default=1,
                        help="scoring threads per worker (default 1: scale with --workers)")
    parser.add_argument("--cpu-affinity", choices=("auto", "none"), default="auto",
                        help="auto: with 2 or more workers and no more workers than CPUs, each "
                             "worker keeps to a CPU of its own; none: the OS places them")
    parser.add_argument("--token", default=None,
                        help="token enabling pipeline endpoint submissions "
                             "(default: $JUPYTER_DESIGNER_TOKEN)")
    parser.add_argument("--data-root", action="append", default=[], metavar="FOLDER",
                        help="a folder, besides the workspace, whose files a pipeline endpoint "
                             "submission may import (repeat for several)")
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
    return _with_shared_metrics(_prefork, sockets, args, token)


def _with_shared_metrics(fn, *args):
    """Run ``fn`` with a metrics folder the workers share (prometheus-client's multiprocess
    mode), so that any worker's ``/metrics`` counts the requests of all of them. Set before
    the workers import prometheus-client; removed when they are gone."""
    import shutil
    import tempfile

    from jupyter_designer.serving.monitoring import MULTIPROC_ENV

    if os.environ.get(MULTIPROC_ENV):   # the caller's own folder
        return fn(*args)
    folder = tempfile.mkdtemp(prefix="designer-metrics-")
    os.environ[MULTIPROC_ENV] = folder
    try:
        return fn(*args)
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)


def worker_cpus(workers: int, mode: str = "auto") -> list | None:
    """The CPU of each worker, or None to leave them to the OS.

    A worker's event loop and its scoring thread hand every request to each other; on one
    CPU that handoff is a switch on a warm cache instead of a wake-up across CPUs, and two
    workers never take turns on one CPU while another idles. On the automobile endpoint
    (2 workers, 2 CPUs) this raised one-row throughput at 8 connections by about 15% and
    cut its p99 by a third.
    """
    if mode != "auto" or workers < 2 or not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if workers > len(cpus):
        return None
    return cpus[:workers]


def _pin(cpu: int) -> None:
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError as exc:  # pragma: no cover - a restricted container
        log.warning("could not keep this worker to CPU %d: %s", cpu, exc)


def _prefork(sockets, args, token) -> int:
    from jupyter_designer.serving.monitoring import worker_died

    children: dict[int, int] = {}
    cpus = worker_cpus(args.workers, args.cpu_affinity)
    stopping = False

    def spawn(i):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            if cpus:
                _pin(cpus[i])
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
        worker_died(pid)
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
