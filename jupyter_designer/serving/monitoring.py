"""Monitoring of real-time endpoints: metrics, scored-data logging and data drift.

**Metrics.** :class:`EndpointMetrics` counts requests (by endpoint, deployment and status
code), errors, and request latencies with ``prometheus-client``, and renders them in the
Prometheus text format. A request costs a counter increment and a histogram observation.
When ``$PROMETHEUS_MULTIPROC_DIR`` is set (``jupyter designer serve --workers N`` sets it
for its workers) every worker writes its numbers there and any worker answers for all.

**Scored-data log.** An endpoint whose ``monitoring`` setting has ``log_scored`` on keeps a
sample (``sample_rate``) of its scored requests and answers under
``<workspace>/monitoring/<endpoint>/`` as JSON lines, at most ``max_mb`` megabytes (the oldest
files go first). The request thread only puts bytes on a bounded queue; a background
thread parses and writes them, and a full queue drops the entry (counted) rather than wait.
A mirror deployment's answers are always logged (``"mirror": true``).

**Drift.** At deploy time the training data reaching each Web Service Input is profiled
(:func:`training_profile`: decile bins of numeric columns, the frequencies of categorical
ones); :func:`drift_report` compares the logged inputs with that profile column by column
by the population stability index (PSI): below 0.1 stable, 0.1 to ``threshold`` (0.2 by
default) a moderate shift, at or above ``threshold`` drift.
"""

from __future__ import annotations

import json
import logging
import math
import os
import queue
import random
import threading
import time
from pathlib import Path

from .errors import ServingError

log = logging.getLogger("jupyter_designer.serving")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
DEFAULT_SETTINGS = {"log_scored": False, "sample_rate": 1.0, "max_mb": 50}
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
PSI_STABLE = 0.1
PSI_DRIFT = 0.2
TOP_CATEGORIES = 30
OTHER = "(other)"
MISSING = "(missing)"


# -- settings -------------------------------------------------------------------------------------
def check_settings(settings: dict) -> dict:
    """An endpoint's monitoring settings, checked: ``log_scored`` (bool), ``sample_rate``
    (0 to 1), ``max_mb`` (positive)."""
    unknown = set(settings) - set(DEFAULT_SETTINGS)
    if unknown:
        raise ServingError(f"Unknown monitoring setting(s) {', '.join(sorted(unknown))}; the "
                           f"settings are {', '.join(DEFAULT_SETTINGS)}.")
    out = {**DEFAULT_SETTINGS, **settings}
    if not isinstance(out["log_scored"], bool):
        raise ServingError(f"\"log_scored\" must be true or false. Got {out['log_scored']!r} instead.")
    rate = out["sample_rate"]
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate <= 1:
        raise ServingError(f"\"sample_rate\" must be a fraction above 0 and at most 1 (0.1 logs "
                           f"one request in ten). Got {rate!r} instead.")
    mb = out["max_mb"]
    if isinstance(mb, bool) or not isinstance(mb, (int, float)) or not 0 < mb <= 100_000:
        raise ServingError(f"\"max_mb\" must be a positive number of megabytes. Got {mb!r} instead.")
    out["sample_rate"], out["max_mb"] = float(rate), float(mb)
    return out


def settings_of(record: dict) -> dict:
    return {**DEFAULT_SETTINGS, **(record.get("monitoring") or {})}


