"""Fan-out units: the inner work of a node (a sweep's fits, the folds of a cross validation)
spread over the node's compute target. joblib is imported inside functions only."""

from __future__ import annotations

import threading
from importlib import import_module
from typing import Callable

#: Held while a worker imports component modules. A package's ``__init__`` importing its
#: submodules in one thread while another thread imports one of those submodules directly
#: (a fan-out unit's function being unpickled) takes the two module locks in opposite
#: orders: Python then breaks the deadlock by failing one import, and the package vanishes
#: from ``sys.modules`` under the other (a KeyError naming the package).
IMPORT_LOCK = threading.RLock()


def _unit_by_name(module: str, qualname: str) -> "SequentialInside":
    with IMPORT_LOCK:
        obj = import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return SequentialInside(obj)


class SequentialInside:
    """A fan-out unit (one fit of a sweep, one fold) whose own inner joblib calls run
    sequentially.

    The fan-out already gives every unit a worker of its own. Without this, joblib's dask
    backend runs every nested ``joblib.Parallel`` of a unit on the cluster too (each
    ColumnTransformer fit and transform becomes tasks of its own, with a scheduler round
    trip each), which made a sweep on a 2-worker cluster several times slower than on the
    kernel.
    """

    def __init__(self, fn: Callable):
        self.fn = fn

    def __call__(self, *args, **kwargs):
        from joblib import parallel_config

        with parallel_config(backend="sequential"):
            return self.fn(*args, **kwargs)

    def __reduce__(self):
        """A module-level function travels by name and is imported under :data:`IMPORT_LOCK`
        on the worker; anything else (a closure, a lambda) travels by value."""
        module, qualname = getattr(self.fn, "__module__", None), getattr(self.fn, "__qualname__", "")
        if module and qualname and "<" not in qualname:
            try:
                obj = import_module(module)
                for part in qualname.split("."):
                    obj = getattr(obj, part)
            except Exception:
                obj = None
            if obj is self.fn:
                return _unit_by_name, (module, qualname)
        return SequentialInside, (self.fn,)

    def __repr__(self) -> str:  # joblib and dask name tasks after it
        return getattr(self.fn, "__name__", repr(self.fn))

