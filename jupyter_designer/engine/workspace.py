"""What the engine needs from a workspace, named (like Kedro's catalog protocol).

The engine never imports the store: the runner, the scheduler, the compute targets, input
loading and the inference derivation call these methods on whatever workspace they are
given (``jupyter_designer.store.Workspace`` implements them all). Methods in
:class:`FolderWorkspace` are optional: the engine checks for them with ``getattr`` and does
without (design-time schemas in tests, workspaces without registered compute targets or a
folder).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class DataCatalog(Protocol):
    """Reading what data nodes name: registered datasets and models, stored artifacts."""

    def get_dataset(self, name: str, version: int | None = None, *, columns=None) -> Any: ...

    def dataset_info(self, name: str, version: int | None = None) -> Any:
        """A record with ``schema``, ``artifact_id`` and ``content_hash``."""

    def dataset_key(self, name: str, version: int | None = None) -> str: ...

    def get_model(self, name: str, version: int | None = None) -> Any: ...

    def model_info(self, name: str, version: int | None = None) -> Any:
        """A record with ``version`` and ``artifact_id``."""

    def load_artifact(self, artifact_id: str, columns=None) -> Any: ...


@runtime_checkable
class EngineWorkspace(DataCatalog, Protocol):
    """Everything a run needs: the catalog, content-addressed outputs and run records."""

    def put_outputs(self, key: str, outputs: dict[str, Any]) -> dict[str, str]:
        """Store a node's outputs under ``key``; returns ``{port: artifact id}``."""

    def get_outputs(self, key: str) -> Any:
        """The outputs stored under ``key`` (with ``artifact_ids``), or ``None``."""

    def create_run(self, *, experiment: str, pipeline_name: str, snapshot: dict,
                   parameters: dict, compute: str = "local", pid: int | None = None,
                   draft: str | None = None) -> str: ...

    def update_run(self, run_id: str, *, status: str | None = None, error: str | None = None,
                   finished: float | None = None, metrics: dict | None = None) -> None: ...

    def set_node(self, run_id: str, node_id: str, *, status: str, **fields) -> None: ...

    def get_run(self, run_id: str) -> Any: ...

    def run_output(self, run_id: str, node_id: str, port: str) -> Any: ...


@runtime_checkable
class FolderWorkspace(Protocol):
    """Optional: what compute targets in other processes and registered targets use."""

    path: Path

    def artifact_path(self, artifact_id: str) -> Path: ...

    def get_compute(self, name: str) -> Any: ...

    def list_compute(self) -> list: ...


__all__ = ["DataCatalog", "EngineWorkspace", "FolderWorkspace"]
