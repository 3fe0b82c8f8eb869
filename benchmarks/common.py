"""Shared helpers of the benchmarks: generated data, timing, memory sampling, subprocesses,
and writing results (JSON in benchmarks/results/, a markdown table on stdout).

Every benchmark compares against a baseline measured in the same run and reports ratios.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: where results go; the benchmark tests point it at a temporary folder
RESULTS = Path(os.environ.get("JUPYTER_DESIGNER_BENCH_RESULTS") or HERE / "results")
ROOT = HERE.parent

CATEGORIES = {
    "make": ["alfa-romero", "audi", "bmw", "chevrolet", "dodge", "honda", "isuzu", "jaguar",
             "mazda", "mercedes-benz", "mercury", "mitsubishi", "nissan", "peugot", "plymouth",
             "porsche", "renault", "saab", "subaru", "toyota", "volkswagen", "volvo"],
    "fuel-type": ["gas", "diesel"],
    "aspiration": ["std", "turbo"],
    "num-of-doors": ["two", "four"],
    "body-style": ["convertible", "hatchback", "sedan", "wagon", "hardtop"],
    "drive-wheels": ["rwd", "fwd", "4wd"],
    "engine-location": ["front", "rear"],
    "engine-type": ["dohc", "ohcv", "ohc", "l", "rotor", "ohcf"],
    "num-of-cylinders": ["four", "six", "five", "three", "twelve", "two", "eight"],
    "fuel-system": ["mpfi", "2bbl", "mfi", "1bbl", "spfi", "4bbl", "idi", "spdi"],
}
NUMERIC = {  # name: (mean, sd, missing fraction)
    "normalized-losses": (122.0, 35.0, 0.2), "wheel-base": (98.8, 6.0, 0.0),
    "length": (174.0, 12.3, 0.0), "width": (65.9, 2.1, 0.0), "height": (53.7, 2.4, 0.0),
    "curb-weight": (2555.0, 520.0, 0.0), "engine-size": (127.0, 41.0, 0.0),
    "bore": (3.33, 0.27, 0.02), "stroke": (3.26, 0.32, 0.02),
    "compression-ratio": (10.1, 4.0, 0.0), "horsepower": (104.0, 39.0, 0.01),
    "peak-rpm": (5125.0, 480.0, 0.01), "city-mpg": (25.2, 6.5, 0.0), "highway-mpg": (30.8, 6.9, 0.0),
}
#: numeric feature columns Normalize Data transforms in the tutorial pipeline
NORMALIZED = ["wheel-base", "length", "width", "height", "curb-weight", "engine-size", "bore",
              "stroke", "compression-ratio", "horsepower", "peak-rpm", "city-mpg", "highway-mpg"]


def automobile_frame(n_rows: int, seed: int = 0):
    """An automobile-price-like table: 10 categorical and 15 numeric columns (``price`` the
    label), with missing values where the tutorial's data has them."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    cols = {"symboling": rng.integers(-2, 4, n_rows)}
    codes = {}
    for name, levels in CATEGORIES.items():
        codes[name] = rng.integers(0, len(levels), n_rows)
        values = np.asarray(levels, dtype=object)[codes[name]]
        cols[name] = values
    for name, (mean, sd, missing) in NUMERIC.items():
        v = rng.normal(mean, sd, n_rows)
        if missing:
            v[rng.random(n_rows) < missing] = np.nan
        cols[name] = v
    price = (2000 + 9.0 * np.nan_to_num(cols["curb-weight"], nan=2555) + 60 * np.nan_to_num(cols["horsepower"], nan=104)
             + 900 * codes["make"] % 7 + rng.normal(0, 1500, n_rows))
    price[rng.random(n_rows) < 0.02] = np.nan
    cols["price"] = price
    df = pd.DataFrame(cols)
    for name in CATEGORIES:
        df[name] = df[name].astype("str")
    if "num-of-doors" in df:
        df.loc[rng.random(n_rows) < 0.01, "num-of-doors"] = None
    return df


# -- measuring -----------------------------------------------------------------------------
class PeakRSS:
    """Samples this process's resident memory in a thread; ``peak`` in bytes."""

    def __init__(self, interval: float = 0.01):
        import psutil

        self._proc = psutil.Process()
        self.interval = interval
        self.baseline = self._proc.memory_info().rss
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            rss = self._proc.memory_info().rss
            if rss > self.peak:
                self.peak = rss
            self._stop.wait(self.interval)

    def __enter__(self):
        self.baseline = self._proc.memory_info().rss
        self.peak = self.baseline
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        rss = self._proc.memory_info().rss
        self.peak = max(self.peak, rss)

    @property
    def delta(self) -> int:
        return self.peak - self.baseline