# -- metrics --------------------------------------------------------------------------------------
class EndpointMetrics:
    """Request counts, errors and latencies of the endpoints a process serves."""

    def __init__(self):
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.multiprocess = bool(os.environ.get(MULTIPROC_ENV))
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("designer_endpoint_requests", "Scoring requests answered.",
                                ("endpoint", "deployment", "code"), registry=self.registry)
        self.errors = Counter("designer_endpoint_errors", "Scoring requests answered with an "
                              "error (kind: client 4xx, server 5xx).",
                              ("endpoint", "deployment", "kind"), registry=self.registry)
        self.latency = Histogram("designer_endpoint_request_seconds",
                                 "Time to answer a scoring request.", ("endpoint", "deployment"),
                                 buckets=BUCKETS, registry=self.registry)
        self.mirrored = Counter("designer_endpoint_mirror_requests", "Requests scored by a "
                                "mirror deployment (answers recorded, never returned).",
                                ("endpoint", "deployment", "code"), registry=self.registry)
        self.dropped = Counter("designer_endpoint_scored_log_dropped", "Scored-data log "
                               "entries dropped because the writer fell behind.", ("endpoint",),
                               registry=self.registry)
        self._children: dict = {}

    def _child(self, key):
        c = self._children.get(key)
        if c is None:
            kind, labels = key[0], key[1:]
            metric = {"r": self.requests, "e": self.errors, "l": self.latency,
                      "m": self.mirrored, "d": self.dropped}[kind]
            c = self._children[key] = metric.labels(*labels)
        return c

    def observe(self, endpoint: str, deployment: str, status: int, seconds: float) -> None:
        self._child(("r", endpoint, deployment, str(status))).inc()
        self._child(("l", endpoint, deployment)).observe(seconds)
        if status >= 400:
            self._child(("e", endpoint, deployment, "server" if status >= 500 else "client")).inc()

    def observe_mirror(self, endpoint: str, deployment: str, status: int) -> None:
        self._child(("m", endpoint, deployment, str(status))).inc()

    def drop(self, endpoint: str) -> None:
        self._child(("d", endpoint)).inc()

    def families(self):
        if self.multiprocess:
            from prometheus_client import CollectorRegistry
            from prometheus_client.multiprocess import MultiProcessCollector

            registry = CollectorRegistry()
            MultiProcessCollector(registry, os.environ[MULTIPROC_ENV])
            return list(registry.collect())
        return list(self.registry.collect())

    def exposition(self, endpoint: str | None = None) -> tuple[bytes, str]:
        """``(Prometheus text, content type)``; with ``endpoint``, its series only."""
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        fams = self.families()
        if endpoint is not None:
            for f in fams:
                f.samples = [s for s in f.samples if s.labels.get("endpoint") == endpoint]

        class _Fixed:
            def collect(self):
                return fams

        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Fixed())
        return generate_latest(registry), CONTENT_TYPE_LATEST


