"""From a training run to production, in the designer: the toolbar's "Create inference
pipeline", "Publish" and "Deploy" actions, and the endpoint panel (Endpoints tab).

The endpoint panel shows a deployed real-time endpoint as the reference product's
endpoint page does: its scoring URL, its primary and secondary keys (masked, with show,
copy and regenerate), a Test form that scores a request in this kernel, and copyable
curl / Python snippets. Everything goes through :mod:`jupyter_designer.serving`.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import anywidget
import ipywidgets as W
import traitlets

from jupyter_designer import app

from .charts import esc

#: the Jupyter server's address when it is not known from the kernel's environment
SNIPPET_SERVER = "http://localhost:8888/"
MASK = "\u2022" * 16
KEYS = (("primary", "primaryKey", "Primary key"), ("secondary", "secondaryKey", "Secondary key"))

_COPY_ESM = """
function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  try { document.execCommand("copy"); } finally { area.remove(); }
  return Promise.resolve();
}
export default {
  render({ model, el }) {
    const button = document.createElement("button");
    button.className = "jupyter-widgets jupyter-button jd-btn jd-copy-button";
    const label = () => {
      button.textContent = model.get("description");
      button.title = model.get("tooltip");
    };
    label();
    model.on("change:description", label);
    model.on("change:tooltip", label);
    const copy = (text) => {
      copyText(text).then(() => {
        button.textContent = "Copied";
        model.send({ type: "copied" });
      }, () => { button.textContent = "Select and copy by hand"; });
      setTimeout(label, 1500);
    };
    // a secret (an API key) is not kept in the widget state: asked for on each click
    model.on("msg:custom", (msg) => { if (msg && msg.type === "text") copy(msg.text); });
    button.addEventListener("click", () => {
      if (model.get("secret")) model.send({ type: "request" });
      else copy(model.get("shared_text"));
    });
    el.appendChild(button);
  },
};
"""

_CSS = """
.jd-endpoint-panel pre.jd-snippet { font-family: Menlo, Consolas, monospace; font-size: 12px;
  white-space: pre-wrap; word-break: break-all; background: #faf9f8; padding: 6px; margin: 2px 0;
  max-height: 260px; overflow: auto; user-select: all; }
