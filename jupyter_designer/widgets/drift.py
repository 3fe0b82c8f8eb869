"""The endpoint panel's deployments and monitoring sections.

:class:`DeploymentsBox` shows a real-time endpoint's deployments (version, share of the
traffic, mirror) and changes them: a traffic split, a promotion, a mirror, and the
scored-data log. :class:`DriftPanel` shows the drift report: recent scored inputs against
the training data, a row per column with its population stability index as a bar, the
drifted columns flagged. Both go through :mod:`jupyter_designer.app.monitoring`.
"""

from __future__ import annotations

import ipywidgets as W

from .charts import esc
from .panel_parts import button as _button, error_html as _error, message as _message

NO_MIRROR = "(no mirror)"
_LEVEL_COLOURS = {"drift": "#c62828", "moderate": "#ef6c00", "stable": "#2e7d32",
                  "no data": "#757575"}


class DeploymentsBox(W.VBox):
    """An endpoint's deployments: a table, and the controls that change the traffic."""

    def __init__(self, workspace, name: str, *, on_change=None):
        super().__init__()
        self.add_class("jd-deployments")
        self.workspace, self.name, self._on_change = workspace, name, on_change
        self.info: dict | None = None
        self.table = W.HTML("")
        self.table.add_class("jd-deployments-table")
        self.split = W.Text(placeholder="blue=90,green=10", description="Traffic",
                            style={"description_width": "initial"}, layout=W.Layout(width="260px"))
        self.split.add_class("jd-deployments-split")
        self.split_button = _button("Apply split", "random", "jd-deployments-apply",
                                    self.apply_split,
                                    tooltip="Share the requests between deployments")
        self.promote_choice = W.Dropdown(options=[], description="Promote",
                                         style={"description_width": "initial"},
                                         layout=W.Layout(width="220px"))
        self.promote_button = _button("Promote", "level-up", "jd-deployments-promote",
                                      self.promote, tooltip="Send every request to this deployment")
        self.mirror_choice = W.Dropdown(options=[NO_MIRROR], description="Mirror",
                                        style={"description_width": "initial"},
                                        layout=W.Layout(width="220px"))
        self.mirror_button = _button("Set mirror", "clone", "jd-deployments-mirror",
                                     self.apply_mirror,
                                     tooltip="Copy requests to this deployment; its answers are "
                                             "recorded, never returned")
        self.log_toggle = W.Checkbox(description="Log scored inputs and outputs", indent=False,
                                     layout=W.Layout(width="auto"))
        self.log_toggle.add_class("jd-deployments-log")
        self.sample_rate = W.BoundedFloatText(value=1.0, min=0.001, max=1.0, step=0.05,
                                              description="sample rate",
                                              style={"description_width": "initial"},
                                              layout=W.Layout(width="160px"))
        self.log_button = _button("Save logging", "save", "jd-deployments-log-save",
                                  self.apply_logging)
        self.message = W.HTML("")
        self.message.add_class("jd-deployments-message")
        row = lambda *c: W.HBox(list(c), layout=W.Layout(align_items="center",  # noqa: E731
                                                         flex_flow="row wrap"))
        self.children = [self.table, row(self.split, self.split_button),
                         row(self.promote_choice, self.promote_button,
                             self.mirror_choice, self.mirror_button),
                         row(self.log_toggle, self.sample_rate, self.log_button), self.message]
        self.refresh()

    def _call(self, fn, *args, done: str = "") -> bool:
        try:
            self.info = fn(self.workspace, self.name, *args)
        except Exception as exc:
            self.message.value = _error(_message(exc))
            return False
        self.message.value = esc(done)
        self._render()
        if self._on_change is not None:
            self._on_change()
        return True

    def refresh(self) -> bool:
        from jupyter_designer.app import monitoring

        return self._call(monitoring.deployments)

    def _render(self) -> None:
        info = self.info
        rows = "".join(
            f"<tr class='jd-deployment-row' data-deployment='{esc(d['name'])}'>"
            f"<td><b>{esc(d['name'])}</b></td><td>{d['version']}</td>"
            f"<td><div style='display:flex;align-items:center;gap:6px'>"
            f"<div style='background:#1976d2;height:10px;width:{d['percent']}px'></div>"
            f"{d['percent']}%</div></td>"
            f"<td>{esc(str(d['mirror_percent']) + '% mirrored') if d['mirror'] else ''}</td></tr>"
            for d in info["deployments"])
        self.table.value = (
            "<table class='jd-table'><thead><tr><th>Deployment</th><th>Version</th>"
            f"<th>Traffic</th><th>Mirror</th></tr></thead><tbody>{rows}</tbody></table>")
        names = [d["name"] for d in info["deployments"]]
        self.promote_choice.options = names
        live = max(info["deployments"], key=lambda d: d["percent"])["name"]
        self.promote_choice.value = live
        self.mirror_choice.options = [NO_MIRROR, *names]
        self.mirror_choice.value = (info["mirror"] or {}).get("deployment") or NO_MIRROR
        self.split.value = ",".join(f"{d['name']}={d['percent']}" for d in info["deployments"]
                                    if d["percent"])
        mon = info["monitoring"]
        self.log_toggle.value = bool(mon["log_scored"])
        self.sample_rate.value = float(mon["sample_rate"])

    def apply_split(self, text: str | None = None) -> bool:
        from jupyter_designer.app import monitoring

        text = self.split.value if text is None else text
        return self._call(monitoring.set_traffic, text, done=f"Traffic split: {text}")

    def promote(self, deployment: str | None = None) -> bool:
        from jupyter_designer.app import monitoring

        deployment = deployment or self.promote_choice.value
        return self._call(monitoring.promote, deployment,
                          done=f"{deployment} takes every request")

    def apply_mirror(self, deployment: str | None = None) -> bool:
        from jupyter_designer.app import monitoring

        deployment = deployment or self.mirror_choice.value
        target = None if deployment == NO_MIRROR else deployment
        return self._call(monitoring.set_mirror, target,
                          done=f"Mirroring to {target}" if target else "No mirror")

    def apply_logging(self) -> bool:
        from jupyter_designer.app import monitoring

        settings = {"log_scored": bool(self.log_toggle.value),
                    "sample_rate": float(self.sample_rate.value)}
        return self._call(monitoring.set_monitoring, settings,
                          done="Scored-data log " + ("on" if settings["log_scored"] else "off"))


