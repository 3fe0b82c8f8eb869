"""The Python API: what the canvas does, in code (``jupyter_designer.submit``, ``load_sample``,
``component``, ...). A front end over :mod:`jupyter_designer.app` and
:mod:`jupyter_designer.catalog`."""

from __future__ import annotations

from .catalog import (SAMPLES_DIR, get_component, list_components, load_sample,  # noqa: F401
                      open_pipeline, sample_pipelines, workspace)


def submit(pipeline, experiment: str = "Default", parameters: dict | None = None, *, workspace=None,
           **kwargs):
    """Run a pipeline (object, file, draft or sample name) and return its run handle."""
    from .app import submit_run

    ws = workspace or globals()["workspace"]()
    return submit_run(ws, pipeline, experiment=experiment, parameters=parameters, **kwargs)


def export(source, format: str = "python", output=None, *, workspace=None,
           parameters: dict | None = None):
    """Write a run (its id) or a pipeline (object, file, draft or sample name) in ``format``
    (``python``: a standalone script; see :data:`jupyter_designer.export.FORMATS`) to
    ``output`` (default: the pipeline's name in the current folder). Returns what was written
    (``.path``, ``.files``)."""
    from .app.export import export as export_to

    ws = workspace or globals()["workspace"]()
    return export_to(ws, source, format=format, output=output, parameters=parameters)


def component(fn=None, *, workspace=None, save: bool = True, **kwargs):
    """Turn a typed Python function into a component and add it to the workspace's palette.

    See :func:`jupyter_designer.engine.component.user_component` for how type hints become
    ports and parameters. With ``save`` (default) the component is kept in the workspace
    (``workspace`` or the default one), so the Jupyter server, ``jupyter designer run`` and
    compute workers find it too.
    """
    from .engine.component import user_component
    from .store import user_components

    def deco(f):
        user_component(f, **kwargs)
        if save and not user_components.loading():
            ws = workspace if workspace is not None else globals()["workspace"]()
            ws.save_component(f)
        return f

    return deco(fn) if fn is not None else deco
