"""``jupyter designer run | list | show | validate | register`` (``export``: :mod:`.export`)."""

from __future__ import annotations

import sys
import time

from ._common import (_asdict, _fmt_metric, _metrics_summary, _parse_params, _print_json, _table,
                      _ws)


# -- run ---------------------------------------------------------------------------------
class _Progress:
    """Per-node progress lines, fed by run events."""

    def __init__(self, stream=None):
        self._stream = stream  # None: the sys.stdout of the moment (which tests may replace)
        self.t0 = time.time()

    @property
    def stream(self):
        return self._stream if self._stream is not None else sys.stdout

    def __call__(self, ev):
        if ev.kind in ("node_completed", "node_reused", "node_failed", "node_skipped"):
            dur = f"{ev.duration:.2f}s" if ev.duration is not None else ""
            where = f" on {ev.target}" if ev.target and ev.target != "local" else ""
            print(f"[{ev.done:>3}/{ev.total}] {ev.title:<40} {ev.status:<10} {dur}{where}",
                  file=self.stream, flush=True)
            if ev.kind == "node_failed" and ev.error:
                for line in str(ev.error).splitlines():
                    print(f"          {line}", file=self.stream, flush=True)
        elif ev.kind == "node_running":
            pass
        elif ev.kind == "run_started":
            print(f"Run {ev.run_id}: {ev.total} component node(s)", file=self.stream, flush=True)


def cmd_run(args) -> int:
    from jupyter_designer.app import submit_run

    ws = _ws(args)
    progress = None if args.json else _Progress()
    handle = submit_run(ws, args.pipeline, experiment=args.experiment,
                        parameters=_parse_params(args.param), regenerate=args.regenerate,
                        up_to=args.up_to, on_event=progress,
                        stop_on_failure=args.stop_on_failure, compute=args.compute)
    rec = ws.get_run(handle.run_id)
    if args.json:
        _print_json(_run_dict(rec))
    else:
        reused = sum(1 for n in rec.nodes.values() if n.status == "reused")
        print(f"Run {rec.id} {rec.status} in {rec.duration or 0:.2f}s ({reused} node(s) reused)"
              f"; experiment {rec.experiment!r}")
        if rec.metrics:
            print("\nMetrics:")
            for k, v in rec.metrics.items():
                print(f"  {k:<40} {_fmt_metric(v)}")
        if rec.status == "failed":
            for nid, n in rec.nodes.items():
                if n.status == "failed":
                    print(f"\nFailed: {n.title or nid}: {n.error}", file=sys.stderr)
    return 0 if rec.status == "completed" else 1


def _run_dict(rec) -> dict:
    return {"id": rec.id, "experiment": rec.experiment, "pipeline": rec.pipeline_name,
            "status": rec.status, "created": rec.created, "finished": rec.finished,
            "duration": rec.duration, "parameters": rec.parameters, "compute": rec.compute,
            "metrics": rec.metrics, "error": rec.error,
            "nodes": {nid: {"title": n.title, "status": n.status, "duration": n.duration,
                            "error": n.error, "outputs": n.outputs}
                      for nid, n in rec.nodes.items()}}


# -- list ---------------------------------------------------------------------------------
def cmd_list(args) -> int:
    what = args.what
    if what == "components":
        from jupyter_designer.engine.component import REGISTRY

        specs = REGISTRY.all()
        if args.json:
            _print_json([s.as_dict() for s in specs])
        else:
            cur = None
            for s in specs:
                if s.category != cur:
                    cur = s.category
                    print(f"\n{cur}")
                ins = ", ".join(p.label + ("?" if p.optional else "") for p in s.inputs) or "-"
                outs = ", ".join(p.label for p in s.outputs) or "-"
                print(f"  {s.name:<45} in: {ins}  out: {outs}  ({len(s.params)} parameters)")
        return 0
    if what == "samples":
        from jupyter_designer.catalog import sample_pipelines
        from jupyter_designer.store import samples

        pipes = sample_pipelines()
        data = [{"name": n, "kind": "dataset"} for n in samples.sample_names()]
        if args.json:
            _print_json({"pipelines": [{k: v for k, v in s.items() if k != "file"} for s in pipes],
                         "datasets": [d["name"] for d in data]})
        else:
            print("Sample pipelines:")
            for s in pipes:
                print(f"  {s['name']:<50} {s['description'][:70]}")
            print("\nSample datasets:")
            for d in data:
                print(f"  {d['name']}")
        return 0
    ws = _ws(args)
    if what == "datasets":
        items = ws.list_datasets()
        rows = [_asdict(i) for i in items]
        if args.json:
            _print_json(rows)
        else:
            print(_table(rows, ["name", "version", "rows", "description"]))
        return 0
    if what == "pipelines":
        rows = [_asdict(d) if not isinstance(d, str) else {"name": d} for d in ws.list_drafts()]
        if args.json:
            _print_json(rows)
        else:
            print(_table(rows, [c for c in ("name", "version", "updated") if rows and c in rows[0]] or ["name"]))
        return 0
    if what == "runs":
        runs = ws.list_runs(experiment=args.experiment, status=args.status, limit=args.limit)
        if args.json:
            _print_json([_run_dict(r) for r in runs])
        else:
            rows = [{"id": r.id, "experiment": r.experiment, "pipeline": r.pipeline_name,
                     "status": r.status,
                     "duration": f"{r.duration:.2f}s" if r.duration is not None else "",
                     "metrics": _metrics_summary(r.metrics)}
                    for r in runs]
            print(_table(rows, ["id", "experiment", "pipeline", "status", "duration", "metrics"],
                         wide=("metrics",)))
        return 0
    if what == "models":
        rows = [_asdict(m) for m in ws.list_models()]
        if args.json:
            _print_json(rows)
        else:
            print(_table(rows, [c for c in ("name", "version", "description", "source_run") if rows and c in rows[0]] or ["name"]))
        return 0
    raise SystemExit(f"error: cannot list {what!r}")


