"""The artifact store: immutable files holding node outputs, dataset versions and models.

Formats, chosen per value:

* ``pq`` - DataFrames (and Series) as Parquet through pyarrow. Column roles
  (``df.attrs["designer_roles"]``), categorical dtypes and the index round-trip; a subset
  of columns can be read without reading the rest.
* ``js`` - plain JSON values (str, int, float, bool, None, and lists / str-keyed dicts of
  them) as JSON.
* ``sk`` - models, fitted transformations, evaluation results, estimators and anything
  else skops can store, as a deflate-compressed skops file. Loading trusts exactly the
  types skops reports as untrusted when they are this package's classes or scikit-learn,
  LightGBM, NumPy or SciPy types, and refuses anything else.
* ``pk`` - the fallback for values skops cannot store (e.g. objects whose classes were
  created by a script): a pickle plus a marker file recording the id of the workspace that
  wrote it and an HMAC of its bytes under that workspace's secret. It is only ever loaded by
  that workspace.

Every file is written atomically. Outputs of a node are grouped under a *key* (the runner's
content address of the node's inputs, parameters and component version); the key's manifest
is written last, so a key is visible only once all of its ports are stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import pickle
import re
import uuid
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Iterator

from jupyter_designer.engine.errors import DesignerError, NotFoundError
from jupyter_designer.engine.schema import ROLES_ATTR

from jupyter_designer.fileio import atomic_file, atomic_write

log = logging.getLogger(__name__)

#: Top-level packages whose types are trusted when loading a skops file.
TRUSTED_PACKAGES = ("jupyter_designer", "sklearn", "lightgbm", "numpy", "scipy")
#: Standard-library containers that estimators keep in their state (LightGBM: OrderedDict).
TRUSTED_TYPES = frozenset({
    "collections.OrderedDict", "collections.defaultdict", "collections.Counter",
    "collections.deque", "builtins.slice", "builtins.complex", "builtins.range",
    "builtins.frozenset", "builtins.bytearray",
})

FORMATS = {"pq": ".parquet", "js": ".json", "sk": ".skops", "pk": ".pkl"}
MARKER_SUFFIX = ".marker"
_ID_RE = re.compile(r"^(pq|js|sk|pk)-([0-9a-f]{32})$")
_SERIES_ATTR = "designer_series"


class ArtifactError(DesignerError):
    """An artifact cannot be stored or loaded (missing, untrusted, or from another workspace)."""


def is_trusted_type(type_name: str) -> bool:
    """Whether a type named by skops may be loaded from a workspace's skops file."""
    return type_name.split(".", 1)[0] in TRUSTED_PACKAGES or type_name in TRUSTED_TYPES


