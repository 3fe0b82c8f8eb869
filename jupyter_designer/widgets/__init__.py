"""Jupyter widgets of the designer: the canvas and the Designer around it.

The canvas is an ``anywidget`` whose front end bundles cytoscape.js and
cytoscape-edgehandles (built from ``labextension/src/canvas`` into ``static/canvas.js``);
see :mod:`jupyter_designer.widgets.canvas` for why and for the message protocol.

Importing this package is cheap: the widgets load on first use.
"""

from __future__ import annotations

__all__ = ["Designer", "Canvas", "Palette", "PropertiesPanel", "OutputViews", "RunsPanel",
           "EndpointPanel"]

_WHERE = {"Designer": "designer", "RunsPanel": "designer", "Canvas": "canvas",
          "Palette": "palette", "PropertiesPanel": "properties", "OutputViews": "outputs",
          "EndpointPanel": "endpoints"}


def __getattr__(name):
    if name in _WHERE:
        from importlib import import_module
        value = getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
