"""jupyter-designer: a visual machine-learning designer inside Jupyter.

The Python API (everything the canvas does, in code)::

    import jupyter_designer as jd

    ws = jd.Workspace()                                  # ./.designer or $JUPYTER_DESIGNER_WORKSPACE
    p = jd.load_sample("Automobile price prediction (basic)")
    run = jd.submit(p, experiment="autos")               # runs on the kernel
    run.metrics                                          # Evaluate Model's metrics
    jd.Designer(p)                                       # the same pipeline on the canvas

Attributes are imported lazily so ``import jupyter_designer`` stays cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {
    "Workspace": ("jupyter_designer.store", "Workspace"),
    "Pipeline": ("jupyter_designer.engine.pipeline", "Pipeline"),
    "Runner": ("jupyter_designer.engine.runner", "Runner"),
    "RunEvent": ("jupyter_designer.engine.runner", "RunEvent"),
    "component": ("jupyter_designer.api", "component"),
    "REGISTRY": ("jupyter_designer.engine.component", "REGISTRY"),
    "DesignerError": ("jupyter_designer.engine.errors", "DesignerError"),
    "Designer": ("jupyter_designer.widgets", "Designer"),
    "workspace": ("jupyter_designer.api", "workspace"),
    "submit": ("jupyter_designer.api", "submit"),
    "load_sample": ("jupyter_designer.api", "load_sample"),
    "sample_pipelines": ("jupyter_designer.api", "sample_pipelines"),
    "list_components": ("jupyter_designer.api", "list_components"),
    "get_component": ("jupyter_designer.api", "get_component"),
    "open_pipeline": ("jupyter_designer.api", "open_pipeline"),
}

__all__ = sorted(_LAZY) + ["__version__", "load_ipython_extension"]


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        module, attr = _LAZY[name]
        value = getattr(import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'jupyter_designer' has no attribute {name!r}")


def __dir__():
    return __all__


def load_ipython_extension(ipython):
    """``%load_ext jupyter_designer``: registers ``%designer`` and ``%%designer``."""
    from .magics import load_ipython_extension as _load

    _load(ipython)


def _jupyter_server_extension_points():
    return [{"module": "jupyter_designer.server"}]

