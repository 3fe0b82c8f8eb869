"""The Runs tab of a Designer: the workspace's run history, to open a run read-only, clone it
into a new draft or compare runs."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import ipywidgets as W

from .canvas import format_duration
from .charts import esc, fmt, table

if TYPE_CHECKING:
    from .designer import Designer


def _metric_summary(metrics: dict, n: int = 3) -> str:
    """The first metrics of a run; with two scored inputs (``left: ...``/``right: ...``) the
    first metrics of both sides, so neither model is hidden."""
    sides = {}
    for k, v in metrics.items():
        side, _, name = k.partition(": ")
        if name and side in ("left", "right"):
            sides.setdefault(name, {})[side] = v
    if sides:
        return ", ".join(f"{name}: " + " / ".join(f"{side} {fmt(v, 3)}" for side, v in vals.items())
                         for name, vals in list(sides.items())[:max(1, n - 1)])
    return ", ".join(f"{k}={fmt(v, 3)}" for k, v in list(metrics.items())[:n])


class RunsPanel(W.VBox):
    """Run history: list, open read-only, clone, compare."""

    def __init__(self, designer: Designer):
        super().__init__()
        self.designer = designer
        self.add_class("jd-runs-panel")
        self.filter = W.Text(placeholder="experiment (all)", layout=W.Layout(width="180px"),
                             continuous_update=False)
        self.refresh_button = W.Button(description="Refresh", icon="refresh", layout=W.Layout(width="auto"))
        self.compare_button = W.Button(description="Compare selected", icon="columns",
                                       layout=W.Layout(width="auto"))
        for b, c in ((self.refresh_button, "jd-runs-refresh"), (self.compare_button, "jd-runs-compare")):
            b.add_class("jd-btn")
            b.add_class(c)
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.compare_button.on_click(lambda _b: self.compare())
        self.filter.observe(lambda _c: self.refresh(), "value")
        self.list = W.VBox()
        self.list.add_class("jd-runs-list")
        self.detail = W.VBox()
        self.detail.add_class("jd-runs-detail")
        self.checks: dict[str, W.Checkbox] = {}
        self.children = [W.HBox([self.filter, self.refresh_button, self.compare_button]), self.list,
                         self.detail]
        self.loaded = False
        self.list.children = [W.HTML("<i>Press Refresh to list the runs of this workspace.</i>")]

    def refresh(self) -> list:
        d = self.designer
        try:
            runs = d.workspace.list_runs(experiment=self.filter.value.strip() or None, limit=50)
        except Exception as exc:
            self.list.children = [W.HTML(f'<span class="jd-param-error">{esc(exc)}</span>')]
            return []
        self.loaded = True
        rows = []
        self.checks = {}
        for rec in runs:
            chk = W.Checkbox(value=False, indent=False, layout=W.Layout(width="24px", flex="0 0 auto"))
            self.checks[rec.id] = chk
            metrics = {k: v for k, v in (rec.metrics or {}).items() if isinstance(v, (int, float))}
            mtext = _metric_summary(metrics)
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(rec.created)) if rec.created else ""
            dot = " \u00b7 "
            extra = dot + esc(mtext) if mtext else ""
            info = W.HTML(f'<span class="jd-run-row jd-run-{esc(rec.status)}"><b>{esc(rec.id)}</b> '
                          f"{esc(rec.experiment)}{dot}{esc(rec.pipeline_name)}{dot}"
                          f"<b>{esc(rec.status)}</b>{dot}{esc(format_duration(rec.duration))}"
                          f"{dot}{esc(when)}{extra}</span>", layout=W.Layout(flex="1 1 auto", min_width="0"))
            # buttons keep their size; the run's line takes what is left and wraps
            fixed = dict(width="auto", min_width="72px", flex="0 0 auto")
            open_b = W.Button(description="Open", icon="eye", layout=W.Layout(**fixed))
            open_b.add_class("jd-run-open")
            open_b.on_click(lambda _b, rid=rec.id: self.open_run(rid))
            clone_b = W.Button(description="Clone", icon="clone", layout=W.Layout(**fixed))
            clone_b.add_class("jd-run-clone")
            clone_b.on_click(lambda _b, rid=rec.id: self.clone_run(rid))
            row = W.HBox([chk, open_b, clone_b, info], layout=W.Layout(align_items="center"))
            row.add_class("jd-run")
            rows.append(row)
        self.list.children = rows or [W.HTML("<i>No runs yet.</i>")]
        return runs

    def open_run(self, run_id: str) -> Designer:
        """Show a run read-only below the list."""
        view = type(self.designer).from_run(run_id, self.designer.workspace, height="420px")
        close = W.Button(description="Close", icon="times", layout=W.Layout(width="auto"))
        close.on_click(lambda _b: setattr(self.detail, "children", []))
        self.detail.children = [W.HBox([W.HTML(f"<b>Run {esc(run_id)}</b> (read-only)"), close]), view]
        self.opened = view
        return view

    def clone_run(self, run_id: str):
        """Load a copy of a run's pipeline into the designer as a new draft."""
        from jupyter_designer.engine.pipeline import Pipeline

        d = self.designer
        doc = d.workspace.clone_run(run_id)
        new = Pipeline.from_dict(doc, workspace=d.workspace)
        new.name = f"{new.name} (clone)"
        return d.open_draft(new, f"Cloned run {run_id} into a new draft.")

    def compare(self, run_ids=None):
        ids = list(run_ids) if run_ids is not None else sorted(rid for rid, c in self.checks.items() if c.value)
        if len(ids) < 2:
            self.detail.children = [W.HTML("<i>Tick two or more runs to compare them.</i>")]
            return None
        df = self.designer.workspace.compare_runs(ids)
        rows = [[str(idx), *[v for v in r]] for idx, r in zip(df.index, df.itertuples(index=False))]
        html = table(rows, ["", *[str(c) for c in df.columns]], cls="jd-table jd-compare",
                     first_col_header=True)
        self.detail.children = [W.HTML(f"<b>Comparing {len(ids)} runs</b><div style='overflow:auto'>{html}</div>")]
        return df


__all__ = ["RunsPanel"]
