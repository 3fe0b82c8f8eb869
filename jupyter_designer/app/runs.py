"""Submit a run; a run's summary."""

from __future__ import annotations

from pathlib import Path

from jupyter_designer.catalog import load_sample, open_pipeline
from jupyter_designer.engine.pipeline import Pipeline

from ._checks import exactly_one, flag, optional_dict, text

#: where the pipeline of a REST run request comes from
RUN_SOURCES = ('"pipeline" (a pipeline document), "draft" (a saved draft\'s name) or "sample" '
               '(a sample pipeline\'s name)')


def as_pipeline(ws, source) -> Pipeline:
    """A pipeline from an object, a pipeline document (dict), a file path, a saved draft's name
    or a sample's name."""
    if isinstance(source, Pipeline):
        if source.workspace is None:
            source.workspace = ws
        return source
    if isinstance(source, dict):
        return Pipeline.from_dict(source, source="pipeline document", workspace=ws)
    if isinstance(source, (str, Path)):
        p = open_pipeline(source, workspace=ws)
        if p.workspace is None:
            p.workspace = ws
        return p
    from jupyter_designer.serving.errors import RequestError

    raise RequestError("Give the pipeline as a Pipeline, a pipeline document, a file path, a "
                       f"saved draft's name or a sample's name. Got {type(source).__name__}.")


def submit_run(ws, pipeline, *, experiment: str = "Default", parameters: dict | None = None,
               runner=None, **options):
    """Run ``pipeline`` (see :func:`as_pipeline`) in experiment ``experiment`` with pipeline
    parameter values; returns the runner's handle. ``runner`` is a front end's own
    :class:`~jupyter_designer.engine.runner.Runner` (a canvas keeps one), else a new one;
    ``options`` are the runner's (``regenerate``, ``up_to``, ``only``, ``compute``,
    ``on_event``, ``background``, ``stop_on_failure``)."""
    from jupyter_designer.engine.runner import Runner

    experiment = text(experiment, "The experiment name", default="Default", required=True)
    parameters = optional_dict(parameters, "The pipeline parameter values")
    p = as_pipeline(ws, pipeline)
    return (runner or Runner(ws)).submit(p, experiment=experiment, parameters=parameters, **options)


def pipeline_from_request(ws, doc: dict) -> Pipeline:
    """The pipeline a REST run request names: exactly one of ``pipeline``, ``draft``,
    ``sample``."""
    kind = exactly_one({k: doc.get(k) for k in ("pipeline", "draft", "sample")}, RUN_SOURCES)
    if kind == "pipeline":
        if not isinstance(doc["pipeline"], dict):
            from jupyter_designer.serving.errors import RequestError

            raise RequestError("\"pipeline\" must be a pipeline document (an object).")
        return Pipeline.from_dict(doc["pipeline"], source="request body", workspace=ws)
    if kind == "draft":
        return Pipeline.from_dict(ws.load_draft(str(doc["draft"])),
                                  source=f"draft {doc['draft']!r}", workspace=ws)
    return load_sample(str(doc["sample"]), workspace=ws)


def submit_run_request(ws, doc: dict):
    """A run from a REST body ``{"pipeline" | "draft" | "sample", "parameters",
    "experiment" (or "ExperimentName"), "regenerate"}``, in the background."""
    p = pipeline_from_request(ws, doc)
    for key in ("experiment", "ExperimentName"):
        text(doc.get(key), f"\"{key}\"")
    experiment = doc.get("experiment") or doc.get("ExperimentName") or "Default"
    return submit_run(ws, p, experiment=experiment,
                      parameters=optional_dict(doc.get("parameters"), "\"parameters\""),
                      regenerate=flag(doc.get("regenerate"), "\"regenerate\"", False),
                      background=True)


def run_summary(rec, *, snapshot: bool = False) -> dict:
    """A run record as the REST APIs answer it: everything but the node logs (which have a
    route of their own)."""
    d = rec.as_dict(snapshot=snapshot)
    for n in d["nodes"].values():
        n.pop("log", None)
    return d
