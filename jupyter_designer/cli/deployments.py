"""``jupyter designer`` commands for a real-time endpoint's deployments and monitoring.

    jupyter designer deployments list ENDPOINT
    jupyter designer deployments add ENDPOINT DEPLOYMENT (--version N | --run RUN_ID | --pipeline FILE)
    jupyter designer deployments split ENDPOINT blue=90,green=10
    jupyter designer deployments promote ENDPOINT DEPLOYMENT
    jupyter designer deployments mirror ENDPOINT (DEPLOYMENT [--percent P] | --off)
    jupyter designer deployments remove ENDPOINT DEPLOYMENT
    jupyter designer monitor log ENDPOINT (--on | --off) [--sample-rate R] [--max-mb M]
    jupyter designer monitor drift ENDPOINT [--deployment D] [--rows N] [--threshold PSI]
"""

from __future__ import annotations

from ._common import _print_json, _table, _ws


def _show(info: dict, args) -> int:
    if args.json:
        _print_json(info)
        return 0
    rows = [{"deployment": d["name"], "version": d["version"], "traffic": f"{d['percent']}%",
             "mirror": f"{d['mirror_percent']}%" if d["mirror"] else ""}
            for d in info["deployments"]]
    print(f"Endpoint {info['endpoint']!r} (live version {info['version']})")
    print(_table(rows, ["deployment", "version", "traffic", "mirror"]))
    mon = info["monitoring"]
    print(f"Scored-data log: {'on' if mon['log_scored'] else 'off'}"
          + (f" (sample rate {mon['sample_rate']:g}, at most {mon['max_mb']:g} MB)"
             if mon["log_scored"] else ""))
    return 0


def cmd_deployments(args) -> int:
    from jupyter_designer.app import monitoring as m

    ws = _ws(args)
    a = args.action
    if a == "list":
        return _show(m.deployments(ws, args.endpoint), args)
    if a == "add":
        given = [x for x in (args.version, args.run, args.pipeline) if x is not None]
        if len(given) != 1:
            raise SystemExit("error: give one of --version N (an existing version), --run RUN_ID "
                             "or --pipeline FILE (a new version)")
        return _show(m.add_deployment(ws, args.endpoint, args.deployment, version=args.version,
                                      run_id=args.run, pipeline=args.pipeline,
                                      description=args.description), args)
    if a == "split":
        return _show(m.set_traffic(ws, args.endpoint, args.split), args)
    if a == "promote":
        return _show(m.promote(ws, args.endpoint, args.deployment), args)
    if a == "mirror":
        if args.off == (args.deployment is not None):
            raise SystemExit("error: give the mirror DEPLOYMENT, or --off to stop mirroring")
        return _show(m.set_mirror(ws, args.endpoint, None if args.off else args.deployment,
                                  args.percent), args)
    if a == "remove":
        return _show(m.remove_deployment(ws, args.endpoint, args.deployment), args)
    raise AssertionError(a)  # pragma: no cover


def cmd_monitor(args) -> int:
    from jupyter_designer.app import monitoring as m

    ws = _ws(args)
    if args.action == "log":
        settings = {"log_scored": args.on}
        if args.sample_rate is not None:
            settings["sample_rate"] = args.sample_rate
        if args.max_mb is not None:
            settings["max_mb"] = args.max_mb
        return _show(m.set_monitoring(ws, args.endpoint, settings), args)
    report = m.drift(ws, args.endpoint, deployment=args.deployment, rows=args.rows,
                     threshold=args.threshold)
    if args.json:
        _print_json(report)
        return 0
    print(f"Drift of endpoint {report['endpoint']!r} against the training data of deployment "
          f"{report['deployment']!r} (version {report['version']}); PSI threshold "
          f"{report['threshold']:g}")
    if report.get("note"):
        print(report["note"])
    for inp in report["inputs"]:
        print(f"\n{inp['input']}: {inp['rows']} recent rows, {inp['training_rows']} training rows")
        print(_table([{"column": c["column"], "kind": c["kind"],
                       "psi": "" if c["psi"] is None else f"{c['psi']:.3f}",
                       "level": c["level"], "drift": "DRIFT" if c["drift"] else ""}
                      for c in inp["columns"]], ["column", "kind", "psi", "level", "drift"]))
    print("\nDrifted columns: " + (", ".join(report["drifted_columns"]) or "none"))
    return 1 if report["drift"] else 0


def add_commands(sub, common) -> None:
    p = sub.add_parser("deployments", help="a real-time endpoint's deployments: list, add, "
                                           "split traffic, promote, mirror, remove")
    acts = p.add_subparsers(dest="action", required=True)
    for name, text in (("list", "the deployments, their traffic and mirror"),
                       ("add", "add a deployment (no traffic yet)"),
                       ("split", "share the traffic between deployments"),
                       ("promote", "send all traffic to a deployment"),
                       ("mirror", "mirror requests to a deployment (answers recorded only)"),
                       ("remove", "remove a deployment without traffic")):
        a = acts.add_parser(name, help=text)
        common(a)
        a.add_argument("endpoint", help="the real-time endpoint")
        if name in ("add", "promote", "remove"):
            a.add_argument("deployment", help="the deployment, e.g. green")
        if name == "add":
            a.add_argument("--version", type=int, help="an existing version of the endpoint")
            a.add_argument("--run", help="a completed run to deploy as a new version")
            a.add_argument("--pipeline", help="a real-time inference pipeline (file, draft)")
            a.add_argument("--description")
        if name == "split":
            a.add_argument("split", help="deployment=percent pairs, e.g. blue=90,green=10")
        if name == "mirror":
            a.add_argument("deployment", nargs="?", help="the mirror deployment")
            a.add_argument("--percent", type=int, default=100, help="share mirrored (default 100)")
            a.add_argument("--off", action="store_true", help="stop mirroring")
        a.set_defaults(func=cmd_deployments)
    p = sub.add_parser("monitor", help="a real-time endpoint's scored-data log and drift report")
    acts = p.add_subparsers(dest="action", required=True)
    a = acts.add_parser("log", help="turn the scored-data log on or off")
    common(a)
    a.add_argument("endpoint")
    onoff = a.add_mutually_exclusive_group(required=True)
    onoff.add_argument("--on", dest="on", action="store_true")
    onoff.add_argument("--off", dest="on", action="store_false")
    a.add_argument("--sample-rate", type=float, help="share of the requests logged (0-1]")
    a.add_argument("--max-mb", type=float, help="the log's size cap in megabytes")
    a.set_defaults(func=cmd_monitor)
    a = acts.add_parser("drift", help="recent inputs against the training data, per column "
                                      "(exit status 1 when a column drifted)")
    common(a)
    a.add_argument("endpoint")
    a.add_argument("--deployment", help="whose training data (default: the live deployment)")
    a.add_argument("--rows", type=int, default=1000, help="recent rows compared (default 1000)")
    a.add_argument("--threshold", type=float, help="PSI at which a column drifts (default 0.2)")
    a.set_defaults(func=cmd_monitor)
