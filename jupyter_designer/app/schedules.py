"""Schedules: run a pipeline endpoint or a saved draft on a cron expression or on each new
version of a registered dataset. Created, listed, paused, resumed and deleted here for every
front end; run by :mod:`jupyter_designer.scheduling` in server processes."""

from __future__ import annotations

from jupyter_designer.serving.errors import RequestError
from jupyter_designer.store.schedules import Schedules

from ._checks import known_fields, object_body, text

CREATE_FIELDS = ("name", "pipeline_endpoint", "draft", "version", "parameters", "experiment",
                 "cron", "dataset", "timezone")


def create_schedule(ws, name, *, pipeline_endpoint=None, draft=None, version=None,
                    parameters=None, experiment=None, cron=None, dataset=None,
                    timezone: str = "UTC") -> dict:
    """A new schedule (see :meth:`~jupyter_designer.store.schedules.Schedules.create`);
    parameter assignments are checked against the pipeline endpoint's parameters."""
    if pipeline_endpoint is not None and parameters:
        from jupyter_designer.serving import PipelineEndpoints

        PipelineEndpoints(ws).check_parameters(pipeline_endpoint, parameters,
                                               None if version is None else str(version))
    return Schedules(ws).create(name, pipeline_endpoint=pipeline_endpoint, draft=draft,
                                version=version, parameters=parameters, experiment=experiment,
                                cron=cron, dataset=dataset, timezone=timezone).as_dict()


def create_schedule_request(ws, doc) -> dict:
    """A schedule from a REST body ``{"name", "pipeline_endpoint" | "draft", "cron" |
    "dataset", "version", "parameters", "experiment", "timezone"}``."""
    doc = object_body(doc, '{"name": "nightly", "pipeline_endpoint": "retrain", '
                           '"cron": "0 2 * * *"}')
    known_fields(doc, CREATE_FIELDS, "a schedule")
    name = text(doc.get("name"), "The schedule's \"name\"", required=True)
    fields = {}
    for key in ("pipeline_endpoint", "draft", "cron", "dataset", "experiment"):
        if doc.get(key) is not None:
            fields[key] = text(doc[key], f"\"{key}\"", required=True)
    if doc.get("version") is not None:
        if not isinstance(doc["version"], (str, int)) or isinstance(doc["version"], bool):
            raise RequestError(f"\"version\" must be a version number. Got {doc['version']!r}.")
        fields["version"] = str(doc["version"])
    if doc.get("parameters") is not None:
        if not isinstance(doc["parameters"], dict):
            raise RequestError("\"parameters\" must be an object of name -> value.")
        fields["parameters"] = doc["parameters"]
    if doc.get("timezone") is not None:
        fields["timezone"] = text(doc["timezone"], "\"timezone\"", required=True)
    return create_schedule(ws, name, **fields)


def list_schedules(ws) -> list[dict]:
    return [s.as_dict() for s in Schedules(ws).list()]


def get_schedule(ws, name: str, *, ticks: int = 20) -> dict:
    """A schedule with its most recent fired ticks (run ids and triggers)."""
    store = Schedules(ws)
    out = store.get(name).as_dict()
    out["ticks"] = store.ticks(name, limit=ticks)
    return out


def pause_schedule(ws, name: str) -> dict:
    return Schedules(ws).pause(name).as_dict()


def resume_schedule(ws, name: str) -> dict:
    return Schedules(ws).resume(name).as_dict()


def delete_schedule(ws, name: str) -> None:
    Schedules(ws).delete(name)


def change_schedule_request(ws, name: str, doc) -> dict:
    """Pause or resume from a REST body ``{"state": "paused" | "active"}``."""
    doc = object_body(doc, '{"state": "paused"}')
    known_fields(doc, ("state",), "a schedule change")
    state = doc.get("state")
    if state == "paused":
        return pause_schedule(ws, name)
    if state == "active":
        return resume_schedule(ws, name)
    raise RequestError(f"\"state\" must be \"paused\" or \"active\". Got {state!r} instead.")


def describe_trigger(info: dict) -> str:
    trig = info["trigger"]
    if "cron" in trig:
        return f"cron {trig['cron']} ({trig.get('timezone', 'UTC')})"
    return f"each new version of dataset {trig['dataset']!r} (after version {trig['after_version']})"


def describe_target(info: dict) -> str:
    t = info["target"]
    if t["kind"] == "pipeline_endpoint":
        return f"pipeline endpoint {t['name']!r}" + (f" version {t['version']}" if t.get("version")
                                                     else " (default version)")
    return f"draft {t['name']!r}"
