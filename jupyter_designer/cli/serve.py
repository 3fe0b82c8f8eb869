"""``jupyter designer serve``: the standalone scoring server (it replaces this process)."""

from __future__ import annotations

import os
import sys


def cmd_serve(args) -> int:
    argv = [sys.executable, "-m", "jupyter_designer.server.standalone",
            "--host", args.host, "--port", str(args.port), "--workers", str(args.workers)]
    ws = getattr(args, "workspace", None)
    if ws:
        argv += ["--workspace", os.path.abspath(ws)]
    if args.token:
        argv += ["--token", args.token]
    for root in args.data_root or ():
        argv += ["--data-root", os.path.abspath(root)]
    if args.threads:
        argv += ["--threads", str(args.threads)]
    argv += ["--cpu-affinity", args.cpu_affinity]
    if args.log_level:
        argv += ["--log-level", args.log_level]
    sys.stdout.flush()
    sys.stderr.flush()
    # the server replaces this process: signals and exit status are the server's own
    os.execv(sys.executable, argv)
    return 0  # pragma: no cover


def add_commands(sub, common) -> None:
    p = sub.add_parser("serve", help="serve real-time endpoints without JupyterLab")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5001)
    p.add_argument("--workers", type=int, default=1, help="worker processes sharing the port")
    p.add_argument("--data-root", action="append", default=[], metavar="FOLDER",
                   help="a folder, besides the workspace, whose files a pipeline endpoint "
                        "submission may import (repeat for several)")
    p.add_argument("--threads", type=int, default=0,
                   help="scoring threads per worker (default 1: scale with --workers)")
    p.add_argument("--cpu-affinity", choices=("auto", "none"), default="auto",
                   help="auto: each worker keeps to a CPU of its own when there are 2 or more "
                        "and no more than CPUs; none: the OS places them")
    p.add_argument("--token", help="enable pipeline endpoint submissions with this token")
    p.add_argument("--log-level", default="WARNING")
    common(p)
    p.set_defaults(func=cmd_serve)