.jd-endpoint-panel .jd-key-value code, .jd-endpoint-url code { user-select: all; }
.jd-endpoint-panel .jd-endpoint-section { font-weight: 600; margin-top: 8px; }
.jd-endpoint-note { color: #605e5c; font-size: 11px; }
.jd-copy-button { height: 28px; width: auto; padding: 0 10px; margin: 0 2px; }
.jd-endpoint-test textarea { font-family: Menlo, Consolas, monospace; font-size: 12px; }
"""


class CopyButton(anywidget.AnyWidget):
    """A button that copies ``text`` to the clipboard of the browser showing it.

    With ``secret=True`` the text stays in the kernel (not in the widget state that a notebook
    saved with its widget state would keep): each click asks for it in a one-off message.
    """

    _esm = _COPY_ESM
    _css = _CSS
    description = traitlets.Unicode("Copy").tag(sync=True)
    tooltip = traitlets.Unicode("Copy to the clipboard").tag(sync=True)
    secret = traitlets.Bool(False).tag(sync=True)
    #: what the browser copies without asking (empty for a secret)
    shared_text = traitlets.Unicode("").tag(sync=True)

    def __init__(self, text: str = "", *, secret: bool = False, on_copied=None, **kw):
        kw.setdefault("layout", W.Layout(width="auto"))
        super().__init__(secret=secret, **kw)
        self._text = ""
        self.text = text
        self._on_copied = on_copied
        self.on_msg(self._on_view_message)

    @property
    def text(self) -> str:
        return self._text

    @text.setter
    def text(self, value: str) -> None:
        self._text = str(value or "")
        self.shared_text = "" if self.secret else self._text

    def _on_view_message(self, _widget, msg, _buffers) -> None:
        if not isinstance(msg, dict):
            return
        if msg.get("type") == "request" and self.secret:
            self.send({"type": "text", "text": self._text})
        elif msg.get("type") == "copied" and self._on_copied is not None:
            self._on_copied()


# -- where the Jupyter server answers ------------------------------------------------------------
def server_base_url(environ=None) -> tuple[str, bool]:
    """The Jupyter server's URL (ending in ``/``) as seen from this kernel, and whether it is
    a full URL (``False``: only the path on the server is known).

    ``$JUPYTER_SERVER_URL`` wins; else the server that started this kernel (its
    ``jpserver-<pid>.json`` in the Jupyter runtime folder, found from ``$JPY_PARENT_PID``);
    else JupyterHub's ``$JUPYTERHUB_SERVICE_PREFIX``; else the server's root ``/``.
    """
    env = os.environ if environ is None else environ
    url = env.get("JUPYTER_SERVER_URL", "").strip()
    if url:
        return url.rstrip("/") + "/", True
    pid = env.get("JPY_PARENT_PID", "").strip()
    if pid.isdigit():
        try:
            from jupyter_core.paths import jupyter_runtime_dir

            info = json.loads((Path(jupyter_runtime_dir()) / f"jpserver-{pid}.json").read_text("utf-8"))
            if str(info.get("url", "")).startswith(("http://", "https://")):
                return info["url"].rstrip("/") + "/", True
        except (OSError, ValueError, ImportError):
            pass
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX", "").strip() or "/"
    return "/" + prefix.strip("/") + ("/" if prefix.strip("/") else ""), False


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


def _button(label: str, icon: str, cls: str, callback, *, tooltip: str = "", style: str = "") -> W.Button:
    b = W.Button(description=label, icon=icon, tooltip=tooltip or label, button_style=style,
                 layout=W.Layout(width="auto"))
    b.add_class("jd-btn")
    b.add_class(cls)
    b.on_click(lambda _b: callback())
    return b


_REASONS = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 500: "Internal Server Error",
            503: "Service Unavailable"}


def _error_html(text) -> str:
    return f'<span class="jd-param-error" style="white-space: pre-wrap">{esc(text)}</span>'


def _message(exc: BaseException) -> str:
    """What an error says to a designer user (never a traceback)."""
    from jupyter_designer.engine.errors import DesignerError

    if isinstance(exc, DesignerError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


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
                              self._test_box(), self._consume_box()]
        return True

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


# -- the toolbar actions ---------------------------------------------------------------------
class ServingActions:
    """The designer's "Create inference pipeline", "Publish" and "Deploy" actions: their
    buttons' state, their small forms (under the toolbar) and what they do."""

    def __init__(self, designer):
        self.designer = designer
        self.form = W.HBox(layout=W.Layout(display="none", flex_flow="row wrap", align_items="center",
                                           margin="2px 0"))
        self.form.add_class("jd-serving-form")
        self.fields: dict[str, W.Widget] = {}
        self.opened: str | None = None
        self.submit_button: W.Button | None = None
        self.panel = EndpointPanel(lambda: designer.workspace, on_status=designer.set_status)

    # -- state ---------------------------------------------------------------------------------
    def completed_run(self) -> str | None:
        """The run the designer shows, when it completed."""
        d = self.designer
        if not d.run_id or d.running or d.run_state.get("status") != "completed":
            return None
        return d.run_id

    def is_realtime(self) -> bool:
        from jupyter_designer.engine.inference import is_realtime

        return is_realtime(self.designer.pipeline)

    def update_buttons(self) -> None:
        d = self.designer
        b = d.buttons
        running = d.running
        realtime = self.is_realtime()
        run = self.completed_run()
        b["create-inference"].disabled = running or realtime or run is None
        b["create-inference"].tooltip = (
            f"Create a real-time or batch inference pipeline from run {run}" if not b["create-inference"].disabled
            else "Submit the training pipeline; once its run completes, create its inference pipeline here")
        has_components = any(n.kind == "component" for n in d.pipeline.nodes.values())
        b["publish"].disabled = running or not has_components
        b["publish"].tooltip = ("Publish this pipeline as a new version of a pipeline endpoint"
                                if has_components else "Add components to the pipeline to publish it")
        b["deploy"].disabled = running or not realtime
        b["deploy"].tooltip = (
            "Deploy this real-time inference pipeline as a real-time endpoint" if realtime else
            "Deploy needs a real-time inference pipeline: create one from a completed training run")

    # -- forms ----------------------------------------------------------------------------------
    def open(self, action: str) -> None:
        """Show the form of a toolbar action under the toolbar (the same action closes it)."""
        if self.opened == action:
            return self.close()
        if self.designer.buttons[action].disabled:
            self.designer.set_status(self.designer.buttons[action].tooltip + ".", error=True)
            return None
        build = {"create-inference": self._inference_form, "publish": self._publish_form,
                 "deploy": self._deploy_form}[action]
        self.fields = {}
        self.submit_button = None
        kids = build()
        close = _button("", "times", "jd-form-close", self.close, tooltip="Close")
        close.layout.width = "36px"
        self.form.children = [*kids, close]
        self.form.layout.display = None
        self.opened = action
        for a in ("create-inference", "publish", "deploy"):
            self.form.remove_class(f"jd-form-{a}")
        self.form.add_class(f"jd-form-{action}")
        return None

    def close(self) -> None:
        self.form.children = []
        self.form.layout.display = "none"
        self.opened = None

    def _text(self, key: str, label: str, value: str = "", *, options=None, width: str = "300px",
              placeholder: str = "") -> W.Widget:
        kw = dict(value=value, description=label, placeholder=placeholder, continuous_update=True,
                  layout=W.Layout(width=width), style={"description_width": "initial"})
        w = W.Combobox(options=list(options), ensure_option=False, **kw) if options is not None else W.Text(**kw)
        w.add_class(f"jd-field-{key}")
        self.fields[key] = w
        return w

    def _submit(self, label: str, icon: str, action: str, callback) -> W.Button:
        self.submit_button = _button(label, icon, f"jd-form-{action}-submit", callback, style="primary")
        return self.submit_button

    def _inference_form(self) -> list:
        run = self.completed_run()
        return [W.HTML(f"From run <b>{esc(run)}</b>:&nbsp;"),
                _button("Real-time inference pipeline", "bolt", "jd-create-realtime",
                        lambda: self.create_inference("realtime"),
                        tooltip="Web Service Input and Output: answers scoring requests once deployed"),
                _button("Batch inference pipeline", "database", "jd-create-batch",
                        lambda: self.create_inference("batch"),
                        tooltip="Scores a whole dataset, given as the pipeline parameter input_data")]

    def _existing(self, kind: str) -> list[str]:
        """The names of the workspace's pipeline (``"pipeline"``) or real-time endpoints."""
        from jupyter_designer import serving

        lister = serving.list_pipeline_endpoints if kind == "pipeline" else serving.list_endpoints
        try:
            return [e["name"] for e in lister(self.designer.workspace)]
        except Exception:  # an unreadable endpoint folder must not keep the form from opening
            return []

    def _publish_form(self) -> list:
        d = self.designer
        existing = self._existing("pipeline")
        what = f"run {d.run_id}" if self._publishes_run() else "this draft"
        return [W.HTML(f"Publish {esc(what)} to&nbsp;"),
                self._text("endpoint", "Pipeline endpoint", pipeline_endpoint_name_from(d.pipeline.name),
                           options=existing, placeholder="new or existing endpoint"),
                self._text("description", "Description", "", width="260px"),
                self._check("set_default", "Set as default version"),
                self._submit("Publish", "upload", "publish", self._publish_clicked)]

    def _check(self, key: str, label: str) -> W.Checkbox:
        w = W.Checkbox(value=False, description=label, indent=False, layout=W.Layout(width="auto"))
        w.add_class(f"jd-field-{key}")
        self.fields[key] = w
        return w

    def _deploy_form(self) -> list:
        d = self.designer
        existing = self._existing("realtime")
        return [self._text("name", "Endpoint name", endpoint_name_from(d.pipeline.name), options=existing,
                           width="320px", placeholder="lowercase letters, digits and hyphens"),
                self._text("description", "Description", "", width="260px"),
                self._check("replace", "Replace it with a new version if it exists"),
                self._submit("Deploy", "cloud-upload", "deploy", self._deploy_clicked)]

    def _publish_clicked(self) -> None:
        f = self.fields
        self.publish(f["endpoint"].value.strip(), description=f["description"].value,
                     set_default=f["set_default"].value)

    def _deploy_clicked(self) -> None:
        f = self.fields
        self.deploy(f["name"].value.strip(), description=f["description"].value or None,
                    replace=f["replace"].value)

    # -- what the actions do -----------------------------------------------------------------------
    def create_inference(self, kind: str = "realtime"):
        """Create a real-time or batch inference pipeline from the designer's completed run and
        open it as the designer's draft; returns it (``None`` and a message when it cannot)."""
        from jupyter_designer.engine.inference import create_batch_inference, create_realtime_inference

        d = self.designer
        run = self.completed_run()
        if run is None:
            what = "still running" if d.running else (d.run_state.get("status") or "not run yet")
            d.set_status(f"No completed training run to create an inference pipeline from (this "
                         f"pipeline is {what}): submit it and wait for the run to complete.", error=True)
            return None
        if self.is_realtime():
            d.set_status(f"{d.pipeline.name!r} is a real-time inference pipeline already: deploy it, "
                         "or open a training run to create another one.", error=True)
            return None
        make = {"realtime": create_realtime_inference, "batch": create_batch_inference}.get(kind)
        if make is None:
            d.set_status(f"The kind of inference pipeline must be 'realtime' or 'batch'. Got {kind!r} "
                         "instead.", error=True)
            return None
        try:
            new = make(d.workspace, run)
        except Exception as exc:
            d.set_status(f"No inference pipeline created: {_message(exc)}", error=True)
            return None
        self.close()
        then = ("check it, then Deploy it (or submit it first to test it)" if kind == "realtime"
                else "submit it to score its input_data, or Publish it to a pipeline endpoint")
        d.open_draft(new, f"Created {new.name!r} from run {run}: {then}.")
        return new

    def _publishes_run(self) -> bool:
        d = self.designer
        return bool(d.readonly and d.run_id)

    def publish(self, endpoint: str, *, description: str = "", set_default: bool = False) -> dict | None:
        """Publish the draft (or the run a run view shows) as a new version of pipeline endpoint
        ``endpoint`` (created when missing); returns the version's record."""
        from jupyter_designer import serving

        d = self.designer
        if not endpoint:
            d.set_status("Name the pipeline endpoint to publish to.", error=True)
            return None
        if not self._publishes_run():
            issues = d.validate()  # marks the nodes with problems on the canvas
            if issues:
                more = f" (and {len(issues) - 3} more)" if len(issues) > 3 else ""
                d.set_status("Not published: fix the pipeline first: "
                             + "; ".join(str(i) for i in issues[:3]) + more, error=True)
                return None
        source = d.run_id if self._publishes_run() else d.pipeline
        try:
            version = app.publish(d.workspace, endpoint, source, description=description,
                                  set_default=bool(set_default))
            rec = serving.PipelineEndpoints(d.workspace).get(endpoint)
        except Exception as exc:
            d.set_status(f"Not published: {_message(exc)}", error=True)
            return None
        self.close()
        default = rec.get("default_version")
        is_default = "the default" if default == version["version"] else f"default: version {default}"
        d.set_status(f"Published {version['pipeline_name']!r} as version {version['version']} of "
                     f"pipeline endpoint {endpoint!r} ({is_default}).")
        self.last_published = version
        return version

    def deploy(self, name: str, *, description: str | None = None, replace: bool = False) -> dict | None:
        """Deploy the real-time inference pipeline (the draft, or the run a run view shows) as
        real-time endpoint ``name`` and show it in the Endpoints tab; returns its record."""
        from jupyter_designer import serving

        d = self.designer
        if not self.is_realtime():
            d.set_status(f"{d.pipeline.name!r} is not a real-time inference pipeline (it has no Web "
                         "Service Input and Output): create one from a completed training run with "
                         "'Create inference pipeline', then deploy that.", error=True)
            return None
        if not name:
            d.set_status("Name the endpoint to deploy.", error=True)
            return None
        source = {"run_id": d.run_id} if self._publishes_run() else {"pipeline": d.pipeline}
        try:
            if not replace and serving.RealtimeEndpoints(d.workspace).exists(name):
                d.set_status(f"A real-time endpoint {name!r} exists already: choose another name, or "
                             "tick 'Replace it with a new version' to deploy a new version of it.",
                             error=True)
                return None
            info = app.deploy(d.workspace, name, description=description, replace=replace, **source)
        except Exception as exc:
            d.set_status(f"Not deployed: {_message(exc)}", error=True)
            return None
        self.close()
        self.panel.refresh()
        self.panel.show(name)
        d.outputs.select("Endpoints")
        d.set_status(f"Deployed real-time endpoint {name!r} version {info['version']}: test it in the "
                     "Endpoints tab.")
        return info


__all__ = ["EndpointPanel", "ServingActions", "CopyButton", "server_base_url", "endpoint_name_from",
           "pipeline_endpoint_name_from"]
