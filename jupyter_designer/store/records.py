"""Read-only records the workspace hands out: datasets, drafts, runs, nodes, models, compute.

Times are POSIX timestamps (seconds, ``float``); ``as_dict()`` gives JSON-ready dicts for
the REST API and the canvas.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any

#: Statuses of a pipeline run.
RUN_STATUSES = ("running", "completed", "failed", "interrupted", "canceled")
#: Statuses a run ends in.
FINAL_RUN_STATUSES = ("completed", "failed", "interrupted", "canceled")
#: Statuses of a node within a run.
NODE_STATUSES = ("not_started", "queued", "running", "completed", "reused", "failed",
                 "skipped", "interrupted")
#: Kinds of compute target.
COMPUTE_KINDS = ("local", "local-processes", "dask")


@dataclass(frozen=True)
class DatasetInfo:
    """One version of a registered (or built-in sample) dataset."""

    name: str
    version: int
    rows: int
    columns: int
    schema: list            # [{"name": ..., "kind": ...(, "role": ...)}, ...]
    content_hash: str
    created: float
    description: str = ""
    tags: Any = field(default_factory=dict)
    sample: bool = False
    artifact_id: str | None = None
    source: str = ""
    lineage: dict = field(default_factory=dict)   # what this version came from (a run, ...)

    @property
    def column_names(self) -> list[str]:
        return [c["name"] for c in self.schema]

    def as_dict(self) -> dict:
        return copy.deepcopy(asdict(self))


@dataclass(frozen=True)
class DraftInfo:
    """The latest version of a saved pipeline draft."""

    name: str
    version: int
    versions: int
    created: float
    updated: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class NodeRecord:
    """What happened to one node in one run."""

    node_id: str
    status: str = "not_started"
    title: str | None = None
    started: float | None = None
    finished: float | None = None
    duration: float | None = None
    cache_key: str | None = None
    outputs: dict = field(default_factory=dict)   # port -> artifact id
    error: str | None = None
    log: str = ""
    metrics: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return copy.deepcopy(asdict(self))


@dataclass
class RunRecord:
    """An immutable record of one pipeline run (a snapshot of the draft, statuses, outputs)."""

    id: str
    experiment: str
    pipeline_name: str
    status: str
    created: float
    finished: float | None
    duration: float | None
    parameters: dict
    compute: str
    snapshot: dict
    metrics: dict                   # the run's own metrics merged with its nodes' metrics
    error: str | None
    nodes: dict = field(default_factory=dict)   # node_id -> NodeRecord
    pid: int | None = None
    host: str | None = None
    #: what the run came from: datasets read (name, version), draft, pipeline endpoint, trigger
    lineage: dict = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.status in FINAL_RUN_STATUSES

    def as_dict(self, *, snapshot: bool = True) -> dict:
        d = {k: copy.deepcopy(getattr(self, k)) for k in (
            "id", "experiment", "pipeline_name", "status", "created", "finished", "duration",
            "parameters", "compute", "metrics", "error", "pid", "host", "lineage")}
        if snapshot:
            d["snapshot"] = copy.deepcopy(self.snapshot)
        d["nodes"] = {k: n.as_dict() for k, n in self.nodes.items()}
        return d


@dataclass(frozen=True)
class ExperimentInfo:
    """An experiment: a named group of runs."""

    name: str
    created: float
    runs: int
    last_run: str | None
    last_run_created: float | None
    statuses: dict = field(default_factory=dict)   # status -> count

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ModelInfo:
    """One version of a registered model."""

    name: str
    version: int
    artifact_id: str
    type: str = ""
    task: str | None = None
    learner: str | None = None
    description: str = ""
    source_run: str | None = None
    source_node: str | None = None
    tags: Any = field(default_factory=dict)
    created: float = 0.0
    aliases: tuple = ()             # alias names pointing at this version (e.g. "champion")
    lineage: dict = field(default_factory=dict)   # source run, its datasets and pipeline

    def as_dict(self) -> dict:
        d = copy.deepcopy(asdict(self))
        d["aliases"] = list(self.aliases)
        return d


@dataclass(frozen=True)
class ComputeInfo:
    """A compute target: where nodes execute (``local``, ``local-processes`` or ``dask``)."""

    name: str
    kind: str
    config: dict = field(default_factory=dict)
    created: float = 0.0

    def as_dict(self) -> dict:
        return copy.deepcopy(asdict(self))