def worker_died(pid: int) -> None:
    """Tell the multiprocess store a worker is gone (its counts stay counted)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


# -- scored-data log -----------------------------------------------------------------------------
def log_folder(workspace_path, endpoint: str) -> Path:
    from jupyter_designer.store.endpoints import name_key

    return Path(workspace_path) / "monitoring" / name_key(endpoint)


class ScoredLog:
    """The scored-data log of a serving process: a bounded queue and one writer thread."""

    def __init__(self, workspace_path, metrics: EndpointMetrics | None = None, *,
                 capacity: int = 2000):
        self.root = Path(workspace_path) / "monitoring"
        self.metrics = metrics
        self.queue: queue.Queue = queue.Queue(capacity)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._files: dict[str, tuple[Path, int]] = {}   # endpoint -> (file, its size)
        self.written = 0

    def sampled(self, settings: dict) -> bool:
        """Whether to log this request (the request thread's only decision)."""
        if not settings.get("log_scored"):
            return False
        rate = settings.get("sample_rate", 1.0)
        return rate >= 1.0 or random.random() < rate

    def put(self, endpoint: str, deployment: str, version, status: int, body: bytes,
            answer: bytes, *, max_mb: float, mirror: bool = False) -> None:
        """Hand an entry to the writer; never blocks (a full queue drops it, counted)."""
        if self._thread is None:
            self._start()
        try:
            self.queue.put_nowait((time.time(), endpoint, deployment, version, status, body,
                                   answer, max_mb, mirror))
        except queue.Full:
            if self.metrics is not None:
                self.metrics.drop(endpoint)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._write_loop, daemon=True,
                                                name="designer-scored-log")
                self._thread.start()

    def _write_loop(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                self.queue.task_done()
                return
            try:
                self._write(*item)
            except Exception:  # pragma: no cover - a full disk: keep serving
                log.exception("the scored-data log could not be written")
            finally:
                self.queue.task_done()

    def _write(self, t, endpoint, deployment, version, status, body, answer, max_mb, mirror):
        def parsed(raw):
            try:
                return json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                return None

        line = (json.dumps({"time": t, "deployment": deployment, "version": version,
                            "status": status, "mirror": mirror, "request": parsed(body),
                            "response": parsed(answer)}, default=str) + "\n").encode()
        cap = int(max_mb * 1024 * 1024)
        folder = log_folder(self.root.parent, endpoint)
        path, size = self._files.get(endpoint, (None, 0))
        if path is None or size + len(line) > max(cap // 4, 1):
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"scored-{time.time_ns()}-{os.getpid()}.jsonl"
            size = 0
            self._trim(folder, cap - max(cap // 4, 1))
        with open(path, "ab") as f:
            f.write(line)
        self._files[endpoint] = (path, size + len(line))
        self.written += 1

    @staticmethod
    def _trim(folder: Path, keep: int) -> None:
        """Remove the oldest files until the folder holds at most ``keep`` bytes."""
        files = sorted(folder.glob("scored-*.jsonl"))
        total = sum(f.stat().st_size for f in files)
        for f in files:
            if total <= keep:
                break
            total -= f.stat().st_size
            f.unlink(missing_ok=True)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until what was queued is written (tests, shutdown)."""
        deadline = time.time() + timeout
        while self.queue.unfinished_tasks and time.time() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        if self._thread is not None:
            self.flush(2.0)
            try:
                self.queue.put_nowait(None)
            except queue.Full:  # pragma: no cover
                pass


def read_log(workspace_path, endpoint: str, *, limit: int | None = None,
             mirror: bool | None = None) -> list[dict]:
    """The logged entries of ``endpoint``, oldest first (the last ``limit``)."""
    folder = log_folder(workspace_path, endpoint)
    entries = []
    for f in sorted(folder.glob("scored-*.jsonl")):
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue   # a line being written
                if mirror is None or bool(e.get("mirror")) == mirror:
                    entries.append(e)
    entries.sort(key=lambda e: e.get("time", 0))
    return entries[-limit:] if limit else entries


def request_rows(request) -> dict[str, list[dict]]:
    """The input rows of a logged request: ``{input name: [row, ...]}`` (the reference
    format's ``Inputs``; MLflow's ``dataframe_records``/``dataframe_split`` as input ``""``)."""
    if not isinstance(request, dict):
        return {}
    if isinstance(request.get("Inputs"), dict):
        return {k: v for k, v in request["Inputs"].items() if isinstance(v, list)}
    if isinstance(request.get("dataframe_records"), list):
        return {"": request["dataframe_records"]}
    split = request.get("dataframe_split")
    if isinstance(split, dict) and isinstance(split.get("data"), list):
        cols = split.get("columns") or []
        return {"": [dict(zip(cols, r)) for r in split["data"]]}
    return {}


# -- drift ---------------------------------------------------------------------------------------
def _is_numeric(series) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def column_profile(series) -> dict:
    """A numeric column's decile bins or a categorical column's frequencies."""
    import numpy as np
    import pandas as pd

    n = len(series)
    missing = float(series.isna().mean()) if n else 0.0
    values = series.dropna()
    if _is_numeric(series):
        values = pd.to_numeric(values, errors="coerce").dropna().astype(float)
        edges = sorted(set(np.quantile(values, np.linspace(0.1, 0.9, 9)).tolist())) if len(values) else []
        counts = np.bincount(np.searchsorted(edges, values.to_numpy(), side="right"),
                             minlength=len(edges) + 1) if len(values) else np.zeros(1)
        return {"kind": "numeric", "edges": edges,
                "shares": (counts / max(n, 1)).tolist(), "missing": missing,
                "mean": float(values.mean()) if len(values) else None}
    freq = values.astype(str).value_counts()
    top = freq.head(TOP_CATEGORIES)
    shares = {str(k): float(v) / max(n, 1) for k, v in top.items()}
    other = float(freq.iloc[TOP_CATEGORIES:].sum()) / max(n, 1)
    return {"kind": "categorical", "shares": shares, "other": other, "missing": missing}


def _actual_shares(profile: dict, series) -> tuple[list[float], list[float], list[str]]:
    """``(expected, actual, bin labels)`` of a column against its training profile."""
    import numpy as np
    import pandas as pd

    n = max(len(series), 1)
    missing = float(series.isna().sum()) / n
    values = series.dropna()
    if profile["kind"] == "numeric":
        edges = profile["edges"]
        nums = pd.to_numeric(values, errors="coerce")
        missing += float(nums.isna().sum()) / n   # not a number: counted with the missing
        nums = nums.dropna().astype(float).to_numpy()
        counts = np.bincount(np.searchsorted(edges, nums, side="right"),
                             minlength=len(edges) + 1)
        labels = ([f"<= {edges[0]:g}"] if edges else ["all"]) + \
                 [f"({a:g}, {b:g}]" for a, b in zip(edges, edges[1:])] + \
                 ([f"> {edges[-1]:g}"] if edges else [])
        expected = list(profile["shares"]) + [profile["missing"]]
        actual = (counts / n).tolist() + [missing]
        return expected, actual, labels[:len(expected) - 1] + [MISSING]
    cats = list(profile["shares"])
    freq = values.astype(str).value_counts()
    actual = [float(freq.get(c, 0)) / n for c in cats]
    actual += [float(freq[~freq.index.isin(cats)].sum()) / n, missing]
    expected = [profile["shares"][c] for c in cats] + [profile["other"], profile["missing"]]
    return expected, actual, cats + [OTHER, MISSING]


def psi(expected, actual, eps: float = 1e-4) -> float:
    """The population stability index of two distributions over the same bins."""
    total = 0.0
    for e, a in zip(expected, actual):
        e, a = max(e, eps), max(a, eps)
        total += (a - e) * math.log(a / e)
    return total


def drift_report(profile: dict, frames: dict, *, threshold: float = PSI_DRIFT,
                 min_rows: int = 30) -> dict:
    """Each column of the logged inputs ``frames`` (``{input name: DataFrame}``) against the
    training ``profile``: its PSI, level (stable, moderate, drift) and the per-bin shares."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or threshold <= 0:
        raise ServingError(f"The drift threshold must be a positive PSI (0.2 is usual). Got "
                           f"{threshold!r} instead.")
    inputs = []
    for name, ref in (profile.get("inputs") or {}).items():
        frame = frames.get(name)
        if frame is None and len(profile["inputs"]) == 1:
            frame = frames.get("")
        rows = 0 if frame is None else len(frame)
        columns = []
        for col, cprof in ref["columns"].items():
            if frame is None or col not in frame.columns or rows < min_rows:
                columns.append({"column": col, "kind": cprof["kind"], "psi": None,
                                "level": "no data", "drift": False})
                continue
            expected, actual, labels = _actual_shares(cprof, frame[col])
            value = psi(expected, actual)
            level = ("drift" if value >= threshold else
                     "moderate" if value >= min(PSI_STABLE, threshold) else "stable")
            columns.append({"column": col, "kind": cprof["kind"], "psi": round(value, 4),
                            "level": level, "drift": value >= threshold,
                            "bins": [{"bin": b, "training": round(e, 4), "recent": round(a, 4)}
                                     for b, e, a in zip(labels, expected, actual)]})
        inputs.append({"input": name, "rows": rows, "training_rows": ref.get("rows"),
                       "columns": columns})
    drifted = [c["column"] for i in inputs for c in i["columns"] if c["drift"]]
    return {"metric": "psi", "threshold": threshold, "min_rows": min_rows, "inputs": inputs,
            "drifted_columns": drifted, "drift": bool(drifted)}


def training_profile(ws, pipeline, compiled) -> dict | None:
    """The profile of the training data reaching each Web Service Input of ``pipeline``:
    the registered dataset feeding it when there is one, else the compiled pipeline's
    sample rows. None when neither is known."""
    from jupyter_designer.engine.execution.inputs import load_data_node
    from jupyter_designer.engine.inference import web_service_io

    out = {}
    try:
        io = web_service_io(pipeline)
    except Exception:  # pragma: no cover - compiled already checked the pipeline
        return None
    for info in io["inputs"]:
        frame, source = None, "sample rows"
        feed = next((e for e in pipeline.edges.values() if e.target == info["node_id"]), None)
        if feed is not None:
            node = pipeline.nodes[feed.source]
            if node.kind == "dataset":
                try:
                    frame = load_data_node(ws, node.data or {})
                    source = (node.data or {}).get("name") or node.title
                except Exception:
                    frame = None
        if frame is None or not hasattr(frame, "columns"):
            frame = compiled.samples.get(info["name"])
            source = "sample rows"
        if frame is None or not hasattr(frame, "columns"):
            continue
        labels = set(info.get("label_columns") or ())
        out[info["name"]] = {"rows": int(len(frame)), "source": source,
                             "columns": {str(c): column_profile(frame[c]) for c in frame.columns
                                         if c not in labels}}
    return {"inputs": out, "created": time.time()} if out else None


class EndpointMonitor:
    """The metrics and the scored-data log of one serving process."""

    def __init__(self, workspace_path):
        self.metrics = EndpointMetrics()
        self.log = ScoredLog(workspace_path, self.metrics)

    def close(self) -> None:
        self.log.close()
