"""The schedules of a Designer's workspace: list them with their last run, pause, resume or
delete one, and create one (a pipeline endpoint or a saved draft, on a cron expression or on
each new version of a dataset). The Jupyter server and ``jupyter designer serve`` run them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as W

from .charts import esc

if TYPE_CHECKING:
    from .designer import Designer


class SchedulesPanel(W.VBox):
    def __init__(self, designer: Designer):
        super().__init__()
        self.designer = designer
        self.add_class("jd-schedules-panel")
        style = {"description_width": "initial"}
        self.name = W.Text(description="Name", placeholder="nightly retrain", style=style,
                           layout=W.Layout(width="220px"))
        self.target_kind = W.Dropdown(options=[("pipeline endpoint", "pipeline_endpoint"),
                                               ("draft", "draft")], description="Runs",
                                      style=style, layout=W.Layout(width="210px"))
        self.target = W.Combobox(placeholder="name", layout=W.Layout(width="200px"),
                                 ensure_option=False)
        self.trigger_kind = W.Dropdown(options=[("cron", "cron"),
                                                ("new dataset version", "dataset")],
                                       description="On", style=style, layout=W.Layout(width="220px"))
        self.trigger = W.Combobox(placeholder="0 6 * * *", layout=W.Layout(width="200px"),
                                  ensure_option=False)
        self.create_button = W.Button(description="Create schedule", icon="clock-o",
                                      button_style="primary", layout=W.Layout(width="auto"))
        self.refresh_button = W.Button(description="Refresh", icon="refresh",
                                       layout=W.Layout(width="auto"))
        for b, c in ((self.create_button, "jd-schedule-create"),
                     (self.refresh_button, "jd-schedules-refresh")):
            b.add_class("jd-btn")
            b.add_class(c)
        self.create_button.on_click(lambda _b: self.create())
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.target_kind.observe(lambda _c: self._fill_choices(), "value")
        self.trigger_kind.observe(lambda _c: self._fill_choices(), "value")
        self.message = W.HTML("")
        self.list = W.VBox()
        self.list.add_class("jd-schedules-list")
        self.children = [
            W.HBox([self.name, self.target_kind, self.target, self.trigger_kind, self.trigger,
                    self.create_button], layout=W.Layout(flex_flow="row wrap",
                                                         align_items="center")),
            W.HBox([self.refresh_button, self.message], layout=W.Layout(align_items="center")),
            self.list]
        self.list.children = [W.HTML("<i>Press Refresh to list the schedules of this "
                                     "workspace.</i>")]

    def _fill_choices(self) -> None:
        ws = self.designer.workspace
        try:
            if self.target_kind.value == "pipeline_endpoint":
                from jupyter_designer.serving import PipelineEndpoints

                self.target.options = [e["name"] for e in PipelineEndpoints(ws).list()]
            else:
                self.target.options = [d.name for d in ws.list_drafts()]
            if self.trigger_kind.value == "dataset":
                self.trigger.placeholder = "dataset name"
                self.trigger.options = [d.name for d in ws.list_datasets(include_samples=False)]
            else:
                self.trigger.placeholder = "0 6 * * *"
                self.trigger.options = ["0 * * * *", "0 6 * * *", "0 2 * * 1-5", "*/15 * * * *"]
        except Exception as exc:  # the form stays usable: names can be typed
            self.message.value = f'<span class="jd-param-error">{esc(exc)}</span>'

    def _error(self, exc) -> None:
        self.message.value = f'<span class="jd-param-error">{esc(exc)}</span>'

    def create(self) -> dict | None:
        from jupyter_designer.app.schedules import create_schedule, describe_trigger
        from jupyter_designer.engine.errors import DesignerError

        target = {self.target_kind.value: self.target.value.strip() or None}
        trigger = {self.trigger_kind.value: self.trigger.value.strip() or None}
        if not all(target.values()) or not all(trigger.values()):
            self._error("Give the name of what runs and when it runs (a cron expression or a "
                        "dataset name).")
            return None
        try:
            info = create_schedule(self.designer.workspace, self.name.value, **target, **trigger)
        except DesignerError as exc:
            self._error(exc)
            return None
        self.message.value = (f"Created schedule <b>{esc(info['name'])}</b> on "
                              f"{esc(describe_trigger(info))}.")
        self.refresh(keep_message=True)
        return info

    def _act(self, fn, name: str) -> None:
        from jupyter_designer.engine.errors import DesignerError

        try:
            fn(self.designer.workspace, name)
        except DesignerError as exc:
            self._error(exc)
            return
        self.refresh()

    def refresh(self, keep_message: bool = False) -> list:
        from jupyter_designer.app import schedules as app

        if not keep_message:
            self.message.value = ""
        self._fill_choices()
        try:
            items = app.list_schedules(self.designer.workspace)
        except Exception as exc:
            self._error(exc)
            return []
        rows = []
        for s in items:
            last = s["last_tick"] or {}
            last_text = (f"last run {last['run_id']}" if last.get("run_id") else
                         f"last tick failed: {last['error']}" if last.get("error") else "not run yet")
            info = W.HTML(f'<span class="jd-schedule-row jd-schedule-{esc(s["state"])}">'
                          f'<b>{esc(s["name"])}</b> \u00b7 {esc(app.describe_target(s))} on '
                          f'{esc(app.describe_trigger(s))} \u00b7 <b>{esc(s["state"])}</b> '
                          f'\u00b7 {esc(last_text)}</span>',
                          layout=W.Layout(flex="1 1 auto", min_width="0"))
            fixed = dict(width="auto", min_width="80px", flex="0 0 auto")
            paused = s["state"] == "paused"
            toggle = W.Button(description="Resume" if paused else "Pause",
                              icon="play" if paused else "pause", layout=W.Layout(**fixed))
            toggle.add_class("jd-schedule-resume" if paused else "jd-schedule-pause")
            toggle.on_click(lambda _b, n=s["name"], p=paused: self._act(
                app.resume_schedule if p else app.pause_schedule, n))
            delete = W.Button(description="Delete", icon="trash", layout=W.Layout(**fixed))
            delete.add_class("jd-schedule-delete")
            delete.on_click(lambda _b, n=s["name"]: self._act(app.delete_schedule, n))
            row = W.HBox([toggle, delete, info], layout=W.Layout(align_items="center"))
            row.add_class("jd-schedule")
            rows.append(row)
        self.list.children = rows or [W.HTML("<i>No schedules yet.</i>")]
        return items


class OpsPanel(W.VBox):
    """Lineage and schedules, opened from the Designer's toolbar (hidden until then)."""

    def __init__(self, designer: Designer):
        from .lineage import LineagePanel

        super().__init__(layout=W.Layout(display="none", width="100%"))
        self.add_class("jd-ops-panel")
        self.lineage = LineagePanel(designer)
        self.schedules = SchedulesPanel(designer)
        self.tabs = W.Tab(children=[self.lineage, self.schedules])
        self.tabs.set_title(0, "Lineage")
        self.tabs.set_title(1, "Schedules")
        self.button = W.Button(description="Lineage & schedules", icon="sitemap",
                               tooltip="Which data and run produced a model or an endpoint; "
                                       "scheduled pipelines", layout=W.Layout(width="auto"))
        self.button.add_class("jd-btn")
        self.button.add_class("jd-btn-ops")
        self.button.on_click(lambda _b: self.toggle())
        self.children = [self.tabs]

    @property
    def visible(self) -> bool:
        return self.layout.display != "none"

    def toggle(self, show: bool | None = None) -> bool:
        show = not self.visible if show is None else show
        self.layout.display = None if show else "none"
        if show:
            self.lineage.refresh()
            self.schedules.refresh()
        return show


__all__ = ["SchedulesPanel", "OpsPanel"]
