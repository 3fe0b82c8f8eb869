"""Loading a node's inputs: data nodes, column projection, references a worker reads itself.

A data node's value (a registered dataset or model, an artifact of the workspace) is read
when a consumer first needs it (:class:`DatasetSource`), and a consumer that reads only some
columns of a table gets just those from the Parquet file (:func:`needed_columns`). A node
running in another process receives :class:`InputRef` objects and reads its inputs from the
workspace folder itself. The runner, the compute targets and the compiled serving pipeline
all load data nodes through :func:`load_data_node`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import DesignerError
from ..schema import Schema

from ..workspace import DataCatalog, FolderWorkspace


class InputError(DesignerError):
    """A node's input is neither in memory nor stored."""


def bind_data_node(data: dict, pvalues: dict | None = None) -> dict:
    """A data node's ``data`` with its pipeline parameter (if any) bound to its value:
    a dict value replaces fields, any other value names the dataset (latest version)."""
    data = dict(data or {})
    if data.get("parameter") and pvalues is not None:
        bound = pvalues.get(data["parameter"])
        if isinstance(bound, dict):
            data.update(bound)
        elif bound is not None:
            data = {**data, "name": str(bound), "version": None}
    return data


def load_data_node(workspace: DataCatalog, data: dict, pvalues: dict | None = None):
    """The value of a data node: its artifact, registered model or registered dataset."""
    data = bind_data_node(data, pvalues)
    if data.get("artifact"):
        return workspace.load_artifact(data["artifact"])
    if data.get("type", "dataset") == "model":
        return workspace.get_model(data["name"], data.get("version"))
    return workspace.get_dataset(data["name"], data.get("version"))


def data_node_port(data: dict) -> str:
    """The key of a data node's single output port."""
    t = (data or {}).get("type", "dataset")
    return "dataset" if t == "dataset" else t


# -- column projection ----------------------------------------------------------------
#: component id -> {input port: parameter key of the column selection that port is read for}.
#: A table feeding such a port is read with only the selected columns.
COLUMN_READERS: dict[str, dict[str, str]] = {
    "select_columns_in_dataset": {"dataset": "select_columns"},
}


def needed_columns(plan, port: str, schema: Schema | Callable[[], Schema | None] | None) -> list | None:
    """The columns ``plan``'s component reads from input ``port``, or ``None`` for all.

    Components declare this with :data:`COLUMN_READERS` (or ``extra["input_columns"]``, a
    function ``(port, params, schema) -> list | None`` on their spec). A projection is used
    only when the component's own column selection, resolved on the projected table, picks
    the same columns (so rules by index or "all except" select exactly what they would on
    the whole table).
    """
    spec = getattr(plan, "spec", None)
    if spec is None:
        return None
    hook = (spec.extra or {}).get("input_columns")
    key = COLUMN_READERS.get(spec.id, {}).get(port)
    if hook is None and key is None:
        return None
    if callable(schema):
        try:
            schema = schema()
        except Exception:  # no schema: read everything, the component reports any problem
            return None
    if schema is None:
        return None
    try:
        if hook is not None:
            names = hook(port, plan.params, schema)
            if names is None:
                return None
            names = list(names)
        else:
            param = spec.param(key)
            value = plan.params.get(key)
            if value is None:
                return None
            names = list(param.resolve(value, schema, spec.name))
            again = list(param.resolve(value, schema.select(names), spec.name))
            if again != names:
                return None
    except Exception:  # let the component raise its own message on the whole table
        return None
    if not names or len(names) >= len(schema) or any(n not in schema for n in names):
        return None
    return names


def parquet_schema(path) -> Schema | None:
    """The designer schema of a Parquet file, from its footer (no data is read)."""
    try:
        import pyarrow.parquet as pq

        empty = pq.read_schema(path).empty_table().to_pandas()
        return Schema.from_frame(empty)
    except Exception:
        return None


