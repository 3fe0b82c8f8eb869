"""The scheduler of one run: which node runs when, and what is recorded about it.

A run is a loop of small steps, each a method of :class:`Scheduler` that can be read and
tested on its own:

1. :meth:`~Scheduler.schedule_ready` - one pass over the pending nodes in pipeline order:
   a node whose input failed is skipped (:meth:`~Scheduler.blocked_reason`), a node whose
   inputs are ready (:meth:`~Scheduler.inputs_ready`) is started (:meth:`~Scheduler.start`):
   a data node is opened lazily, a component is reused when its outputs are stored
   (:meth:`~Scheduler.reuse`), else submitted to the node pool (:meth:`~Scheduler.submit`).
2. :meth:`~Scheduler.collect` - waits for a node or an output store to finish and records
   it (:meth:`~Scheduler.record_outcome`, :meth:`~Scheduler.record_saved`).
3. :meth:`~Scheduler.finish` (or :meth:`~Scheduler.interrupt` on Ctrl-C) - the run's
   final status.

Outputs are stored by a background thread while downstream nodes already run on the
in-memory values; a node is "completed" (and reusable) once they are stored. Progress leaves
only as :class:`~jupyter_designer.engine.events.RunEvent` objects handed to ``emit``.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Callable

from .errors import DesignerError
from .events import FINISHED, RunEvent
from .execution.inputs import DatasetSource, data_node_port, input_ref, load_data_node, load_input
from .execution.task import NodePlan, execute_component
from .workspace import EngineWorkspace

log = logging.getLogger(__name__)

#: statuses after which a node's dependents cannot run
BLOCKING = ("failed", "skipped", "interrupted")
DONE = ("completed", "reused")


_IMPORTED = threading.Event()
_IMPORT_LOCK = threading.Lock()


def import_learner_libraries() -> None:
    """Import the learners' libraries once, in one thread, before nodes run side by side.

    Two node threads importing scikit-learn's modules for the first time at once can meet a
    module the other is still initialising ("cannot import name ... from partially initialized
    module"), which failed a node; imported here first, each thread finds them complete."""
    if _IMPORTED.is_set():
        return
    with _IMPORT_LOCK:
        if _IMPORTED.is_set():
            return
        import importlib

        for name in ("sklearn.svm", "sklearn.linear_model", "sklearn.ensemble", "sklearn.tree",
                     "sklearn.neighbors", "sklearn.neural_network", "sklearn.cluster",
                     "sklearn.decomposition", "sklearn.multiclass", "sklearn.pipeline",
                     "lightgbm", "skops.io"):
            try:
                importlib.import_module(name)
            except Exception:  # a missing optional library: the node that needs it says so
                pass
        _IMPORTED.set()


class Scheduler:
    """Runs the planned nodes of one run against a workspace.

    ``target(name)`` gives the compute target object of a node (checked to be usable),
    ``handle`` is the run's :class:`~jupyter_designer.engine.runner.RunHandle` (its
    ``run_id``, cancel flag and final status).
    """

    def __init__(self, workspace: EngineWorkspace, handle, plans: list[NodePlan],
                 emit: Callable[[RunEvent], None], *, target: Callable, max_workers: int = 2,
                 stop_on_failure: bool = False, overrides: dict | None = None):
        self.ws = workspace
        self.handle = handle
        self.run_id = handle.run_id
        self.plans = plans
        self.emit = emit
        self.target = target
        self.max_workers = max_workers
        self.stop_on_failure = stop_on_failure
        self.overrides = overrides or {}
        self.by_id = {p.node_id: p for p in plans}
        self.position = {p.node_id: i for i, p in enumerate(plans)}
        dependents: dict[str, set] = {p.node_id: set() for p in plans}
        for p in plans:
            for src, _ in p.inputs.values():
                dependents[src].add(p.node_id)
        self.remaining_uses = {nid: len(d) for nid, d in dependents.items()}
        self.status: dict[str, str] = {p.node_id: "not_started" for p in plans}
        self.values: dict[str, dict] = {}      # in-memory outputs, freed when no dependent needs them
        self.artifacts: dict[str, dict] = {}
        self.total = sum(1 for p in plans if p.kind == "component" and p.execute)
        self.done_count = 0
        self._counted: set = set()
        self.lock = threading.Lock()
        self.pending = {p.node_id for p in plans}
        self.running: dict[Future, NodePlan] = {}
        self.saving: dict[Future, tuple] = {}
        self.computed: set = set()              # outputs in memory, still being stored
        self._remote: dict[str, bool] = {}
        self.stop = False
        self.started = time.time()
        self.pool: ThreadPoolExecutor | None = None
        self.saver: ThreadPoolExecutor | None = None

    # -- recording --------------------------------------------------------------------------
    def set_status(self, plan: NodePlan, st: str, **kw) -> None:
        """Record a node's status in the workspace and announce it."""
        self.status[plan.node_id] = st
        counts = plan.kind == "component" and plan.execute
        # the counter moves when a node's final status is announced, so the numbers a
        # progress display shows rise by one per node even while outputs are stored
        if st in FINISHED and counts and plan.node_id not in self._counted:
            self._counted.add(plan.node_id)
            self.done_count += 1
        self.ws.set_node(self.run_id, plan.node_id, status=st, title=plan.title,
                         **{k: v for k, v in kw.items() if k in ("started", "finished", "duration",
                                                                "cache_key", "outputs", "error",
                                                                "log", "metrics")})
        if counts:
            self.emit(RunEvent(f"node_{st}", self.run_id, plan.node_id, plan.title, st,
                               duration=kw.get("duration"), error=kw.get("error"),
                               log=kw.get("log"), done=self.done_count, total=self.total,
                               target=plan.compute))

    # -- inputs -----------------------------------------------------------------------------
    def held(self, src: str, sport: str):
        """(value in memory or None, artifact id or None) of an upstream output."""
        with self.lock:
            cached = self.values.get(src)
        arts = self.artifacts.get(src) or {}
        aid = arts.get(sport) or (getattr(cached, "artifact_ids", None) or {}).get(sport)
        if cached is None or sport not in cached:
            return None, aid
        if hasattr(cached, "artifact_ids") and aid:  # stored outputs: read them lazily
            return None, aid
        return cached[sport], aid

    def inputs_of(self, plan: NodePlan) -> dict:
        """The node's inputs in this process; tables only with the columns it reads."""
        return {port: load_input(self.ws, plan, port, *self.held(src, sport))
                for port, (src, sport) in plan.inputs.items()}

    def input_refs(self, plan: NodePlan) -> dict:
        """How a worker reads the node's inputs itself (artifact ids, not data)."""
        return {port: input_ref(plan, port, *self.held(src, sport))
                for port, (src, sport) in plan.inputs.items()}

    def release(self, plan: NodePlan) -> None:
        """The node no longer needs its inputs: free values no other node waits for."""
        for src, _ in plan.inputs.values():
            with self.lock:
                self.remaining_uses[src] -= 1
                if self.remaining_uses[src] <= 0:
                    self.values.pop(src, None)

    # -- step 1: pick ready nodes -------------------------------------------------------------
    def blocked_reason(self, plan: NodePlan) -> str | None:
        """Why ``plan`` will not run (an input did not complete, or the run stopped), or None."""
        srcs = [s for s, _ in plan.inputs.values()]
        if not (any(self.status[s] in BLOCKING for s in srcs) or (self.stop and plan.kind == "component")):
            return None
        failed_src = next((self.by_id[s].title for s in srcs if self.status[s] in ("failed", "skipped")), None)
        return f"Not run: {failed_src} did not complete." if failed_src else "Not run: the run was stopped."

    def runs_remotely(self, plan: NodePlan) -> bool:
        if plan.node_id not in self._remote:
            try:
                self._remote[plan.node_id] = bool(getattr(self.target(plan.compute), "remote", False))
            except DesignerError:  # execute() reports it
                self._remote[plan.node_id] = True
        return self._remote[plan.node_id]

    def inputs_ready(self, plan: NodePlan) -> bool:
        """Every input done; a node in this process may start on in-memory outputs that
        are still being stored, a worker process needs them stored."""
        srcs = [s for s, _ in plan.inputs.values()]
        if all(self.status[s] in DONE for s in srcs):
            return True
        # only while no other output waits to be stored: a backlog of saves would hold
        # one table per node in memory
        return all(self.status[s] in DONE or s in self.computed for s in srcs) \
            and self.computed <= set(srcs) and not self.runs_remotely(plan)

    def schedule_ready(self) -> bool:
        """One pass over the pending nodes in order: skip the blocked ones, start the ready
        ones. Returns whether any node left the pending set."""
        progressed = False
        for nid in sorted(self.pending, key=self.position.__getitem__):
            plan = self.by_id[nid]
            reason = self.blocked_reason(plan)
            if reason is not None:
                self.pending.discard(nid)
                progressed = True
                self.set_status(plan, "skipped", error=reason)
                self.release(plan)
                continue
            if not self.inputs_ready(plan):
                continue
            self.pending.discard(nid)
            progressed = True
            self.start(plan)
        return progressed

    # -- step 2: start a node -----------------------------------------------------------------
    def start(self, plan: NodePlan) -> None:
        """A ready node: open a data node, reuse stored outputs, or submit the component."""
        if plan.kind == "dataset":
            self.open_data_node(plan)
        elif self.reuse(plan):
            return
        elif not plan.execute:
            self.set_status(plan, "failed", error=(
                f"{plan.title} has no stored outputs for its current settings; run the "
                "pipeline up to it first."))
        else:
            self.submit(plan)

    def open_data_node(self, plan: NodePlan) -> None:
        nid = plan.node_id
        try:
            if nid in self.overrides:
                self.values[nid] = dict(self.overrides[nid])
            else:  # read when (and as far as) a consumer needs it
                self.values[nid] = {data_node_port(plan.data): DatasetSource(
                    self.ws, plan.data, lambda d=plan.data: load_data_node(self.ws, d))}
            self.status[nid] = "completed"
            self.ws.set_node(self.run_id, nid, status="completed", title=plan.title, cache_key=plan.key)
        except DesignerError as exc:
            self.set_status(plan, "failed", error=str(exc))
            self.status[nid] = "failed"
            self.ws.set_node(self.run_id, nid, status="failed", title=plan.title, error=str(exc))

    def reuse(self, plan: NodePlan) -> bool:
        """Reuse the node's stored outputs (same key, no regenerate): True if it was reused."""
        if plan.regenerate or plan.node_id in self.overrides:
            return False
        stored = self.ws.get_outputs(plan.key)
        if stored is None:
            return False
        arts = dict(stored.artifact_ids)
        self.artifacts[plan.node_id] = arts
        self.set_status(plan, "reused", cache_key=plan.key, outputs=arts, duration=0.0,
                        metrics=stored_metrics(self.ws, plan.key) or None)
        return True

    def submit(self, plan: NodePlan) -> Future:
        self.set_status(plan, "running", started=time.time())
        fut = self._pool().submit(self.execute, plan)
        self.running[fut] = plan
        return fut

    def execute(self, plan: NodePlan) -> tuple[str, dict]:
        """Runs in a node thread: ``('completed' | 'failed' | 'override', payload)``."""
        if plan.node_id in self.overrides:
            return "override", {"outputs": dict(self.overrides[plan.node_id])}
        t0 = time.time()
        try:
            target = self.target(plan.compute)
            if getattr(target, "remote", False):
                return target.execute(plan, self.input_refs(plan), workspace=self.ws)
            ins = self.inputs_of(plan)
        except DesignerError as exc:
            return "failed", {"error": f"{plan.title}: {exc}", "log": "",
                              "duration": time.time() - t0}
        return execute_component(plan, ins, workspace=self.ws, t0=t0, compute=target)

    # -- step 3: collect and record ---------------------------------------------------------------
    def collect(self, timeout: float = 0.2) -> None:
        """Wait (up to ``timeout``) for running nodes and output stores; record those done."""
        finished, _ = wait([*self.running, *self.saving], timeout=timeout, return_when=FIRST_COMPLETED)
        for fut in finished:
            if fut in self.saving:
                self.record_saved(fut)
                continue
            plan = self.running.pop(fut)
            try:
                outcome, payload = fut.result()
            except BaseException as exc:  # the executor itself failed
                outcome, payload = "failed", {"error": f"{type(exc).__name__}: {exc}",
                                              "log": traceback.format_exc(), "duration": 0.0}
            self.record_outcome(plan, outcome, payload)

    def record_saved(self, fut: Future) -> None:
        """A node's outputs were stored (or could not be): the node is completed (or failed)."""
        plan, payload = self.saving.pop(fut)
        self.computed.discard(plan.node_id)
        try:
            arts = fut.result()
        except Exception as exc:
            msg = str(exc) if isinstance(exc, DesignerError) else f"{type(exc).__name__}: {exc}"
            self.set_status(plan, "failed", finished=time.time(), duration=payload["duration"],
                            error=f"{plan.title}: its outputs could not be stored ({msg}).",
                            log=payload.get("log"))
            return
        self.artifacts[plan.node_id] = arts
        self._completed(plan, payload, arts)

    def record_outcome(self, plan: NodePlan, outcome: str, payload: dict) -> None:
        """What a node's execution returned: outputs to store, stored outputs, or a failure."""
        nid = plan.node_id
        if outcome == "override":
            with self.lock:
                self.values[nid] = payload["outputs"]
            self.set_status(plan, "completed", duration=0.0)
        elif outcome == "completed":
            outs = payload.pop("outputs", None)
            if outs is not None:
                if self.remaining_uses[nid] > 0:  # kept in memory only while needed
                    with self.lock:
                        self.values[nid] = outs
                self.computed.add(nid)
                self.saving[self._saver().submit(self.ws.put_outputs, plan.key, outs)] = (plan, payload)
                del outs
                self.release(plan)
                return
            arts = payload["artifacts"]  # a remote target stored them already
            self.artifacts[nid] = arts
            self._completed(plan, payload, arts)
        else:
            self.set_status(plan, "failed", finished=time.time(), duration=payload.get("duration"),
                            error=payload["error"], log=payload.get("log"))
            if self.stop_on_failure:
                self.stop = True
        self.release(plan)

    def _completed(self, plan: NodePlan, payload: dict, arts: dict) -> None:
        metrics = payload.get("metrics")
        if metrics:
            self._saver().submit(store_metrics, self.ws, plan.key, metrics)
        self.set_status(plan, "completed", finished=time.time(), duration=payload["duration"],
                        cache_key=plan.key, outputs=arts, log=payload.get("log"),
                        metrics=metrics or None)

    # -- the loop -------------------------------------------------------------------------------
    def _pool(self) -> ThreadPoolExecutor:
        if self.pool is None:
            if self.max_workers > 1:
                import_learner_libraries()
            self.pool = ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="designer-node")
        return self.pool

    def _saver(self) -> ThreadPoolExecutor:
        if self.saver is None:
            self.saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="designer-save")
        return self.saver

    def skip_unreachable(self) -> None:
        """Nothing runs and nothing can start: the pending nodes' inputs never came."""
        for nid in sorted(self.pending, key=self.position.__getitem__):
            self.set_status(self.by_id[nid], "skipped", error="Not run: its inputs were not available.")
        self.pending.clear()

    def run(self) -> None:
        """Run every planned node; record the run's final status."""
        self.emit(RunEvent("run_started", self.run_id, total=self.total))
        self._pool()
        self._saver()
        try:
            for p in self.plans:
                if p.kind == "component" and p.execute:
                    self.set_status(p, "queued")
            while self.pending or self.running or self.saving:
                progressed = self.schedule_ready()
                if not self.running and not self.saving:
                    if self.pending and progressed:
                        continue
                    self.skip_unreachable()
                    break
                if self.handle._cancel.is_set():
                    self.stop = True
                self.collect()
        except KeyboardInterrupt:
            self.interrupt()
            raise
        self.pool.shutdown(wait=True)
        self.saver.shutdown(wait=True)
        self.finish()

    def interrupt(self) -> None:
        """Ctrl-C: running and pending nodes are marked interrupted, and so is the run."""
        self.handle._cancel.set()
        for fut, plan in [*self.running.items(), *((f, sp[0]) for f, sp in self.saving.items())]:
            fut.cancel()
            self.set_status(plan, "interrupted", error="Interrupted.")
        for nid in self.pending:
            if self.by_id[nid].kind == "component":
                self.set_status(self.by_id[nid], "interrupted", error="Interrupted before it started.")
        self.ws.update_run(self.run_id, status="interrupted", finished=time.time(),
                           error="Interrupted by the user.")
        self.handle.status = "interrupted"
        self.emit(RunEvent("run_finished", self.run_id, status="interrupted",
                           duration=time.time() - self.started))
        for pool in (self.pool, self.saver):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    def finish(self) -> None:
        """The run's final status: canceled, failed (naming the first failed node) or completed."""
        failed = [p for p in self.plans if self.status[p.node_id] == "failed"]
        if self.handle._cancel.is_set():
            final, err = "canceled", "Canceled."
        elif failed:
            final = "failed"
            err = f"{len(failed)} node(s) failed, first: {failed[0].title}"
        else:
            final, err = "completed", None
        self.ws.update_run(self.run_id, status=final, finished=time.time(), error=err)
        self.handle.status = final
        self.handle.error = err
        self.emit(RunEvent("run_finished", self.run_id, status=final, duration=time.time() - self.started,
                           error=err, done=self.done_count, total=self.total))


# -- metrics kept next to outputs ------------------------------------------------------------
def _metrics_key(key: str) -> str:
    return f"{key}.metrics"


def store_metrics(ws, key: str, metrics) -> None:
    """Keep a node's metrics next to its outputs, so a run reusing them reports them too."""
    try:
        ws.put_outputs(_metrics_key(key), {"metrics": dict(metrics)})
    except Exception:  # the run has them; only a later reuse would lack them
        log.warning("Metrics of output %s could not be stored", key, exc_info=True)


def stored_metrics(ws, key: str) -> dict:
    try:
        stored = ws.get_outputs(_metrics_key(key))
        return dict(stored["metrics"]) if stored is not None else {}
    except Exception:  # unreadable: the node is still reused, without metrics
        return {}
