"""Fan-out units: the inner work of a node (a sweep's fits, the folds of a cross validation)
spread over the node's compute target. joblib is imported inside functions only."""

from __future__ import annotations

from typing import Callable


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

    def __repr__(self) -> str:  # joblib and dask name tasks after it
        return getattr(self.fn, "__name__", repr(self.fn))

