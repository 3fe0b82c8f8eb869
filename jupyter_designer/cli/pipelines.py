"""``jupyter designer``: run, list, show and export pipelines from a terminal.

Every subcommand prints readable text by default and JSON with ``--json``. Errors caused by
input print one ``error:`` line and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

#: other modules add subcommands here: name -> function(subparsers) registering them
EXTENSIONS: list = []


def _ws(args):
    from .store import Workspace

    return Workspace(args.workspace) if getattr(args, "workspace", None) else Workspace()


def _parse_params(items) -> dict:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise SystemExit(f"error: --param takes NAME=VALUE; got {item!r}")
        k, v = item.split("=", 1)
        try:
            out[k.strip()] = json.loads(v)
        except json.JSONDecodeError:
            out[k.strip()] = v
    return out


def _print_json(obj) -> None:
    print(json.dumps(obj, indent=2, default=str, sort_keys=True))


def _table(rows: list[dict], columns: list[str], *, wide: tuple = ()) -> str:
    """A text table; cells are cut at 60 characters except in the ``wide`` columns."""
    if not rows:
        return "(none)"
    limit = {c: None if c in wide else 60 for c in columns}
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    widths = {c: min(w, limit[c] or w) for c, w in widths.items()}
    line = "  ".join(c.ljust(widths[c]) for c in columns)
    out = [line, "  ".join("-" * widths[c] for c in columns)]
    for r in rows:
        out.append("  ".join(str(r.get(c, ""))[:limit[c]].ljust(widths[c]) for c in columns).rstrip())
    return "\n".join(out)


def _metrics_summary(metrics: dict, n: int = 3) -> str:
    """The first ``n`` metrics of a run, each with every side it was reported for:
    ``Mean Absolute Error left=1.2 right=1.5`` for Evaluate Model's two inputs."""
    groups: dict[str, list] = {}
    for k, v in (metrics or {}).items():
        if isinstance(v, (dict, list)):
            continue
        prefix, sep, base = k.rpartition(": ")
        head, _, side = prefix.rpartition(": ")
        if sep and side in ("left", "right"):
            name = f"{head}: {base}" if head else base
            groups.setdefault(name, []).append(f"{side}={_fmt_metric(v)}")
        else:
            groups.setdefault(k, []).append(f"={_fmt_metric(v)}")
    parts = []
    for name, values in list(groups.items())[:n]:
        if len(values) == 1 and values[0].startswith("="):
            parts.append(f"{name}{values[0]}")
        else:
            parts.append(f"{name} {' '.join(values)}")
    return ", ".join(parts)


def _fmt_metric(v):
    if isinstance(v, float):
        return f"{v:.6g}"
    return v


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
    from .api import open_pipeline
    from .engine.runner import Runner

    ws = _ws(args)
    p = open_pipeline(args.pipeline, workspace=ws)
    p.workspace = ws
    progress = None if args.json else _Progress()
    handle = Runner(ws).submit(p, experiment=args.experiment, parameters=_parse_params(args.param),
                               regenerate=args.regenerate, up_to=args.up_to, on_event=progress,
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
        from .engine.component import REGISTRY

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
        from .api import sample_pipelines
        from .store import samples

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


def _asdict(obj) -> dict:
    import dataclasses

    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    if isinstance(obj, dict):
        return obj
    return dict(vars(obj))


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


def cmd_export(args) -> int:
    from .engine.pipeline import Pipeline
    from .engine.serialization import dumps

    ws = _ws(args)
    doc = None
    try:
        doc = ws.clone_run(args.source)
    except Exception:
        doc = None
    if doc is None:
        from .api import open_pipeline
        doc = open_pipeline(args.source, workspace=ws).to_dict()
    text = dumps(Pipeline.from_dict(doc).to_dict())
    if args.output:
        from .fileio import atomic_write
        atomic_write(args.output, text)
        print(f"Wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_validate(args) -> int:
    from .api import open_pipeline

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
    na_values = None
    if args.na_values is not None:
        na_values = [v.strip() for v in args.na_values.split(",")]
    info = ws.register_dataset(args.name, args.path, description=args.description or "",
                               na_values=na_values, parse_dates=not args.no_dates)
    if args.json:
        _print_json(info.as_dict())
        return 0
    print(f"Registered dataset {info.name!r} version {info.version}: {info.rows} rows, "
          f"{len(info.schema)} columns")
    for note in getattr(info, "notes", ()):
        print(f"  {note}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jupyter designer",
                                     description="jupyter-designer: build, run and serve ML pipelines.")
    parser.add_argument("--workspace", "-w", help="workspace folder (default: $JUPYTER_DESIGNER_WORKSPACE or ./.designer)")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--workspace", "-w", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.add_argument("--json", action="store_true", help="print JSON")

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

    p = sub.add_parser("export", help="write a draft, sample or run as a pipeline file")
    p.add_argument("source", help="run id, draft name, sample name or file")
    p.add_argument("--output", "-o", help="file to write (default: stdout)")
    common(p)
    p.set_defaults(func=cmd_export)

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

    for ext in _extensions():
        ext(sub, common)
    return parser


def _extensions():
    from importlib import import_module

    found = list(EXTENSIONS)
    for mod in ("jupyter_designer.serving.cli", "jupyter_designer.compute_cli"):
        try:
            m = import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
            continue
        found.append(m.add_commands)
    return found


def main(argv=None) -> int:
    from .engine.errors import DesignerError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except DesignerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
