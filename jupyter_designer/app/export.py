"""Export a run or a pipeline to a file of another format (a Python script, ...)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from jupyter_designer.engine.errors import NotFoundError
from jupyter_designer.engine.pipeline import Pipeline

#: how run ids look (``20261204-202707-720829-c9a94f``)
_RUN_ID = re.compile(r"^\d{8}-\d{6}-\d{6}-[0-9a-f]{6}$")


def _source(ws, source):
    """``(pipeline, parameter values, description, run record)`` of a run id or a pipeline
    (object, document, file, draft or sample name)."""
    from .runs import as_pipeline

    if isinstance(source, str) and _RUN_ID.match(source.strip()):
        rec = ws.get_run(source.strip())  # names the run that does not exist
        p = Pipeline.from_dict(rec.snapshot, source=f"run {rec.id}", workspace=ws)
        return p, dict(rec.parameters or {}), f"run {rec.id} (experiment {rec.experiment!r})", rec
    if isinstance(source, str):
        try:
            rec = ws.get_run(source)
        except NotFoundError:
            rec = None
        if rec is not None:
            p = Pipeline.from_dict(rec.snapshot, source=f"run {rec.id}", workspace=ws)
            return p, dict(rec.parameters or {}), f"run {rec.id} (experiment {rec.experiment!r})", rec, rec
        try:
            p = as_pipeline(ws, source)
        except NotFoundError as exc:
            raise NotFoundError(f"There is no run, pipeline file, draft or sample named "
                                f"{source!r} to export. {exc}") from None
        return p, None, f"pipeline {p.name!r}", None
    p = as_pipeline(ws, source)
    return p, None, f"pipeline {p.name!r}", None


def default_export_path(pipeline_name: str, fmt: str, folder=None) -> Path:
    """``<folder>/<pipeline name as a file name><format's suffix>``."""
    from jupyter_designer.export import get_format

    stem = re.sub(r"[^A-Za-z0-9]+", "_", pipeline_name or "pipeline").strip("_").lower()
    return Path(folder or Path.cwd()) / f"{stem or 'pipeline'}{get_format(fmt).suffix}"


def export(ws, source, *, format: str = "python", output=None, folder=None,
           parameters: dict | None = None):
    """Write ``source`` (a run id, or a pipeline: object, document, file, draft or sample) in
    ``format`` to ``output`` (default: the pipeline's name in ``folder``, else the current
    folder; an ``output`` that is a folder, or ends with a slash, is taken as ``folder``);
    returns the :class:`~jupyter_designer.export.ExportResult`. A run is exported with the
    parameter values it ran with; a pipeline with ``parameters`` over its defaults."""
    from jupyter_designer.export import get_format

    fmt = get_format(format)
    pipeline, run_params, described, run = _source(ws, source)
    values = dict(run_params or {})
    values.update(parameters or {})
    if output is not None and (Path(output).is_dir() or str(output).endswith(("/", os.sep))):
        folder, output = Path(output), None
        folder.mkdir(parents=True, exist_ok=True)
    path = Path(output) if output else default_export_path(pipeline.name, fmt.name, folder)
    return fmt.write(pipeline, values, workspace=ws, source=described, output=path, run=run)
