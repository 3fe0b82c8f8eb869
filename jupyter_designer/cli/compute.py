"""``jupyter designer compute``: list, add, remove and check compute targets.

    jupyter designer compute list
    jupyter designer compute add pool --kind local-processes --workers 4
    jupyter designer compute add cluster --kind dask --address tcp://10.0.0.5:8786
    jupyter designer compute add laptop-cluster --kind dask-local --workers 2
    jupyter designer compute check cluster
    jupyter designer compute remove pool
"""

from __future__ import annotations

import time

ADD_KINDS = ("local-processes", "dask", "dask-local")


def _config(args) -> tuple[str, dict]:
    from jupyter_designer.engine.compute import ComputeError

    kind = args.kind
    config: dict = {}
    if kind in ("dask", "dask-local"):
        if kind == "dask" and not args.address:
            raise ComputeError("A dask compute target needs --address tcp://HOST:PORT (the "
                               "scheduler's address); use --kind dask-local to start a cluster "
                               "on this machine instead.")
        if kind == "dask-local" and args.address:
            raise ComputeError("--kind dask-local starts its own cluster; it takes no --address.")
        config["address"] = args.address or "local"
        kind = "dask"
        if args.threads_per_worker is not None:
            config["threads_per_worker"] = args.threads_per_worker
        if args.memory_limit:
            config["memory_limit"] = args.memory_limit
        if args.connect_timeout is not None:
            config["connect_timeout"] = args.connect_timeout
    else:
        for flag in ("address", "threads_per_worker", "memory_limit", "connect_timeout"):
            if getattr(args, flag) not in (None, ""):
                raise ComputeError(f"--{flag.replace('_', '-')} applies to dask targets only.")
    if args.workers is not None:
        config["workers"] = args.workers
    if args.retries is not None:
        config["retries"] = args.retries
    if args.timeout is not None:
        config["timeout"] = args.timeout
    return kind, config


def cmd_compute(args) -> int:
    from jupyter_designer.engine import compute

    from ._common import _print_json, _table, _ws

    ws = _ws(args)
    action = args.compute_command
    if action == "list":
        rows = compute.list_targets(ws)
        if args.json:
            _print_json(rows)
        else:
            print(_table([{"name": r["name"], "kind": r["kind"],
                           "settings": ", ".join(f"{k}={v}" for k, v in sorted(r["config"].items()))
                           or "-",
                           "registered": "built-in" if r["builtin"] else "yes"} for r in rows],
                         ["name", "kind", "settings", "registered"]))
        return 0
    if action == "add":
        kind, config = _config(args)
        compute.make_target({"name": args.name, "kind": kind, "config": config})  # validates
        info = ws.register_compute(args.name, kind, config)
        if args.json:
            _print_json(info.as_dict())
        else:
            print(f"Registered compute target {info.name!r} ({info.kind}"
                  + (f", {', '.join(f'{k}={v}' for k, v in sorted(info.config.items()))}"
                     if info.config else "") + ").")
        return 0
    if action == "remove":
        ws.delete_compute(args.name)
        print(f"Removed compute target {args.name!r}.") if not args.json else _print_json({"removed": args.name})
        return 0
    if action == "check":
        t0 = time.time()
        target = compute.resolve_target(ws, args.name)
        target.check()
        info = target.describe()
        info["seconds"] = round(time.time() - t0, 3)
        if args.json:
            _print_json(info)
        else:
            extra = f" at {info['address']}" if "address" in info else ""
            print(f"{args.name}: ready ({info['kind']}{extra}, {info['n_jobs']} parallel jobs; "
                  f"checked in {info['seconds']:.2f}s).")
        target.close() if getattr(target, "is_local_cluster", False) else None
        return 0
    raise SystemExit(f"error: unknown compute command {action!r}")


def add_commands(subparsers, common) -> None:
    """Adds ``compute list|add|remove|check`` to ``jupyter designer``."""
    p = subparsers.add_parser("compute", help="list, add, remove or check compute targets")
    sub = p.add_subparsers(dest="compute_command", required=True)

    q = sub.add_parser("list", help="list the compute targets nodes can run on")
    common(q)
    q.set_defaults(func=cmd_compute)

    q = sub.add_parser("add", help="register (or update) a compute target")
    q.add_argument("name")
    q.add_argument("--kind", required=True, choices=ADD_KINDS,
                   help="local-processes: a pool of worker processes; dask: a running Dask "
                        "scheduler (--address); dask-local: a Dask cluster started on this machine")
    q.add_argument("--address", help="scheduler address, e.g. tcp://10.0.0.5:8786 (dask)")
    q.add_argument("--workers", type=int, help="worker processes (local-processes, dask-local)")
    q.add_argument("--threads-per-worker", type=int, help="threads per Dask worker (dask-local)")
    q.add_argument("--memory-limit", help="memory per Dask worker, e.g. 4GB (dask-local)")
    q.add_argument("--retries", type=int, help="attempts more when a worker dies mid-node (default 0)")
    q.add_argument("--timeout", type=float, help="seconds a node may take on this target")
    q.add_argument("--connect-timeout", type=float, help="seconds to wait for the scheduler (dask)")
    common(q)
    q.set_defaults(func=cmd_compute)

    q = sub.add_parser("remove", help="remove a compute target")
    q.add_argument("name")
    common(q)
    q.set_defaults(func=cmd_compute)

    q = sub.add_parser("check", help="check that a compute target can run nodes now")
    q.add_argument("name")
    common(q)
    q.set_defaults(func=cmd_compute)