class DriftPanel(W.VBox):
    """The drift report of an endpoint: a row per column, its PSI as a bar, drift flagged."""

    def __init__(self, workspace, name: str, *, rows: int = 1000):
        super().__init__()
        self.add_class("jd-drift")
        self.workspace, self.name, self.rows = workspace, name, rows
        self.report: dict | None = None
        self.button = _button("Drift report", "line-chart", "jd-drift-refresh", self.refresh,
                              tooltip="Compare recent scored inputs with the training data")
        self.view = W.HTML("<i>Press Drift report to compare the recent scored inputs with the "
                           "training data.</i>")
        self.view.add_class("jd-drift-view")
        self.children = [self.button, self.view]

    def refresh(self) -> dict | None:
        from jupyter_designer.app import monitoring

        try:
            self.report = monitoring.drift(self.workspace, self.name, rows=self.rows)
        except Exception as exc:
            self.view.value = _error(_message(exc))
            return None
        self.view.value = self.render(self.report)
        return self.report

    @staticmethod
    def render(report: dict) -> str:
        parts = [f"<div class='jd-drift-summary'>Against the training data of deployment "
                 f"<b>{esc(report['deployment'])}</b> (version {report['version']}); PSI "
                 f"threshold {report['threshold']:g}. "
                 + (f"<b style='color:#c62828'>Drift in {esc(', '.join(report['drifted_columns']))}"
                    "</b>" if report["drift"] else "No column drifted.") + "</div>"]
        if report.get("note"):
            parts.append(f"<div class='jd-drift-note'><i>{esc(report['note'])}</i></div>")
        # the bar's scale ends at 5x the threshold (the dashed mark): a drifted column fills
        # at least a fifth of it, beyond 5x it is full
        top = report["threshold"] * 5
        for inp in report["inputs"]:
            rows = []
            for c in inp["columns"]:
                colour = _LEVEL_COLOURS.get(c["level"], "#757575")
                width = 0 if c["psi"] is None else max(1, int(160 * min(c["psi"], top) / top))
                mark = int(160 * report["threshold"] / top)
                rows.append(
                    f"<tr class='jd-drift-row{' jd-drift-flag' if c['drift'] else ''}' "
                    f"data-column='{esc(c['column'])}'><td>{esc(c['column'])}</td>"
                    f"<td>{esc(c['kind'])}</td>"
                    f"<td>{'' if c['psi'] is None else format(c['psi'], '.3f')}</td>"
                    f"<td><div style='position:relative;width:160px;height:10px;"
                    f"background:#eee'><div style='background:{colour};height:10px;"
                    f"width:{width}px'></div><div style='position:absolute;left:{mark}px;"
                    f"top:-2px;height:14px;border-left:2px dashed #555'></div></div></td>"
                    f"<td style='color:{colour}'>{esc(c['level'])}</td></tr>")
            parts.append(
                f"<div class='jd-drift-input'><b>{esc(inp['input'])}</b>: {inp['rows']} recent "
                f"rows, {inp['training_rows']} training rows</div>"
                "<table class='jd-table'><thead><tr><th>Column</th><th>Kind</th><th>PSI</th>"
                "<th></th><th>Level</th></tr></thead><tbody>" + "".join(rows)
                + "</tbody></table>")
        return "".join(parts)
