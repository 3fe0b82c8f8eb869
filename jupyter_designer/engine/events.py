"""Run progress as events: the runner hands :class:`RunEvent` objects to subscribers (the
canvas, the CLI progress bar, the REST run-status handler) and never calls into UI code."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

NODE_STATUSES = ("not_started", "queued", "running", "completed", "reused", "failed",
                 "skipped", "interrupted")
FINISHED = ("completed", "reused", "failed", "skipped", "interrupted")
#: observers of every run: ``factory(workspace, run_id)`` gives an event callback for the new
#: run, or ``None`` (MLflow tracking adds one, see jupyter_designer.tracking)
RUN_OBSERVERS: list = []
#: modules adding such factories when imported, imported when the first run starts
OBSERVER_MODULES = ["jupyter_designer.tracking"]


@dataclass
class RunEvent:
    """One step of a run's progress. ``kind`` is ``run_started``, ``node_queued``,
    ``node_running``, ``node_completed``, ``node_reused``, ``node_failed``, ``node_skipped``,
    ``node_interrupted`` or ``run_finished``."""

    kind: str
    run_id: str
    node_id: str | None = None
    title: str | None = None
    status: str | None = None
    time: float = field(default_factory=time.time)
    duration: float | None = None
    error: str | None = None
    log: str | None = None
    done: int = 0
    total: int = 0
    target: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}
