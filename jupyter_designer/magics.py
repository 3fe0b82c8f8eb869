"""IPython magics: ``%designer`` and ``%%designer`` (``%load_ext jupyter_designer``).

    %designer                              a new draft on the canvas ("Pipeline draft N")
    %designer open NAME|FILE               a saved draft, pipeline file or sample
    %designer sample NAME [--new]          a sample pipeline as a new draft

Every draft shown is autosaved within a second of each edit. A cell remembers the draft it
created: after a kernel restart, running the same cell again shows that draft as it was.
    %designer run RUN_ID                   a past run, read-only, with node statuses
    %designer list datasets|pipelines|runs|models|components|samples
    %designer submit NAME|FILE [--experiment E] [--param k=v ...] [--regenerate]
    %%designer                             the cell body is a pipeline file's content

Mistakes in the arguments print a usage line, never a traceback.
"""

from __future__ import annotations

import argparse
import shlex

USAGE = ("usage: %designer [open NAME | sample NAME [--new] | run RUN_ID | "
         "list datasets|pipelines|runs|models|components|samples | "
         "submit NAME [--experiment E] [--param k=v] [--regenerate]]")


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise _UsageError(message)

    def exit(self, status=0, message=None):
        raise _UsageError(message or "")


def _parser() -> _Parser:
    p = _Parser(prog="%designer", add_help=False)
    sub = p.add_subparsers(dest="cmd")
    o = sub.add_parser("open", add_help=False)
    o.add_argument("name", nargs="+")  # names have spaces: no quotes needed
    s = sub.add_parser("sample", add_help=False)
    s.add_argument("name", nargs="+")
    s.add_argument("--new", action="store_true")
    r = sub.add_parser("run", add_help=False)
    r.add_argument("run_id")
    li = sub.add_parser("list", add_help=False)
    li.add_argument("what", choices=["datasets", "pipelines", "runs", "models", "components", "samples"])
    li.add_argument("--experiment")
    su = sub.add_parser("submit", add_help=False)
    su.add_argument("name", nargs="+")
    su.add_argument("--experiment", "-e", default="Default")
    su.add_argument("--param", "-p", action="append", default=[])
    su.add_argument("--regenerate", action="store_true")
    return p


def _params(items) -> dict:
    import json

    out = {}
    for item in items:
        if "=" not in item:
            raise _UsageError(f"--param takes NAME=VALUE; got {item!r}")
        k, v = item.split("=", 1)
        try:
            out[k] = json.loads(v)
        except ValueError:
            out[k] = v
    return out


def current_cell_id() -> str | None:
    """The id of the notebook cell being run (JupyterLab and Notebook 7 send it), or None."""
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        if kernel is None:
            return None
        try:
            parent = kernel.get_parent("shell")
        except TypeError:  # older ipykernel
            parent = kernel.get_parent()
        cell_id = ((parent or {}).get("metadata") or {}).get("cellId")
        return str(cell_id) if cell_id else None
    except Exception:
        return None


def _cell_binding(what: str) -> str | None:
    from .store.drafts import cell_key

    cell_id = current_cell_id()
    return f"{cell_key(cell_id)}|{what}" if cell_id else None


def _show(ws, p, *, binding: str | None = None, draft: str | None = None, draft_file=None,
          note: str | None = None):
    from .widgets import Designer

    p.workspace = ws
    d = Designer(p, workspace=ws, draft=draft, draft_file=draft_file, binding=binding)
    if note:
        d.set_status(note)
    return d


def _reopen(ws, binding: str | None):
    """The draft this cell showed before (a kernel restart later), or None."""
    if not binding:
        return None
    name = ws.bound_draft(binding)
    if name is None:
        return None
    from .api import open_pipeline

    return open_pipeline(name, workspace=ws)