def cmd_show(args) -> int:
    ws = _ws(args)
    if args.what != "run":
        raise SystemExit("error: `show` takes `run ID`")
    rec = ws.get_run(args.id)
    if args.json:
        _print_json(_run_dict(rec))
        return 0
    print(f"Run {rec.id}  {rec.status}  experiment={rec.experiment!r}  pipeline={rec.pipeline_name!r}")
    print(f"Duration: {rec.duration or 0:.2f}s  compute: {rec.compute}")
    if rec.parameters:
        print("Parameters: " + ", ".join(f"{k}={v}" for k, v in rec.parameters.items()))
    rows = [{"node": nid, "title": n.title, "status": n.status,
             "duration": f"{n.duration:.2f}s" if n.duration is not None else "",
             "error": (n.error or "").splitlines()[0] if n.error else ""}
            for nid, n in rec.nodes.items()]
    print(_table(rows, ["node", "title", "status", "duration", "error"]))
    if rec.metrics:
        print("\nMetrics:")
        for k, v in rec.metrics.items():
            print(f"  {k:<40} {_fmt_metric(v)}")
    return 0


def cmd_validate(args) -> int:
    from jupyter_designer.catalog import open_pipeline

    ws = _ws(args)
    p = open_pipeline(args.pipeline, workspace=ws)
    issues = p.validate(_parse_params(args.param))
    if args.json:
        _print_json([i.as_dict() for i in issues])
    elif issues:
        print(f"{len(issues)} problem(s):")
        for i in issues:
            print(f"  - {i}")
    else:
        print("The pipeline is valid.")
    return 1 if issues else 0


def cmd_register(args) -> int:
    ws = _ws(args)
    if args.what != "dataset":
        raise SystemExit("error: `register` takes `dataset NAME PATH`")
    from jupyter_designer.app import register_dataset

    na_values = None
    if args.na_values is not None:
        na_values = [v.strip() for v in args.na_values.split(",")]
    info = register_dataset(ws, args.name, path=args.path, description=args.description or "",
                            na_values=na_values, parse_dates=not args.no_dates)
    if args.json:
        _print_json(info.as_dict())
        return 0
    print(f"Registered dataset {info.name!r} version {info.version}: {info.rows} rows, "
          f"{len(info.schema)} columns")
    for note in getattr(info, "notes", ()):
        print(f"  {note}")
    return 0


def add_commands(sub, common) -> None:
    p = sub.add_parser("run", help="run a pipeline file, saved draft or sample")
    p.add_argument("pipeline", help="pipeline file, draft name or sample name")
    p.add_argument("--experiment", "-e", default="Default")
    p.add_argument("--param", "-p", action="append", metavar="NAME=VALUE", help="pipeline parameter (repeatable)")
    p.add_argument("--regenerate", action="store_true", help="recompute every node (no reuse)")
    p.add_argument("--up-to", help="run only up to this node (id or title)")
    p.add_argument("--compute", help="default compute target for this run")
    p.add_argument("--stop-on-failure", action="store_true", help="stop the whole run at the first failed node")
    common(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("list", help="list components, datasets, pipelines, runs, models or samples")
    p.add_argument("what", choices=["components", "datasets", "pipelines", "runs", "models", "samples"])
    p.add_argument("--experiment")
    p.add_argument("--status")
    p.add_argument("--limit", type=int, default=50)
    common(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="show a run: `show run ID`")
    p.add_argument("what", choices=["run"])
    p.add_argument("id")
    common(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("validate", help="check a pipeline without running it")
    p.add_argument("pipeline")
    p.add_argument("--param", "-p", action="append", metavar="NAME=VALUE")
    common(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("register", help="register a dataset: `register dataset NAME PATH`")
    p.add_argument("what", choices=["dataset"])
    p.add_argument("name")
    p.add_argument("path")
    p.add_argument("--description", default="")
    p.add_argument("--na-values", metavar="WORDS",
                   help="comma-separated words read as missing values besides empty fields, "
                        "e.g. --na-values NA,n/a (default: only empty fields are missing)")
    p.add_argument("--no-dates", action="store_true",
                   help="keep columns of ISO 8601 dates as text instead of reading them as dates")
    common(p)
    p.set_defaults(func=cmd_register)
