"""The execution of one node, shared by every compute target (like Kedro's ``runner/task.py``).

:func:`run_node` calls a component's ``run`` on its inputs and returns its outputs as a dict;
the compiled serving pipeline uses it as it is, once per request. :func:`execute_component`
is what a pipeline run does around it: the node's ``print`` output and log records are
captured, the outputs are checked against the ports' types, and a component's failure comes
back as ``("failed", {...})`` instead of an exception, in the kernel or in a worker process.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
import time
import traceback
from dataclasses import dataclass

from ..component import ComponentSpec, RunContext
from ..errors import ComponentError, DesignerError, a_or_an
from ..ports import ANY, DATASET, EVALUATION, TRAINED_MODEL, TRANSFORMATION, UNTRAINED_MODEL
from ..workspace import EngineWorkspace


@dataclass
class NodePlan:
    """One node of a run as the scheduler and a compute target see it."""

    node_id: str
    title: str
    kind: str
    spec: ComponentSpec | None
    params: dict
    inputs: dict            # input port -> (source node id, source port)
    key: str = ""
    compute: str = "local"
    regenerate: bool = False
    data: dict | None = None
    execute: bool = True    # False: only its outputs are needed (reused or loaded)


# -- per-thread capture of print() output ------------------------------------------------
class _ThreadLocalStream(io.TextIOBase):
    """Replaces sys.stdout/stderr once; writes go to the current node's buffer, if any."""

    def __init__(self, original, which: str):
        self._original = original
        self._which = which

    def write(self, s):
        buf = getattr(_capture, self._which, None)
        if buf is not None:
            return buf.write(s)
        return self._original.write(s)

    def flush(self):
        buf = getattr(_capture, self._which, None)
        if buf is None:
            self._original.flush()

    def __getattr__(self, name):
        return getattr(self._original, name)


_capture = threading.local()
_install_lock = threading.Lock()


def _install_capture():
    with _install_lock:
        if not isinstance(sys.stdout, _ThreadLocalStream):
            sys.stdout = _ThreadLocalStream(sys.stdout, "out")
        if not isinstance(sys.stderr, _ThreadLocalStream):
            sys.stderr = _ThreadLocalStream(sys.stderr, "err")


class _Capture:
    """Collects a node's stdout, stderr and log records into one text."""

    def __init__(self, logger_name: str):
        self.buffer = io.StringIO()
        self.logger = logging.getLogger(logger_name)
        self.handler = logging.StreamHandler(self.buffer)
        self.handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))

    def __enter__(self):
        _install_capture()
        _capture.out = self.buffer
        _capture.err = self.buffer
        self.logger.addHandler(self.handler)
        self.logger.setLevel(logging.INFO)
        self.logger.propagate = False
        return self

    def __exit__(self, *exc):
        _capture.out = None
        _capture.err = None
        self.logger.removeHandler(self.handler)
        return False

    @property
    def text(self) -> str:
        return self.buffer.getvalue()


def check_output_type(port_type: str, value) -> bool:
    if value is None or port_type == ANY:
        return True
    from .. import models
    import pandas as pd

    if port_type == DATASET:
        return isinstance(value, pd.DataFrame)
    if port_type == TRAINED_MODEL:
        return isinstance(value, models.TrainedModel)
    if port_type == UNTRAINED_MODEL:
        return isinstance(value, models.UntrainedModel)
    if port_type == TRANSFORMATION:
        return isinstance(value, models.Transformation)
    if port_type == EVALUATION:
        return isinstance(value, models.EvaluationResult)
    return True


def run_node(spec: ComponentSpec, inputs: dict, params: dict, *, node_id: str = "",
             workspace=None, compute=None, logger: logging.Logger | None = None,
             context: RunContext | None = None) -> dict:
    """Run ``spec`` on ``inputs`` with resolved ``params``; its outputs as ``{port: value}``.

    Exceptions of the component are raised as they are; a component with one output port may
    return its value instead of a dict.
    """
    spec.check_available()
    ctx = context or RunContext(spec, node_id=node_id, workspace=workspace, compute=compute,
                                logger=logger)
    result = spec.run(ctx, inputs, dict(params))
    if not isinstance(result, dict):
        if len(spec.outputs) == 1:
            return {spec.outputs[0].key: result}
        raise ComponentError(f"{spec.name} returned {type(result).__name__}, not a dict of outputs")
    return result


def execute_component(plan: NodePlan, inputs: dict, *, workspace: EngineWorkspace | None = None, t0: float | None = None,
                      compute=None) -> tuple[str, dict]:
    """Run one component on its inputs; never raises for the component's own failures.

    Returns ``("completed", {"outputs", "duration", "log", "metrics"})`` or
    ``("failed", {"error", "log", "duration"})``. Shared by every compute target.
    """
    t0 = t0 or time.time()
    spec = plan.spec
    ctx = RunContext(spec, node_id=plan.node_id, workspace=workspace, compute=compute,
                     logger=logging.getLogger(f"jupyter_designer.node.{plan.node_id}.{threading.get_ident()}"))
    cap = _Capture(ctx.logger.name)
    try:
        with cap:
            result = run_node(spec, inputs, plan.params, context=ctx)
        outputs = {}
        for port in spec.outputs:
            val = result.get(port.key)
            if not check_output_type(port.type, val):
                raise ComponentError(f"{spec.name} produced a {type(val).__name__} on output "
                                     f"'{port.label}', which carries {a_or_an(port.type)}")
            outputs[port.key] = val
        return "completed", {"outputs": outputs, "duration": time.time() - t0, "log": cap.text,
                             "metrics": ctx.metrics}
    except DesignerError as exc:
        return "failed", {"error": str(exc), "log": cap.text, "duration": time.time() - t0}
    except KeyboardInterrupt:
        raise
    except MemoryError:
        return "failed", {"error": f"{spec.name} ran out of memory.", "log": cap.text,
                          "duration": time.time() - t0}
    except Exception as exc:
        tb = traceback.format_exc()
        return "failed", {"error": f"{spec.name} failed: {type(exc).__name__}: {exc}",
                          "log": cap.text + "\n" + tb, "duration": time.time() - t0}

