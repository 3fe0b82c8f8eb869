"""What the Endpoints tab gives a client of a real-time endpoint: the Jupyter server's address
its curl / Python snippets use, and the button that copies a snippet or a key to the browser's
clipboard."""

from __future__ import annotations

import json
import os
from pathlib import Path

import anywidget
import ipywidgets as W
import traitlets

#: the Jupyter server's address when it is not known from the kernel's environment
SNIPPET_SERVER = "http://localhost:8888/"


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


__all__ = ["CopyButton", "server_base_url", "SNIPPET_SERVER"]