class DatasetSource:
    """A dataset node's value, read when a consumer first needs it.

    A consumer that reads only some columns gets just those columns from the Parquet file;
    otherwise the whole table is read once and shared. Reused runs never read it at all.
    """

    def __init__(self, workspace: DataCatalog, data: dict, loader: Callable[[], Any]):
        self.workspace = workspace
        self.data = dict(data)
        self._loader = loader
        self._lock = threading.Lock()
        self._value = None
        self._loaded = False
        self._artifact: str | None | bool = False  # False: not resolved yet

    @property
    def is_model(self) -> bool:
        return self.data.get("type", "dataset") == "model"

    def artifact_id(self) -> str | None:
        """The artifact holding the table or model, or ``None`` (built-in samples)."""
        if self._artifact is False:
            aid = self.data.get("artifact")
            if not aid:
                try:
                    if self.is_model:
                        info = self.workspace.model_info(self.data["name"], self.data.get("version"))
                    else:
                        info = self.workspace.dataset_info(self.data["name"], self.data.get("version"))
                    aid = getattr(info, "artifact_id", None)
                except Exception:
                    aid = None
            self._artifact = aid or None
        return self._artifact

    def schema(self) -> Schema | None:
        if self.is_model:
            return None
        if not self.data.get("artifact"):
            try:
                info = self.workspace.dataset_info(self.data["name"], self.data.get("version"))
                return Schema.of(info.schema)
            except Exception:
                pass
        aid = self.artifact_id()
        path = artifact_path(self.workspace, aid) if aid else None
        return parquet_schema(path) if path is not None else None

    @property
    def loaded(self) -> bool:
        return self._loaded

    def get(self, columns: list | None = None):
        """The value (only ``columns`` of a table when given and not already in memory)."""
        if columns is not None and not self._loaded:
            aid = self.artifact_id()
            if aid and str(aid).startswith("pq-"):
                return self.workspace.load_artifact(aid, columns=list(columns))
        with self._lock:
            if not self._loaded:
                self._value = self._loader()
                self._loaded = True
            value = self._value
        if columns is not None:
            from ..schema import get_roles, set_roles

            out = value[list(columns)]
            set_roles(out, get_roles(value))
            return out
        return value

    def ref(self, columns: list | None = None) -> "InputRef":
        """How a worker process reads this value itself (never through the kernel)."""
        aid = self.artifact_id()
        if aid:
            return InputRef(artifact=aid, columns=columns)
        if self.is_model:
            return InputRef(model=(self.data["name"], self.data.get("version")))
        return InputRef(dataset=(self.data["name"], self.data.get("version")), columns=columns)

    def __repr__(self) -> str:
        return f"DatasetSource({self.data!r}, loaded={self._loaded})"


def artifact_path(workspace: FolderWorkspace, artifact_id):
    getter = getattr(workspace, "artifact_path", None)
    if getter is None or not artifact_id:
        return None
    try:
        return getter(artifact_id)
    except Exception:
        return None


@dataclass
class InputRef:
    """An input of a node running in a worker: read by the worker, not sent by the kernel."""

    artifact: str | None = None          # an artifact of the workspace
    dataset: tuple | None = None         # (name, version) of a dataset without an artifact
    model: tuple | None = None           # (name, version) of a registered model
    value: Any = None                    # a value sent along (kept in memory by the kernel)
    columns: list | None = None          # read only these columns of a table

    def load(self, workspace: DataCatalog):
        if self.artifact:
            return workspace.load_artifact(self.artifact, columns=self.columns)
        if self.dataset:
            name, version = self.dataset
            return workspace.get_dataset(name, version, columns=self.columns)
        if self.model:
            name, version = self.model
            return workspace.get_model(name, version)
        return self.value

    def describe(self) -> str:
        if self.artifact:
            return f"artifact {self.artifact}"
        if self.dataset:
            return f"dataset {self.dataset[0]!r}"
        if self.model:
            return f"model {self.model[0]!r}"
        return "a value sent by the kernel"


def input_ref(plan, port: str, value=None, artifact: str | None = None) -> InputRef:
    """The reference a worker uses to read ``plan``'s input ``port``.

    ``value`` is what the kernel holds for it (a :class:`DatasetSource`, stored outputs, an
    in-memory value or ``None``), ``artifact`` its artifact id if it is stored.
    """
    if isinstance(value, DatasetSource):
        return value.ref(needed_columns(plan, port, value.schema))
    if artifact is None:
        artifact = getattr(value, "artifact_id", None)  # a port of stored outputs
    if artifact:
        return InputRef(artifact=artifact)  # the worker projects it from the file's footer
    return InputRef(value=value)


def load_input(workspace: DataCatalog, plan, port: str, value=None, artifact: str | None = None):
    """Read ``plan``'s input ``port`` in this process (only the columns it needs)."""
    if isinstance(value, DatasetSource):
        return value.get(needed_columns(plan, port, value.schema))
    if value is not None:
        return value
    if artifact is None:
        raise InputError(f"{plan.title}: its input {port!r} is neither in memory nor stored.")
    cols = None
    spec = getattr(plan, "spec", None)
    if spec is not None and (spec.id in COLUMN_READERS or (spec.extra or {}).get("input_columns")) \
            and str(artifact).startswith("pq-"):
        cols = needed_columns(plan, port, lambda: parquet_schema(artifact_path(workspace, artifact)))
    return workspace.load_artifact(artifact, columns=cols) if cols else workspace.load_artifact(artifact)

