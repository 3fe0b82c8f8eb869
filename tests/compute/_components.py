"""User components for compute-target tests; a module of its own so worker processes can
import them."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import user_component


@user_component(name="Compute Add Column")
def compute_add_column(data: pd.DataFrame, column: str = "x", amount: float = 1.0) -> pd.DataFrame:
    """Adds ``amount`` to ``column`` and records which process did it."""
    out = data.copy()
    out[column] = out[column] + amount
    print(f"added {amount} to {column}")
    return out


@user_component(name="Compute Which Process")
def compute_which_process(data: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"pid": [os.getpid()], "rows": [len(data)]})


@user_component(name="Compute Sleep")
def compute_sleep(data: pd.DataFrame, seconds: float = 1.0, pid_file: str = "") -> pd.DataFrame:
    """Writes its process id to ``pid_file`` then sleeps (tests kill it meanwhile); when the
    file exists already (a second attempt) it returns at once."""
    if pid_file:
        if os.path.exists(pid_file):
            return data.assign(attempt=2)
        with open(pid_file + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.replace(pid_file + ".tmp", pid_file)
    time.sleep(seconds)
    return data.assign(attempt=1)


@user_component(name="Compute Busy")
def compute_busy(data: pd.DataFrame, seconds: float = 1.0) -> pd.DataFrame:
    """Keeps a CPU busy (holding the GIL) for about ``seconds``."""
    end = time.process_time() + seconds
    x = 0
    while time.process_time() < end:
        for i in range(10000):
            x += i * i
    return data.assign(busy=float(x % 7))


@user_component(name="Compute Fail")
def compute_fail(data: pd.DataFrame) -> pd.DataFrame:
    print("about to fail in a worker")
    raise ValueError("column 'x' has a value this component does not accept")


@user_component(name="Compute Columns Seen")
def compute_columns_seen(data: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"column": list(data.columns)})


def frame(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(size=n), "y": rng.normal(size=n),
                         "z": rng.integers(0, 5, size=n), "s": rng.choice(list("abc"), size=n)})


#: weak references to every output of Compute Track, and what each node saw alive
TRACKED: list = []
ALIVE_AT_START: dict = {}


@user_component(name="Compute Track")
def compute_track(data: pd.DataFrame, tag: str = "") -> pd.DataFrame:
    """Records how many earlier Compute Track outputs are still alive when it starts."""
    import gc
    import weakref

    gc.collect()
    ALIVE_AT_START[tag] = sum(r() is not None for r in TRACKED)
    out = data.assign(**{f"t_{tag}": 1.0})
    TRACKED.append(weakref.ref(out))
    return out
