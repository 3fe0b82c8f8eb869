"""``jupyter designer schedule create|list|show|pause|resume|delete``.

Schedules are kept in the workspace; the Jupyter server and ``jupyter designer serve`` run
them (``jupyter designer schedule run`` runs them in the foreground without a server)."""

from __future__ import annotations

import datetime as _dt

from ._common import _parse_params, _print_json, _table, _ws


def _when(ts) -> str:
    return "" if not ts else _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S UTC")


def cmd_schedule(args) -> int:
    from jupyter_designer.app import schedules as app

    with _ws(args) as ws:
        if args.action == "create":
            out = app.create_schedule(
                ws, args.name, pipeline_endpoint=args.pipeline_endpoint, draft=args.draft,
                version=args.version, parameters=_parse_params(args.param) or None,
                experiment=args.experiment, cron=args.cron, dataset=args.dataset,
                timezone=args.timezone)
            message = (f"Created schedule {out['name']!r}: {app.describe_target(out)} on "
                       f"{app.describe_trigger(out)}.")
        elif args.action == "list":
            items = app.list_schedules(ws)
            if args.json:
                _print_json(items)
                return 0
            print(_table([{"name": s["name"], "state": s["state"],
                           "runs": app.describe_target(s), "on": app.describe_trigger(s),
                           "last run": (s["last_tick"] or {}).get("run_id") or
                           (s["last_tick"] or {}).get("error") or ""} for s in items],
                         ["name", "state", "runs", "on", "last run"], wide=("on",)))
            return 0
        elif args.action == "show":
            out = app.get_schedule(ws, args.name, ticks=args.ticks)
            if args.json:
                _print_json(out)
                return 0
            print(f"Schedule {out['name']!r} ({out['state']}): {app.describe_target(out)} on "
                  f"{app.describe_trigger(out)}")
            print(_table([{"tick": t["tick"], "run": t["run_id"] or "",
                           "error": t["error"] or "", "worker": t["worker"],
                           "fired": _when(t["created"])} for t in out["ticks"]],
                         ["tick", "run", "error", "worker", "fired"]))
            return 0
        elif args.action == "pause":
            out = app.pause_schedule(ws, args.name)
            message = f"Paused schedule {out['name']!r}."
        elif args.action == "resume":
            out = app.resume_schedule(ws, args.name)
            message = f"Resumed schedule {out['name']!r}."
        elif args.action == "delete":
            app.delete_schedule(ws, args.name)
            out, message = {"name": args.name, "deleted": True}, f"Deleted schedule {args.name!r}."
        else:  # run
            return _run_foreground(ws, args)
    if args.json:
        _print_json(out)
    else:
        print(message)
    return 0


def _run_foreground(ws, args) -> int:
    import time

    from jupyter_designer.scheduling import ScheduleService

    service = ScheduleService(ws).start()
    print(f"Running the schedules of {ws.path} (Ctrl-C stops).", flush=True)
    seen = 0
    try:
        while True:
            time.sleep(0.5)
            for run_id in service.started[seen:]:
                print(f"started run {run_id}", flush=True)
            seen = len(service.started)
    except KeyboardInterrupt:
        return 0
    finally:
        service.stop()


def add_commands(sub, common) -> None:
    p = sub.add_parser("schedule", help="run a pipeline endpoint or draft on a cron schedule or "
                                        "on new dataset versions: create, list, show, pause, "
                                        "resume, delete, run")
    s = p.add_subparsers(dest="action", required=True)
    q = s.add_parser("create", help="create a schedule")
    q.add_argument("name")
    what = q.add_mutually_exclusive_group(required=True)
    what.add_argument("--pipeline-endpoint", metavar="NAME", help="submit this pipeline endpoint")
    what.add_argument("--draft", metavar="NAME", help="run this saved draft")
    when = q.add_mutually_exclusive_group(required=True)
    when.add_argument("--cron", metavar="EXPR", help="'minute hour day month day-of-week' "
                                                     "(6 fields: seconds first)")
    when.add_argument("--dataset", metavar="NAME", help="run on each new version of this dataset")
    q.add_argument("--version", help="the pipeline endpoint's version (default: its default)")
    q.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="a pipeline parameter assignment (repeat for several)")
    q.add_argument("--experiment", help="experiment of the runs (default: the schedule's name)")
    q.add_argument("--timezone", default="UTC", help="timezone of the cron expression")
    common(q)
    q = s.add_parser("list", help="list schedules")
    common(q)
    q = s.add_parser("show", help="a schedule and the runs it triggered")
    q.add_argument("name")
    q.add_argument("--ticks", type=int, default=20, help="how many recent ticks to show")
    common(q)
    for action, text in (("pause", "stop firing until resumed"), ("resume", "fire again"),
                         ("delete", "delete a schedule (its runs stay)")):
        q = s.add_parser(action, help=text)
        q.add_argument("name")
        common(q)
    q = s.add_parser("run", help="run the workspace's schedules in the foreground")
    common(q)
    p.set_defaults(func=cmd_schedule)