def designer_magic(line: str, cell: str | None = None):
    """Entry point of ``%designer`` / ``%%designer``; returns what the cell should show."""
    from .api import open_pipeline, workspace
    from .engine.errors import DesignerError

    try:
        ws = workspace()
        if cell is not None:
            from .engine.pipeline import Pipeline

            p = Pipeline.from_json(cell, source="%%designer cell", workspace=ws)
            binding = _cell_binding("%%designer")
            name = ws.bound_draft(binding) if binding else None
            return _show(ws, p, binding=binding, draft=name)
        try:
            args = _parser().parse_args(shlex.split(line))
        except ValueError as exc:  # unbalanced quotes
            raise _UsageError(str(exc)) from None
        if args.cmd is None:
            from .engine.pipeline import Pipeline

            binding = _cell_binding("new")
            p = _reopen(ws, binding)
            if p is not None:
                return _show(ws, p, binding=binding, note=f"Reopened draft {p.draft_name!r} of this cell.")
            name = ws.new_draft_name()
            return _show(ws, Pipeline(name, workspace=ws), binding=binding, draft=name)
        if args.cmd in ("open", "sample"):
            name = " ".join(args.name)
            if args.cmd == "sample":
                from .api import load_sample

                binding = _cell_binding(f"sample {name.casefold()}")
                p = None if args.new else _reopen(ws, binding)
                if p is not None:
                    return _show(ws, p, binding=binding, note=(
                        f"Reopened draft {p.draft_name!r} of this cell; `%designer sample {name} --new` "
                        "starts again from the sample."))
                p = load_sample(name, workspace=ws)
                return _show(ws, p, binding=binding, draft=ws.new_draft_name(p.name))
            p = open_pipeline(name, workspace=ws)
            path = getattr(p, "draft_file", None)
            if path is not None:
                from .store.drafts import file_key

                key = file_key(path)
                draft = ws.bound_draft(key) or ws.new_draft_name(p.name or path.stem)
                return _show(ws, p, binding=key, draft=draft, draft_file=path)
            if getattr(p, "draft_name", None):
                return _show(ws, p, binding=_cell_binding(f"open {p.draft_name.casefold()}"))
            binding = _cell_binding(f"open {name.casefold()}")  # a sample opened by name
            reopened = _reopen(ws, binding)
            if reopened is not None:
                return _show(ws, reopened, binding=binding)
            return _show(ws, p, binding=binding, draft=ws.new_draft_name(p.name))
        if args.cmd == "run":
            from .widgets import Designer

            return Designer.from_run(args.run_id, workspace=ws)
        if args.cmd == "list":
            return _listing(ws, args.what, args.experiment)
        if args.cmd == "submit":
            return _submit(ws, " ".join(args.name), args.experiment, _params(args.param), args.regenerate)
    except _UsageError as exc:
        msg = str(exc).strip()
        print((msg + "\n" if msg else "") + USAGE)
    except DesignerError as exc:
        print(f"error: {exc}")
    return None


def _listing(ws, what: str, experiment=None):
    import pandas as pd

    if what == "components":
        from .engine.component import REGISTRY

        return pd.DataFrame([{"Category": s.category, "Component": s.name,
                              "Inputs": ", ".join(p.label for p in s.inputs),
                              "Outputs": ", ".join(p.label for p in s.outputs)} for s in REGISTRY.all()])
    if what == "samples":
        from .api import sample_pipelines
        return pd.DataFrame([{"Sample": s["name"], "Description": s["description"]} for s in sample_pipelines()])
    if what == "datasets":
        return pd.DataFrame([{"Name": d.name, "Version": d.version, "Rows": d.rows,
                              "Columns": len(d.schema), "Description": d.description}
                             for d in ws.list_datasets()])
    if what == "pipelines":
        import time as _time

        return pd.DataFrame([{"Name": d.name, "Version": d.version, "Versions": d.versions,
                              "Saved": _time.strftime("%Y-%m-%d %H:%M:%S", _time.localtime(d.updated))}
                             for d in ws.list_drafts()])
    if what == "runs":
        return pd.DataFrame([{"Run": r.id, "Experiment": r.experiment, "Pipeline": r.pipeline_name,
                              "Status": r.status, "Duration (s)": round(r.duration or 0, 2),
                              **{k: v for k, v in list((r.metrics or {}).items())[:4]}}
                             for r in ws.list_runs(experiment=experiment)])
    return pd.DataFrame([{"Name": m.name, "Version": m.version, "Description": getattr(m, "description", "")}
                         for m in ws.list_models()])


def _submit(ws, name, experiment, params, regenerate):
    from IPython.display import display

    from .app import submit_run
    from .app.runs import as_pipeline

    p = as_pipeline(ws, name)
    try:
        import ipywidgets as w

        bar = w.IntProgress(value=0, min=0, max=max(1, sum(1 for n in p.nodes.values() if n.kind == "component")),
                            description="queued", layout=w.Layout(width="60%"))
        label = w.HTML("")
        display(w.HBox([bar, label]))
    except Exception:  # no widgets: plain text progress
        bar = label = None

    def on_event(ev):
        if bar is None:
            if ev.kind in ("node_completed", "node_reused", "node_failed"):
                print(f"[{ev.done}/{ev.total}] {ev.title}: {ev.status}")
            return
        if ev.kind == "run_started":
            bar.max = max(1, ev.total)
        elif ev.kind in ("node_completed", "node_reused", "node_failed", "node_skipped"):
            bar.value = min(bar.max, ev.done)
            bar.description = f"{ev.done}/{ev.total}"
            label.value = f"{ev.title}: <b>{ev.status}</b>"
            if ev.kind == "node_failed":
                bar.bar_style = "danger"
        elif ev.kind == "node_running":
            label.value = f"running {ev.title}"
        elif ev.kind == "run_finished":
            bar.bar_style = {"completed": "success", "failed": "danger"}.get(ev.status, "warning")
            label.value = f"run <b>{ev.status}</b>"

    handle = submit_run(ws, p, experiment=experiment, parameters=params, regenerate=regenerate,
                        on_event=on_event)
    return handle


def load_ipython_extension(ipython) -> None:
    from IPython.core.magic import Magics, line_cell_magic, magics_class

    @magics_class
    class DesignerMagics(Magics):
        @line_cell_magic
        def designer(self, line, cell=None):
            return designer_magic(line, cell)

    ipython.register_magics(DesignerMagics)
