"""``skops.io`` without the cost of importing PyTorch, CuPy or Dask arrays.

When ``skops.io`` is first imported it lists scikit-learn's estimators with
``sklearn.utils.all_estimators()``, which imports every public scikit-learn module, among them
the array-API adapters ``sklearn.externals.array_api_compat.{torch,cupy,dask}``; each imports
its library when it is installed. With PyTorch installed (the ``vision`` and ``recommenders``
extras) that is 10-30 s added to the first model stored or loaded by every process (a run, a
CLI command, a worker), for nothing: those adapters hold no estimator. :func:`skops_io`
imports ``skops.io`` with placeholders in their place, removed again afterwards, so a later
real import of an adapter (scikit-learn's array API dispatch on torch tensors) still works.
"""

from __future__ import annotations

import sys
import threading
import types

_ADAPTERS = tuple(f"sklearn.externals.array_api_compat.{lib}" for lib in ("torch", "cupy", "dask"))
_lock = threading.RLock()


def skops_io():
    """The ``skops.io`` module (imported on first use)."""
    sio = sys.modules.get("skops.io")
    if sio is not None and getattr(sio, "dump", None) is not None:
        return sio
    with _lock:
        placeholders = {}
        for name in _ADAPTERS:
            if name not in sys.modules:
                placeholders[name] = sys.modules[name] = types.ModuleType(name)
        try:
            import skops.io as sio
        finally:
            for name, mod in placeholders.items():
                if sys.modules.get(name) is mod:
                    del sys.modules[name]
        return sio
