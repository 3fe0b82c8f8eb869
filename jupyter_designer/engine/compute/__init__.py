"""Compute targets: where a pipeline's nodes execute, one module per kind of target.

* ``local`` - the kernel's own process; independent branches run in threads.
* ``local-processes`` - a pool of worker processes on this machine (joblib's loky).
* ``dask`` - a ``dask.distributed`` cluster: ``{"address": "tcp://host:8786"}`` connects to a
  running scheduler; ``{"address": "local"}`` starts a LocalCluster on this machine the first
  time a node needs it and stops it when the kernel exits.

A target is chosen per pipeline (``Pipeline.default_compute``) and per node
(``Pipeline.set_compute``) by name; names are registered in the workspace
(``Workspace.register_compute``). ``local`` always exists; ``local-processes`` and
``dask-local`` resolve to default configurations when no target of that name is registered.

Nodes on a process pool or a Dask cluster do not receive their inputs through the kernel:
the worker opens the workspace folder itself, reads its inputs from the artifact store
(Parquet tables with column projection where the component needs only some columns) and
writes its outputs there, and the runner records their artifact ids. So the workspace folder
must be reachable at the same path from every worker (on one machine it is; on a cluster,
use a shared file system).

Fan-out components spread their inner work over the node's target: Tune Model
Hyperparameters and Cross Validate Model through :meth:`ComputeTarget.fan_out` (on a Dask
cluster, one task per unit, see :func:`dask_fan_out`), Permutation Feature Importance
through :meth:`ComputeTarget.joblib_backend` and :attr:`ComputeTarget.n_jobs`.

Dask and joblib are imported inside functions only, so importing the engine stays cheap.

Modules: :mod:`.base` (the ``local`` target, what every target shares, configuration
checks), :mod:`.processes` (``local-processes``), :mod:`.dask_cluster` (``dask``),
:mod:`.worker` (what runs inside a worker process), :mod:`.registry` (target objects by
name). Reading a node's inputs is :mod:`jupyter_designer.engine.execution.inputs`; running
one node is :mod:`jupyter_designer.engine.execution.task`.
"""

from ..execution.inputs import (COLUMN_READERS, DatasetSource, InputRef, input_ref, load_input,
                                needed_columns)
from ..fanout import SequentialInside
from .base import BUILTIN_TARGETS, KINDS, ComputeError, ComputeTarget, LocalTarget, shutdown_all
from .dask_cluster import DaskTarget
from .processes import ProcessPoolTarget
from .registry import list_target_names, list_targets, make_target, resolve_target
from .worker import dask_fan_out, run_node_task

__all__ = ["ComputeTarget", "LocalTarget", "ProcessPoolTarget", "DaskTarget", "ComputeError",
           "DatasetSource", "InputRef", "SequentialInside", "KINDS", "BUILTIN_TARGETS", "COLUMN_READERS",
           "dask_fan_out", "make_target", "resolve_target", "list_targets", "list_target_names",
           "needed_columns", "input_ref", "load_input", "run_node_task", "shutdown_all"]
