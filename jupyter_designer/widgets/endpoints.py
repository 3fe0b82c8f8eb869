"""The endpoint panel of the designer (its Endpoints tab), and the names it suggests.

The endpoint panel shows a deployed real-time endpoint as the reference product's
endpoint page does: its scoring URL, its primary and secondary keys (masked, with show,
copy and regenerate), a Test form that scores a request in this kernel, and copyable
curl / Python snippets (:mod:`~jupyter_designer.widgets.snippets`), its deployments and drift
report (:mod:`~jupyter_designer.widgets.drift`). Everything goes through
:mod:`jupyter_designer.serving`. The toolbar's "Create inference pipeline", "Publish" and
"Deploy" actions are in :mod:`~jupyter_designer.widgets.serving_actions`.
"""

from __future__ import annotations

import json
import re
import time

import ipywidgets as W

from .charts import esc
from .panel_parts import button as _button, error_html as _error_html, message as _message
from .snippets import SNIPPET_SERVER, CopyButton, server_base_url

MASK = "\u2022" * 16
KEYS = (("primary", "primaryKey", "Primary key"), ("secondary", "secondaryKey", "Secondary key"))


def endpoint_name_from(text: str, *, max_len: int = 32) -> str:
    """A valid real-time endpoint name suggested from a pipeline's name."""
    text = re.sub(r"-(real time|batch) inference$", "", str(text or "").strip(), flags=re.I)
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not name or not name[0].isalpha():
        name = f"endpoint-{name}".strip("-")
    if len(name) > max_len:
        cut = name[:max_len]
        name = cut[:cut.rfind("-")] if "-" in cut[3:] else cut
    name = name.rstrip("-")
    return name if len(name) >= 3 else "endpoint"


def pipeline_endpoint_name_from(text: str) -> str:
    """A valid pipeline endpoint name suggested from a pipeline's name."""
    name = re.sub(r"[^A-Za-z0-9_.\- ]+", "", str(text or "")).strip(" -_.")
    name = re.sub(r"\s+", " ", name)[:64].strip()
    return name or "Pipeline endpoint"


_REASONS = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 500: "Internal Server Error",
            503: "Service Unavailable"}