class RecordingComm:
    """A kernel comm stand-in that records what a widget sends: the state it opens with and
    every message after. Sizes are those of the JSON the kernel would send (plus buffers)."""

    kernel = "recording"  # widgets send only through a comm with a kernel

    def __init__(self, target_name="", data=None, metadata=None, buffers=None, comm_id=None, **kw):
        import uuid

        self.comm_id = comm_id or uuid.uuid4().hex
        self.target_name = target_name
        self.opened = {"data": data, "buffers": buffers}
        self.messages: list[dict] = []

    @staticmethod
    def size(data, buffers=None) -> int:
        n = len(json.dumps(data, separators=(",", ":"), default=str))
        return n + sum(len(memoryview(b).cast("B")) for b in (buffers or ()))

    @property
    def open_bytes(self) -> int:
        return self.size(self.opened["data"], self.opened["buffers"])

    @property
    def sent_bytes(self) -> int:
        return sum(self.size(m["data"], m["buffers"]) for m in self.messages)

    def send(self, data=None, metadata=None, buffers=None):
        self.messages.append({"data": data, "buffers": buffers})

    def open(self, *a, **k):
        pass

    def close(self, *a, **k):
        pass

    def on_msg(self, callback):
        pass

    def on_close(self, callback):
        pass


def record_comms() -> list[RecordingComm]:
    """Make every widget created from now on talk through a :class:`RecordingComm`; returns
    the (growing) list of those comms."""
    import comm

    comms: list[RecordingComm] = []

    def create(**kwargs):
        c = RecordingComm(**kwargs)
        comms.append(c)
        return c

    comm.create_comm = create
    comm.get_comm_manager = lambda: {}
    return comms


class Traffic:
    """Messages and bytes the recorded comms send between two points of a benchmark."""

    def __init__(self, comms: list[RecordingComm]):
        self.comms = comms
        self._mark = {}
        self._known = 0

    def mark(self):
        self._mark = {id(c): len(c.messages) for c in self.comms}
        self._known = len(self.comms)

    def since(self, only=None) -> dict:
        msgs = opened = nbytes = 0
        for i, c in enumerate(self.comms):
            if only is not None and c is not only:
                continue
            if i >= self._known:
                opened += 1
                nbytes += c.open_bytes
            new = c.messages[self._mark.get(id(c), 0):]
            msgs += len(new)
            nbytes += sum(c.size(m["data"], m["buffers"]) for m in new)
        return {"messages": msgs, "opened": opened, "bytes": nbytes}


def run_python(code_or_args, *, env=None, timeout=1800) -> dict:
    """Run a Python snippet (or ``-m module args``) in a fresh interpreter; it prints one
    JSON object as its last line of output, which is returned."""
    args = [sys.executable] + (["-c", code_or_args] if isinstance(code_or_args, str) else list(code_or_args))
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HERE)] + ([e["PYTHONPATH"]] if e.get("PYTHONPATH") else []))
    e.update(env or {})
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=e, cwd=str(ROOT))
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"benchmark subprocess failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n"
                           f"{proc.stderr[-5000:]}")
    return json.loads(lines[-1])


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count()}
    try:
        import psutil

        info["memory_gb"] = round(psutil.virtual_memory().total / 2**30, 1)
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except Exception:
        pass
    for mod in ("pandas", "pyarrow", "sklearn", "joblib", "distributed"):
        try:
            info[mod] = __import__(mod).__version__
        except Exception:
            pass
    return info


def write_results(name: str, rows: list[dict], extra: dict | None = None, *, quick: bool = False) -> Path:
    """Write ``results/<name>[-quick].json`` and print a markdown table of ``rows``
    (each: metric, value, baseline, ratio, target, ok, note)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    doc = {"benchmark": name, "quick": quick, "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
           "machine": machine(), "rows": rows}
    clash = sorted(set(doc) & set(extra or {}))
    if clash:
        raise ValueError(f"extra results may not replace {', '.join(clash)}")
    doc.update(extra or {})
    path = RESULTS / f"{name}{'-quick' if quick else ''}.json"
    path.write_text(json.dumps(doc, indent=1, default=str) + "\n")
    print(markdown_table(rows))
    return path


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    return "" if v is None else str(v)


def markdown_table(rows: list[dict]) -> str:
    cols = ["metric", "value", "baseline", "ratio", "target", "ok", "note"]
    cols = [c for c in cols if any(r.get(c) is not None for r in rows)]
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for r in rows:
        out.append("| " + " | ".join(_fmt(r.get(c)) for c in cols) + " |")
    return "\n".join(out)


def row(metric, value, baseline=None, *, target=None, ok=None, note=None, unit=""):
    ratio = (value / baseline) if (baseline not in (None, 0) and value is not None) else None
    return {"metric": metric, "value": value, "baseline": baseline,
            "ratio": round(ratio, 4) if ratio is not None else None,
            "target": target, "ok": ok, "note": note, "unit": unit}