def _json_exact(value, depth: int = 0) -> bool:
    """Whether ``value`` survives a JSON round trip unchanged (types included)."""
    if depth > 100:
        return False
    if value is None or isinstance(value, (str, bool)):
        return True
    if type(value) is int:
        return True
    if type(value) is float:
        return math.isfinite(value)
    if type(value) is list:
        return all(_json_exact(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _json_exact(v, depth + 1) for k, v in value.items())
    return False


def _is_frame(value) -> bool:
    import pandas as pd

    return isinstance(value, pd.DataFrame)


def _is_series(value) -> bool:
    import pandas as pd

    return isinstance(value, pd.Series)


def write_parquet(df, f) -> None:
    """Write ``df`` as Parquet to the open binary file ``f``, keeping its column roles."""
    roles = {k: v for k, v in dict(df.attrs.get(ROLES_ATTR, {}) or {}).items()}
    out = df.copy(deep=False)  # copy-on-write: no data copied, only the attrs replaced
    out.attrs = {ROLES_ATTR: roles} if roles else {}
    # dictionary-encode only columns whose values tend to repeat: attempting it on
    # floating-point columns costs most of the write time and rarely pays off
    from pandas.api.types import is_float_dtype

    repeating = [str(c) for c, dtype in out.dtypes.items() if not is_float_dtype(dtype)]
    out.to_parquet(f, engine="pyarrow", index=None, use_dictionary=repeating)


def parquet_columns(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    meta = schema.pandas_metadata or {}
    index_cols = {c for c in meta.get("index_columns", []) if isinstance(c, str)}
    return [n for n in schema.names if n not in index_cols]


def read_parquet(path: Path, columns=None, *, what: str = "artifact"):
    """Read a Parquet file written by :func:`write_parquet` (optionally only ``columns``)."""
    import pandas as pd

    if columns is not None:
        columns = list(columns)
        have = parquet_columns(path)
        missing = [c for c in columns if c not in have]
        if missing:
            raise ArtifactError(
                f"The {what} has no column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(c) for c in missing)}. Its columns are: "
                f"{', '.join(repr(c) for c in have)}.")
    df = pd.read_parquet(path, engine="pyarrow", columns=columns)
    attrs = dict(df.attrs)
    series = attrs.pop(_SERIES_ATTR, None)
    roles = {k: v for k, v in dict(attrs.get(ROLES_ATTR, {}) or {}).items() if k in df.columns}
    df.attrs = {ROLES_ATTR: roles} if roles else {}
    if series is not None and columns is None and len(df.columns) == 1:
        s = df.iloc[:, 0]
        s.name = series.get("name")
        return s
    return df


def head_parquet(path: Path, n: int):
    """The first ``n`` rows of a Parquet file, reading no more row groups than needed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    batches, rows = [], 0
    for batch in pf.iter_batches(batch_size=max(int(n), 1)):
        batches.append(batch)
        rows += batch.num_rows
        if rows >= n:
            break
    table = pa.Table.from_batches(batches, schema=pf.schema_arrow) if batches else \
        pf.schema_arrow.empty_table()
    df = table.slice(0, n).to_pandas()
    roles = dict(df.attrs.get(ROLES_ATTR, {}) or {})
    df.attrs = {ROLES_ATTR: {k: v for k, v in roles.items() if k in df.columns}} if roles else {}
    return df


class StoredOutputs(Mapping):
    """The outputs stored under one key: ``outputs[port]`` loads (once) and returns the value;
    ``outputs.artifact_ids`` maps each port to its artifact id without loading anything."""

    def __init__(self, store: "ArtifactStore", key: str, artifact_ids: dict[str, str]):
        self._store = store
        self.key = key
        self.artifact_ids = dict(artifact_ids)
        self._values: dict[str, Any] = {}

    def __getitem__(self, port: str):
        if port not in self.artifact_ids:
            raise KeyError(port)
        if port not in self._values:
            self._values[port] = self._store.load(self.artifact_ids[port])
        return self._values[port]

    def __contains__(self, port) -> bool:  # without loading anything
        return port in self.artifact_ids

    def __iter__(self) -> Iterator[str]:
        return iter(self.artifact_ids)

    def __len__(self) -> int:
        return len(self.artifact_ids)

    def __repr__(self) -> str:
        return f"StoredOutputs({self.key!r}, {self.artifact_ids!r})"


class ArtifactStore:
    """Immutable artifact files under ``root/objects`` and key manifests under ``root/outputs``."""

    def __init__(self, root: Path, workspace_id: str, secret: bytes):
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.outputs = self.root / "outputs"
        self.objects.mkdir(parents=True, exist_ok=True)
        self.outputs.mkdir(parents=True, exist_ok=True)
        self.workspace_id = workspace_id
        self._secret = secret

    # -- ids and paths ----------------------------------------------------------------------
    @staticmethod
    def _parse(artifact_id: str) -> tuple[str, str]:
        m = _ID_RE.match(str(artifact_id))
        if not m:
            raise ArtifactError(f"{artifact_id!r} is not an artifact id (expected e.g. "
                                "'pq-' followed by 32 hexadecimal digits).")
        return m.group(1), m.group(2)

    def path(self, artifact_id: str) -> Path:
        """The file holding an artifact (it may not exist)."""
        fmt, hexid = self._parse(artifact_id)
        return self.objects / hexid[:2] / f"{artifact_id}{FORMATS[fmt]}"

    def exists(self, artifact_id: str) -> bool:
        try:
            return self.path(artifact_id).exists()
        except ArtifactError:
            return False

    @staticmethod
    def format_of(artifact_id: str) -> str:
        return ArtifactStore._parse(artifact_id)[0]

    def _new_id(self, fmt: str) -> str:
        return f"{fmt}-{uuid.uuid4().hex}"

    # -- writing ----------------------------------------------------------------------------
    def put(self, value) -> str:
        """Store one value and return its new artifact id."""
        if _is_frame(value) or _is_series(value):
            aid = self._put_parquet(value)
            if aid:
                return aid
            return self._put_pickle(value)
        if _json_exact(value):
            aid = self._new_id("js")
            atomic_write(self.path(aid), json.dumps(value, ensure_ascii=False, sort_keys=True))
            return aid
        aid = self._put_skops(value)
        return aid or self._put_pickle(value)

    def _put_parquet(self, value) -> str | None:
        if _is_series(value):
            frame = value.to_frame(name="value")
            frame.attrs = {_SERIES_ATTR: {"name": value.name if _json_exact(value.name) else None}}

            def writer(f):
                frame.to_parquet(f, engine="pyarrow", index=None)
        else:
            def writer(f):
                write_parquet(value, f)
        aid = self._new_id("pq")
        try:
            atomic_write(self.path(aid), writer)
        except Exception as exc:  # a column pyarrow cannot represent (mixed types, ...)
            log.debug("Parquet cannot store the frame (%s); pickling it instead", exc)
            return None
        return aid

    def _put_skops(self, value) -> str | None:
        from jupyter_designer.skops_io import skops_io
        sio = skops_io()

        aid = self._new_id("sk")
        target = self.path(aid)
        try:
            with atomic_file(target) as f, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sio.dump(value, f, compression=zipfile.ZIP_DEFLATED)
        except Exception as exc:
            log.debug("skops cannot store %s (%s); pickling it instead", type(value).__name__, exc)
            return None
        try:
            untrusted = sio.get_untrusted_types(file=target)
        except Exception:  # pragma: no cover - we just wrote it
            untrusted = ["?"]
        refused = [t for t in untrusted if not is_trusted_type(t)]
        if refused:
            # it would not load back: keep it as a workspace-bound pickle instead
            log.debug("skops would need to trust %s; pickling %s instead", refused,
                      type(value).__name__)
            try:
                target.unlink()
            except OSError:  # pragma: no cover
                pass
            return None
        return aid

    def _put_pickle(self, value) -> str:
        serializer = "pickle"
        try:
            data = pickle.dumps(value, protocol=5)
        except Exception as exc:
            try:
                import cloudpickle
            except ImportError:  # pragma: no cover - cloudpickle comes with dask
                raise ArtifactError(f"Cannot store a {type(value).__name__}: {exc}") from exc
            try:
                data = cloudpickle.dumps(value, protocol=5)
            except Exception as exc2:
                raise ArtifactError(f"Cannot store a {type(value).__name__}: it cannot be "
                                    f"serialized ({exc2}).") from exc2
            serializer = "cloudpickle"
        aid = self._new_id("pk")
        target = self.path(aid)
        marker = {"workspace_id": self.workspace_id, "serializer": serializer,
                  "type": f"{type(value).__module__}.{type(value).__qualname__}",
                  "hmac": self._mac(data)}
        atomic_write(target, data)
        atomic_write(target.with_name(target.name + MARKER_SUFFIX), json.dumps(marker, sort_keys=True))
        return aid

    def _mac(self, data: bytes) -> str:
        return hmac.new(self._secret, data, hashlib.sha256).hexdigest()

    # -- reading ----------------------------------------------------------------------------
    def load(self, artifact_id: str, columns=None):
        """Load an artifact; for a table, ``columns`` reads only those columns."""
        fmt, _ = self._parse(artifact_id)
        path = self.path(artifact_id)
        if not path.exists():
            raise ArtifactNotFoundError(f"Artifact {artifact_id} does not exist in this workspace "
                                        f"({path} is missing).")
        if fmt == "pq":
            return read_parquet(path, columns)
        if fmt == "js":
            return json.loads(path.read_text(encoding="utf-8"))
        if fmt == "sk":
            value = self._load_skops(artifact_id, path)
        else:
            value = self._load_pickle(artifact_id, path)
        if columns is not None and _is_frame(value):
            missing = [c for c in columns if c not in value.columns]
            if missing:
                raise ArtifactError(f"The artifact has no columns {missing}.")
            value = value[list(columns)]
        return value

    def _load_skops(self, artifact_id: str, path: Path):
        from jupyter_designer.skops_io import skops_io
        sio = skops_io()

        untrusted = sio.get_untrusted_types(file=path)
        refused = [t for t in untrusted if not is_trusted_type(t)]
        if refused:
            raise ArtifactError(
                f"Artifact {artifact_id} contains types this workspace does not trust: "
                f"{', '.join(refused)}. Only jupyter_designer classes and scikit-learn, LightGBM, "
                "NumPy and SciPy types are loaded from model files; load it yourself with "
                "skops.io.load(..., trusted=[...]) if you trust its source.")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sio.load(path, trusted=untrusted)

    def _load_pickle(self, artifact_id: str, path: Path):
        marker_path = path.with_name(path.name + MARKER_SUFFIX)
        try:
            marker = json.loads(marker_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"Artifact {artifact_id} is a pickle without a valid marker file; "
                                "it is not loaded, as pickles run code when loaded.") from exc
        if marker.get("workspace_id") != self.workspace_id:
            raise ArtifactError(
                f"Artifact {artifact_id} is a pickle written by another workspace "
                f"({marker.get('workspace_id')}); pickles are only loaded by the workspace that "
                "wrote them. Re-run the pipeline in this workspace to recreate it.")
        data = path.read_bytes()
        if not hmac.compare_digest(marker.get("hmac", ""), self._mac(data)):
            raise ArtifactError(f"Artifact {artifact_id} was modified after this workspace wrote "
                                "it; it is not loaded. Re-run the pipeline to recreate it.")
        return pickle.loads(data)

    def info(self, artifact_id: str) -> dict:
        fmt, _ = self._parse(artifact_id)
        path = self.path(artifact_id)
        return {"id": artifact_id, "format": {"pq": "parquet", "js": "json", "sk": "skops",
                                              "pk": "pickle"}[fmt],
                "path": str(path), "bytes": path.stat().st_size if path.exists() else None}

    def delete(self, artifact_id: str) -> None:
        path = self.path(artifact_id)
        for p in (path, path.with_name(path.name + MARKER_SUFFIX)):
            try:
                p.unlink()
            except FileNotFoundError:
                pass

    # -- outputs by key ---------------------------------------------------------------------
    def _manifest_path(self, key: str) -> Path:
        key = str(key)
        if re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,119}", key):
            name = key
        else:
            name = "h-" + hashlib.sha256(key.encode("utf-8")).hexdigest()
        shard = hashlib.sha256(key.encode("utf-8")).hexdigest()[:2]
        return self.outputs / shard / f"{name}.json"

    def put_outputs(self, key: str, outputs: dict) -> dict[str, str]:
        """Store every port's value, then the key's manifest; returns port -> artifact id."""
        if not isinstance(outputs, Mapping):
            raise TypeError("outputs must be a dict of port -> value")
        ids = {str(port): self.put(value) for port, value in outputs.items()}
        manifest = {"key": str(key), "outputs": ids}
        atomic_write(self._manifest_path(key), json.dumps(manifest, indent=1))
        return ids

    def output_ids(self, key: str) -> dict[str, str] | None:
        """port -> artifact id stored under ``key``, or ``None`` if it is not (completely) stored."""
        path = self._manifest_path(key)
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return None
        if manifest.get("key") != str(key):
            return None
        ids = dict(manifest.get("outputs", {}))
        if not all(self.exists(a) for a in ids.values()):
            return None
        return ids

    def get_outputs(self, key: str) -> StoredOutputs | None:
        ids = self.output_ids(key)
        return None if ids is None else StoredOutputs(self, str(key), ids)

    def has_outputs(self, key: str) -> bool:
        return self.output_ids(key) is not None

    def delete_outputs(self, key: str) -> None:
        try:
            self._manifest_path(key).unlink()
        except FileNotFoundError:
            pass

    def iter_manifests(self):
        for shard in self.outputs.iterdir() if self.outputs.exists() else ():
            if not shard.is_dir():
                continue
            for p in shard.iterdir():
                if p.suffix == ".json" and not p.name.startswith("."):
                    try:
                        yield json.loads(p.read_text(encoding="utf-8"))
                    except (OSError, ValueError):
                        continue

    def iter_files(self):
        """Every file under ``objects/`` (artifacts, markers, temporary files)."""
        if not self.objects.exists():
            return
        for shard in self.objects.iterdir():
            if shard.is_dir():
                yield from shard.iterdir()


class ArtifactNotFoundError(ArtifactError, NotFoundError):
    """The artifact file does not exist."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