# -- the endpoint panel -------------------------------------------------------------------------
class EndpointPanel(W.VBox):
    """A deployed real-time endpoint: URL, keys, a Test form and client snippets.

    Parameters
    ----------
    workspace : Workspace or callable returning one
    name : str, optional
        The endpoint to show first.
    on_status : callable(text, error=False), optional
        Where to report what happened as well (the designer's status line).
    """

    def __init__(self, workspace=None, name: str | None = None, *, on_status=None):
        super().__init__()
        self.add_class("jd-endpoint-panel")
        self._workspace = workspace
        self._on_status = on_status
        self.name: str | None = None
        self.record: dict | None = None
        self.api_keys: dict = {}
        self.example: dict | None = None
        self.last_response: dict | None = None
        self._choosing = False
        self.choose = W.Dropdown(options=[], description="Endpoint", layout=W.Layout(width="320px"),
                                 style={"description_width": "initial"})
        self.choose.add_class("jd-endpoint-choose")
        self.choose.observe(self._on_choose, "value")
        self.refresh_button = _button("Refresh", "refresh", "jd-endpoint-refresh", self.refresh)
        # deleting cannot be undone: the first click asks, a second click (Confirm) deletes
        self.delete_button = _button("Delete", "trash", "jd-endpoint-delete", self._delete_clicked,
                                     tooltip="Delete this real-time endpoint (asks to confirm)")
        self.delete_button.disabled = True
        self.delete_cancel = _button("Keep it", "times", "jd-endpoint-delete-cancel", self.disarm_delete,
                                     tooltip="Do not delete the endpoint")
        self.delete_cancel.layout.display = "none"
        self.delete_armed = False
        self.message = W.HTML("")
        self.message.add_class("jd-endpoint-message")
        self.body = W.VBox()
        self.body.add_class("jd-endpoint-body")
        self.children = [W.HBox([self.choose, self.refresh_button, self.delete_button, self.delete_cancel],
                                layout=W.Layout(align_items="center")), self.message, self.body]
        self.loaded = False
        self.body.children = [W.HTML("<i>Open this tab or press Refresh to list the real-time "
                                     "endpoints of this workspace.</i>")]
        if name is not None:
            self.show(name)

    @property
    def workspace(self):
        ws = self._workspace
        ws = ws() if callable(ws) else ws
        if ws is None:
            from jupyter_designer.api import workspace as default_workspace

            ws = default_workspace()
        return ws

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.value = _error_html(text) if error else f'<span class="jd-status-ok">{esc(text)}</span>'
        if self._on_status is not None:
            self._on_status(text, error=error)

    # -- choosing --------------------------------------------------------------------------------
    def refresh(self) -> list[str]:
        """List the workspace's real-time endpoints in the chooser; returns their names."""
        from jupyter_designer import serving

        try:
            names = [e["name"] for e in serving.list_endpoints(self.workspace)]
        except Exception as exc:
            self.message.value = _error_html(_message(exc))
            return []
        self.loaded = True
        self._set_choices(names, self.name if self.name in names else (names[0] if names else None))
        if not names:
            self.name = self.record = None
            self.disarm_delete()
            self.body.children = [W.HTML(
                "<i>No real-time endpoints yet: create a real-time inference pipeline from a "
                "completed training run, then press Deploy.</i>")]
        elif self.choose.value != self.name or self.record is None or self._changed():
            self.show(self.choose.value)
        return names

    def _changed(self) -> bool:
        """Whether the endpoint shown changed elsewhere (a new version, a regenerated key): then
        the panel is rebuilt; otherwise it is left as it is, with the Test form's request."""
        from jupyter_designer import serving

        try:
            return (serving.get_endpoint(self.workspace, self.name) != self.record
                    or serving.endpoint_keys(self.workspace, self.name) != self.api_keys)
        except Exception:
            return True  # show() says what is wrong

    def _set_choices(self, names, value) -> None:
        self._choosing = True
        try:
            self.choose.options = list(names)
            self.choose.value = value
        finally:
            self._choosing = False

    def _on_choose(self, change) -> None:
        if not self._choosing and change["new"] and change["new"] != self.name:
            self.show(change["new"])

    # -- showing one endpoint ---------------------------------------------------------------------
    def show(self, name: str) -> bool:
        """Show endpoint ``name``; ``False`` (and a message) when it cannot be read."""
        from jupyter_designer import serving

        ws = self.workspace
        try:
            record = serving.get_endpoint(ws, name)
            keys = serving.endpoint_keys(ws, name)
            meta = serving.RealtimeEndpoints(ws).meta(name)
        except Exception as exc:
            self.message.value = _error_html(_message(exc))
            return False
        self.name, self.record, self.api_keys = name, record, keys
        self.disarm_delete()
        self.example = self._scored_example(meta.get("example_request"))
        self.last_response = None
        self.message.value = ""
        names = list(self.choose.options)
        self._set_choices(names if name in names else sorted([*names, name]), name)
        self.base_url, self.absolute = server_base_url()
        self.scoring_url = f"{self.base_url}designer/endpoints/{name}/score"
        self.swagger_url = f"{self.base_url}designer/endpoints/{name}/swagger.json"
        snippet_base = self.base_url if self.absolute else SNIPPET_SERVER + self.base_url.lstrip("/")
        self.snippets = serving.endpoint_snippets(name, snippet_base, workspace=ws)
        self.body.children = [self._details(meta), self._url_box(), self._keys_box(),
                              self._test_box(), self._consume_box(), self._rollout_box(ws, name)]
        return True

    def _rollout_box(self, ws, name: str) -> W.VBox:
        """Deployments (traffic split, promotion, mirror, logging) and the drift report."""
        from .drift import DeploymentsBox, DriftPanel

        self.deployments = DeploymentsBox(ws, name)
        self.drift = DriftPanel(ws, name)
        return W.VBox([self._section("Deployments"), self.deployments,
                       self._section("Monitoring"), self.drift])

    # -- deleting -----------------------------------------------------------------------------
    def _delete_clicked(self) -> None:
        if self.delete_armed:
            self.delete()
        else:
            self.arm_delete()

    def arm_delete(self) -> None:
        """The first click on Delete: ask to confirm (a deleted endpoint cannot come back)."""
        if self.name is None:
            return
        self.delete_armed = True
        self.delete_button.description = "Confirm delete"
        self.delete_button.button_style = "danger"
        self.delete_button.tooltip = f"Delete {self.name!r} and all its versions now"
        self.delete_cancel.layout.display = None
        self.message.value = _error_html(
            f"Delete real-time endpoint {self.name!r} and all its versions? Requests to it are "
            "refused from then on and this cannot be undone: press 'Confirm delete', or 'Keep it'.")

    def disarm_delete(self) -> None:
        was_armed = self.delete_armed
        self.delete_armed = False
        self.delete_button.description = "Delete"
        self.delete_button.button_style = ""
        self.delete_button.tooltip = "Delete this real-time endpoint (asks to confirm)"
        self.delete_button.disabled = self.name is None
        self.delete_cancel.layout.display = "none"
        if was_armed:
            self.message.value = ""

    def delete(self, name: str | None = None) -> bool:
        """Delete real-time endpoint ``name`` (default: the one shown) with all its versions and
        keys, then list the remaining ones; ``False`` (and a message) when it cannot."""
        from jupyter_designer import serving

        name = self.name if name is None else name
        if not name:
            self._say("Choose the endpoint to delete.", error=True)
            return False
        self.disarm_delete()
        try:
            serving.delete_endpoint(self.workspace, name)
        except Exception as exc:
            if isinstance(exc, serving.EndpointNotFoundError):
                self.refresh()  # deleted elsewhere: list what is left
            self._say(f"Endpoint {name!r} was not deleted: {_message(exc)}", error=True)
            return False
        if name == self.name:
            self.name = self.record = None
            self.api_keys = {}
        self.refresh()
        self._say(f"Deleted real-time endpoint {name!r}: it no longer answers scoring requests.")
        return True

    def _details(self, meta: dict) -> W.HTML:
        r = self.record
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.get("updated") or r.get("created") or 0))
        current = next((v for v in r.get("versions", []) if v["version"] == r.get("version")), {})
        source = current.get("source_run") or "a draft"
        fast = meta.get("fast_path") or current.get("fast_path") or ""
        desc = f"<br>{esc(r['description'])}" if r.get("description") else ""
        scoring = f" \u00b7 scoring: {esc(fast)}" if fast else ""
        return W.HTML(
            f'<div class="jd-endpoint-details"><b>{esc(r["name"])}</b> \u00b7 version '
            f'{esc(r.get("version"))} \u00b7 <span class="jd-endpoint-state">{esc(r.get("state", ""))}'
            f'</span> \u00b7 updated {esc(when)}<br><small>{esc(current.get("pipeline_name", ""))} '
            f"(from {esc(source)}){scoring}</small>{desc}</div>")

    def _section(self, title: str) -> W.HTML:
        h = W.HTML(esc(title))
        h.add_class("jd-endpoint-section")
        return h

    def _url_box(self) -> W.VBox:
        note = "" if self.absolute else (
            '<div class="jd-endpoint-note">The path on your Jupyter server: put the server\'s '
            "address in front of it (set JUPYTER_SERVER_URL in the kernel's environment to see "
            f"the full URL). The snippets below assume {esc(SNIPPET_SERVER)}.</div>")
        self.url = W.HTML(f'<div class="jd-endpoint-url">Scoring URL: <code>{esc(self.scoring_url)}</code>'
                          f'<br><small>OpenAPI (swagger): <code>{esc(self.swagger_url)}</code></small>'
                          f"{note}</div>")
        self.url_copy = CopyButton(self.scoring_url, tooltip="Copy the scoring URL",
                                   on_copied=lambda: self._say("Copied the scoring URL."))
        return W.VBox([self._section("Consume"), W.HBox([self.url, self.url_copy],
                                                        layout=W.Layout(align_items="center"))])

    def _keys_box(self) -> W.VBox:
        self.key_values: dict[str, W.HTML] = {}
        self.key_show: dict[str, W.ToggleButton] = {}
        self.key_copy: dict[str, CopyButton] = {}
        self.key_regenerate: dict[str, W.Button] = {}
        rows = [self._section("Authentication: send 'Authorization: Bearer <key>'")]
        for which, field, label in KEYS:
            value = W.HTML()
            value.add_class("jd-key-value")
            show = W.ToggleButton(value=False, description="Show", icon="eye",
                                  tooltip=f"Show the {label.lower()}", layout=W.Layout(width="auto"))
            show.add_class("jd-key-show")
            show.observe(lambda _c, w=which: self._render_key(w), "value")
            copy = CopyButton(self.api_keys[field], secret=True, tooltip=f"Copy the {label.lower()}",
                              on_copied=lambda lab=label: self._say(f"Copied the {lab.lower()}."))
            regen = _button("Regenerate", "refresh", "jd-key-regenerate",
                            lambda w=which: self.regenerate(w),
                            tooltip=f"Make a new {label.lower()}; the current one stops working")
            self.key_values[which], self.key_show[which] = value, show
            self.key_copy[which], self.key_regenerate[which] = copy, regen
            self._render_key(which)
            row = W.HBox([W.HTML(f"{esc(label)}:", layout=W.Layout(width="100px")), value, show, copy,
                          regen], layout=W.Layout(align_items="center"))
            row.add_class(f"jd-key-{which}")
            rows.append(row)
        return W.VBox(rows)

    def _render_key(self, which: str) -> None:
        field = dict((w, f) for w, f, _ in KEYS)[which]
        shown = self.key_show[which].value
        self.key_show[which].description = "Hide" if shown else "Show"
        self.key_show[which].icon = "eye-slash" if shown else "eye"
        self.key_values[which].value = f"<code>{esc(self.api_keys[field]) if shown else MASK}</code>"

    def regenerate(self, which: str = "primary") -> str | None:
        """A new primary or secondary key for the endpoint; returns it."""
        from jupyter_designer import serving

        try:
            self.api_keys = serving.regenerate_key(self.workspace, self.name, which)
            self.record = serving.get_endpoint(self.workspace, self.name)  # its time of change
        except Exception as exc:
            self._say(f"The {which} key was not regenerated: {_message(exc)}", error=True)
            return None
        field = dict((w, f) for w, f, _ in KEYS)[which]
        self.key_copy[which].text = self.api_keys[field]
        self._render_key(which)
        self._say(f"Regenerated the {which} key of {self.name!r}: requests with the old one are "
                  "refused from now on.")
        return self.api_keys[field]

    def _test_box(self) -> W.VBox:
        self.request = W.Textarea(value=json.dumps(self.example, indent=2), rows=12,
                                  layout=W.Layout(width="100%"))
        self.request.add_class("jd-endpoint-request")
        self.test_button = _button("Test", "play", "jd-endpoint-test-run", self.test, style="primary",
                                   tooltip="Score the request with the deployed pipeline, in this kernel")
        self.example_button = _button("Example request", "undo", "jd-endpoint-example", self.reset_example,
                                      tooltip="Put back the example request (a training row the pipeline scores)")
        self.response = W.HTML("<i>Press Test to score the request.</i>")
        self.response.add_class("jd-endpoint-response")
        box = W.VBox([self._section("Test"), W.HTML(
            '<div class="jd-endpoint-note">A request in the reference format, prefilled with an '
            "example row: the first training row the pipeline scores. Change the values and press "
            "Test.</div>"), self.request, W.HBox([self.test_button, self.example_button]),
            self.response])
        box.add_class("jd-endpoint-test")
        return box

    def _compiled(self):
        """The endpoint's compiled pipeline, as this kernel scores it (loaded once)."""
        from jupyter_designer.serving import _host

        host = _host(self.workspace)
        return host.compiled(host.lookup(self.name))

    def _scored_example(self, example: dict | None) -> dict:
        """The deployed example request if the pipeline scores it; otherwise one built from
        the first kept training row that it scores (a row with a value that a cleaning step
        removes would get no prediction)."""
        from jupyter_designer.serving.examples import _answers, scored_example

        example = example or {"Inputs": {}, "GlobalParameters": {}}
        try:
            compiled = self._compiled()
            if example.get("Inputs") and _answers(compiled, example):
                return example
            return scored_example(compiled)
        except Exception:
            return example

    def _rows_note(self, request: dict, response: dict) -> str:
        """'' when every row sent got an answer; otherwise how many did not and which step of
        the pipeline removed them."""
        sent = 0
        for rows in (request.get("Inputs") or {}).values():
            if isinstance(rows, list):
                sent = max(sent, len(rows))
            elif isinstance(rows, dict) and isinstance(rows.get("Values"), list):
                sent = max(sent, len(rows["Values"]))
        results = response.get("Results") or {}
        got = min((len(v) for v in results.values() if isinstance(v, list)), default=sent)
        if got >= sent:
            return ""
        missing = sent - got
        why = []
        for rows in (response.get("RemovedRows") or {}).values():
            for r in rows or []:
                why.append(f"row {r.get('row')}: {r.get('reason', 'removed')}")
        if not why:
            try:
                from jupyter_designer.serving.examples import rows_removed_by

                why = [f"{s['node']} removed {s['rows_in'] - s['rows_out']} of its {s['rows_in']} "
                       f"row{'s' if s['rows_in'] != 1 else ''}"
                       for s in rows_removed_by(self._compiled(), request)]
            except Exception:
                why = []
        cause = ("; ".join(why) + ".") if why else "a step of the pipeline removed them."
        return (f"{missing} of the {sent} row{'s' if sent != 1 else ''} sent got no prediction: "
                f"{cause} Rows with a missing value in a column that Clean Missing Data cleans "
                "with 'Remove entire row' are dropped: send a value for each such column, or "
                "press 'Example request' for a row the pipeline scores.")

    def reset_example(self) -> None:
        self.request.value = json.dumps(self.example, indent=2)

    def test(self, request=None) -> dict | None:
        """Score ``request`` (default: the Test form's text) in this kernel; shows and returns
        the response, or shows what is wrong and returns ``None``."""
        from jupyter_designer import serving

        if request is None:
            try:
                request = json.loads(self.request.value)
            except ValueError as exc:
                return self._test_failed(f"The request is not valid JSON ({exc}). Fix it, or press "
                                         "'Example request' to start again.")
        t0 = time.perf_counter()
        try:
            response = serving.score(self.workspace, self.name, request)
        except Exception as exc:
            return self._test_failed(_message(exc), getattr(exc, "status", None))
        ms = (time.perf_counter() - t0) * 1000
        self.last_response = response
        rows = sum(len(v) for v in (response.get("Results") or {}).values() if isinstance(v, list))
        body = esc(json.dumps(response, indent=2, default=str))
        note = self._rows_note(request, response)
        self.response.value = (f'<span class="jd-status-ok">200 OK: {rows} row{"s" if rows != 1 else ""} '
                               f"scored in {ms:.1f} ms</span>"
                               + (f'<div class="jd-param-error jd-endpoint-rows-note">{esc(note)}</div>'
                                  if note else "")
                               + f'<pre class="jd-log jd-endpoint-result">{body}</pre>')
        if note and self._on_status is not None:
            self._on_status(f"Test of {self.name!r}: {note}", error=True)
        return response

    def _test_failed(self, text: str, status: int | None = None) -> None:
        self.last_response = None
        self.response.value = (f'<b class="jd-param-error">{status} {esc(_REASONS.get(status, ""))}</b><br>'
                               if status else "") + _error_html(text)
        if self._on_status is not None:
            self._on_status(f"Test of {self.name!r} failed: {text}", error=True)
        return None

    def _consume_box(self) -> W.VBox:
        self.snippet_views: dict[str, W.HTML] = {}
        self.snippet_copy: dict[str, CopyButton] = {}
        rows = [self._section("Code")]
        for kind, label in (("curl", "curl"), ("python", "Python")):
            view = W.HTML(f'<pre class="jd-snippet jd-snippet-{kind}">{esc(self.snippets[kind])}</pre>',
                          layout=W.Layout(width="100%"))
            copy = CopyButton(self.snippets[kind], tooltip=f"Copy the {label} snippet",
                              on_copied=lambda lab=label: self._say(f"Copied the {lab} snippet."))
            self.snippet_views[kind], self.snippet_copy[kind] = view, copy
            rows += [W.HBox([W.HTML(f"<b>{esc(label)}</b>"), copy], layout=W.Layout(align_items="center")),
                     view]
        rows.append(W.HTML('<div class="jd-endpoint-note">Replace &lt;primary-or-secondary-key&gt; '
                           "with a key from above.</div>"))
        return W.VBox(rows)

__all__ = ["EndpointPanel", "CopyButton", "server_base_url", "endpoint_name_from",
           "pipeline_endpoint_name_from", "MASK", "KEYS", "SNIPPET_SERVER"]
