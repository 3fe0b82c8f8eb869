"""The workspace: datasets, pipeline drafts, runs, models and compute targets in a folder.

``Workspace(path=None)`` opens ``path``, ``$JUPYTER_DESIGNER_WORKSPACE`` or ``./.designer``:
a SQLite metadata database (WAL) and an artifact store of Parquet tables, skops models and
JSON values, written atomically and safe to share between processes. Built-in sample
datasets (:func:`sample_names`, :func:`load_sample`) are available in every workspace.
"""

from .artifacts import ArtifactError, ArtifactNotFoundError, StoredOutputs
from .datasets import DatasetNotFoundError
from .records import (COMPUTE_KINDS, NODE_STATUSES, RUN_STATUSES, ComputeInfo, DatasetInfo,
                      DraftInfo, ExperimentInfo, ModelInfo, NodeRecord, RunRecord)
from .samples import load_sample, sample_names
from .workspace import DraftConflictError, Workspace, WorkspaceError

__all__ = [
    "Workspace", "WorkspaceError", "DraftConflictError", "DatasetInfo", "DraftInfo", "RunRecord", "NodeRecord",
    "ModelInfo", "ExperimentInfo", "ComputeInfo", "StoredOutputs", "ArtifactError",
    "ArtifactNotFoundError", "DatasetNotFoundError", "sample_names", "load_sample",
    "RUN_STATUSES", "NODE_STATUSES", "COMPUTE_KINDS",
]
