"""Tracking runs in MLflow (:mod:`.mlflow_tracking`).

Importing this package adds the tracking observer to every run the runner starts; it logs a
run only when a tracking server is set (``MLFLOW_TRACKING_URI`` or the workspace's setting)."""

from __future__ import annotations

from jupyter_designer.engine.events import RUN_OBSERVERS


def _observer(ws, run_id):
    from .mlflow_tracking import run_observer

    return run_observer(ws, run_id)


if _observer not in RUN_OBSERVERS:
    RUN_OBSERVERS.append(_observer)
