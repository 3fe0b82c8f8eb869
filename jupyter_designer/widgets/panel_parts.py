"""Small parts the designer's panels share: a toolbar-style button, an error line, and the
message of an error as a user reads it."""

from __future__ import annotations

import ipywidgets as W

from .charts import esc


def button(label: str, icon: str, cls: str, callback, *, tooltip: str = "", style: str = "") -> W.Button:
    b = W.Button(description=label, icon=icon, tooltip=tooltip or label, button_style=style,
                 layout=W.Layout(width="auto"))
    b.add_class("jd-btn")
    b.add_class(cls)
    b.on_click(lambda _b: callback())
    return b


def error_html(text) -> str:
    return f'<span class="jd-param-error" style="white-space: pre-wrap">{esc(text)}</span>'


def message(exc: BaseException) -> str:
    """What an error says to a designer user (never a traceback)."""
    from jupyter_designer.engine.errors import DesignerError

    if isinstance(exc, DesignerError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
