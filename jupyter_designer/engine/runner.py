"""The runner: executes a pipeline draft as a run.

- Nodes run in topological order; independent nodes run concurrently.
- Every node's outputs are stored under a content-addressed key (component identity and
  version, resolved parameter values, the keys of its inputs), so an unchanged node is never
  recomputed: it is *reused*. ``regenerate`` (per node or per run) forces a recompute.
- Progress leaves the runner only as :class:`RunEvent` objects handed to subscribers; the
  runner never calls into UI code.
- This module plans a run (:meth:`Runner.plan`: order, parameter values, output keys) and
  starts it; :mod:`.scheduler` runs the planned nodes, :mod:`.execution` runs one node,
  :mod:`.compute` says where.
- A failing node stops its dependents only (or the whole run with ``stop_on_failure``);
  Ctrl-C marks the run interrupted; finished nodes stay reusable.

The workspace (``jupyter_designer.store.Workspace``) is used through the
:class:`~jupyter_designer.engine.workspace.EngineWorkspace` protocol, so the engine does not
import the store.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from typing import Callable

from .component import ComponentSpec
from .errors import DesignerError, NotFoundError, PipelineError, RunInterrupted
from .events import FINISHED, NODE_STATUSES, RunEvent  # noqa: F401  (also importable from here)
from .execution.inputs import bind_data_node, load_data_node
from .execution.task import NodePlan, check_output_type, execute_component  # noqa: F401
from .scheduler import Scheduler
from .workspace import EngineWorkspace


# -- output keys ----------------------------------------------------------------------
def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def node_key(spec: ComponentSpec, params: dict, input_keys: dict, seed: int = 0) -> str:
    """Content address of a node's outputs."""
    h = hashlib.sha256()
    h.update(spec.fingerprint().encode())
    h.update(_canonical(params).encode())
    h.update(_canonical(sorted(input_keys.items())).encode())
    h.update(str(seed).encode())
    fingerprint = spec.extra.get("cache_fingerprint")
    if fingerprint is not None:  # e.g. Import Data: the files' paths, sizes and times
        try:
            h.update(str(fingerprint(params)).encode())
        except Exception as exc:  # unreadable source: never reuse; the run reports it
            h.update(f"{type(exc).__name__}:{exc}:{time.time()}".encode())
    return h.hexdigest()[:32]


class RunHandle:
    """A submitted run: ``wait()`` for it, read ``status`` and outputs."""

    def __init__(self, runner: "Runner", run_id: str):
        self.runner = runner
        self.run_id = run_id
        self.status = "running"
        self.error: str | None = None
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()

    def wait(self, timeout: float | None = None):
        """Block until the run has finished; returns its record from the workspace."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"run {self.run_id} did not finish within {timeout} s")
        return self.record()

    def cancel(self) -> None:
        """Ask the run to stop after the nodes already running; it ends ``canceled``."""
        self._cancel.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def record(self):
        return self.runner.workspace.get_run(self.run_id)

    def output(self, node, port: str | None = None):
        """The value on one output port of one node of this run.

        ``node`` is what ``Pipeline.connect`` accepts: a node id, a unique node title (any
        case) or a node; ``port`` an output port's key or label (default: the first one)."""
        rec = self.record()
        node_id, port_key = resolve_run_output(rec, node, port)
        return self.runner.workspace.run_output(self.run_id, node_id, port_key)

    @property
    def metrics(self) -> dict:
        return self.record().metrics

    def __repr__(self):
        return f"<Run {self.run_id} {self.status}>"


def _run_node_ports(rec, node_id: str) -> list:
    """(key, label) of a run node's output ports: from its component, else what it stored."""
    doc = next((n for n in (rec.snapshot or {}).get("nodes", []) if n.get("id") == node_id), None)
    ports = []
    if doc is not None and doc.get("kind") == "component":
        from .component import REGISTRY

        try:
            ports = [(p.key, p.label) for p in REGISTRY.get(doc["component"]).outputs]
        except DesignerError:
            ports = []
    elif doc is not None:
        t = (doc.get("data") or {}).get("type", "dataset")
        ports = [(t, {"dataset": "Dataset", "model": "Trained model",
                      "transformation": "Transformation"}.get(t, t))]
    stored = rec.nodes[node_id].outputs if node_id in rec.nodes else {}
    ports += [(k, k) for k in stored if k not in {key for key, _ in ports}]
    return ports


def resolve_run_output(rec, node, port=None) -> tuple[str, str]:
    """``(node id, port key)`` of a run's output named the way ``Pipeline.connect`` names
    ports: node by id, unique title (any case) or node object; port by key or label."""
    from .component import slug

    ref = getattr(node, "id", node)
    nodes = rec.nodes
    listing = ", ".join(f"{nid} ({n.title})" if n.title and n.title != nid else nid
                        for nid, n in nodes.items()) or "(none)"
    if ref in nodes:
        node_id = ref
    else:
        matches = [nid for nid, n in nodes.items() if (n.title or "").lower() == str(ref).lower()]
        if len(matches) > 1:
            raise NotFoundError(f"{len(matches)} nodes of run {rec.id} are titled {ref!r} "
                                f"({', '.join(matches)}); use a node id.")
        if not matches:
            raise NotFoundError(f"Run {rec.id} has no node {ref!r}. Its nodes are: {listing}.")
        node_id = matches[0]
    title = nodes[node_id].title or node_id
    ports = _run_node_ports(rec, node_id)
    stored = nodes[node_id].outputs
    names = ", ".join(f"{k!r} ({label})" if label != k else repr(k) for k, label in ports) or "(none)"
    if port is None:
        key = next((k for k, _ in ports if k in stored), None) or next(iter(stored), None)
    else:
        key = next((k for k, _ in ports if k == port), None) \
            or next((k for k, label in ports if label.lower() == str(port).lower()
                     or slug(label) == slug(str(port))), None)
        if key is None:
            raise NotFoundError(f"{title} ({node_id}) has no output port {port!r}. Its output "
                                f"ports are: {names}.")
    if key is None or key not in stored:
        what = f"output {key!r}" if key else "outputs"
        raise NotFoundError(f"{title} ({node_id}) has no stored {what} in run {rec.id} (its "
                            f"status: {nodes[node_id].status}). Its output ports are: {names}.")
    return node_id, key


class Runner:
    """Executes pipelines against a workspace."""

    def __init__(self, workspace: EngineWorkspace, *, max_workers: int | None = None,
                 compute_targets: dict | None = None):
        self.workspace = workspace
        self.max_workers = max_workers or max(2, min(4, os.cpu_count() or 2))
        self._subscribers: list[Callable[[RunEvent], None]] = []
        self.compute_targets = compute_targets if compute_targets is not None else {}

    def subscribe(self, callback: Callable[[RunEvent], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    # -- planning ---------------------------------------------------------------------
    def plan(self, pipeline, parameters: dict | None = None, *, up_to=None, only=None,
             regenerate: bool = False, overrides: dict | None = None, compute: str | None = None) -> tuple[list, dict]:
        pvalues = {k: p.default for k, p in pipeline.parameters.items()}
        for k, v in (parameters or {}).items():
            if k not in pipeline.parameters:
                raise PipelineError(f"Unknown pipeline parameter {k!r}. This pipeline's parameters "
                                    f"are: {', '.join(pipeline.parameters) or '(none)'}.")
            pvalues[k] = pipeline.parameters[k].coerce(v)
        pipeline.check(pvalues)
        order = pipeline.topological_order()
        wanted = set(order)
        if up_to is not None:
            target = pipeline.node(up_to).id
            wanted = pipeline.ancestors(target) | {target}
        if only is not None:
            only_ids = {pipeline.node(x).id for x in ([only] if isinstance(only, str) else only)}
            wanted = pipeline.ancestors(only_ids) | only_ids
        else:
            only_ids = None
        plans: list[NodePlan] = []
        keys: dict[str, str] = {}
        overrides = overrides or {}
        for nid in order:
            if nid not in wanted:
                continue
            node = pipeline.nodes[nid]
            inputs = pipeline.inputs_of(nid)
            target_name = node.compute or compute or pipeline.default_compute or "local"
            if node.kind == "dataset":
                data = bind_data_node(node.data, pvalues)
                key = self._data_key(data) if nid not in overrides else _override_key(overrides[nid])
                plans.append(NodePlan(nid, node.title, "dataset", None, {}, {}, key=key, data=data,
                                      compute=target_name))
                keys[nid] = key
                continue
            spec = node.spec
            params = spec.resolve_params(node.params, pvalues)
            if nid in overrides:
                key = _override_key(overrides[nid])
            else:
                key = node_key(spec, params, {p: f"{keys[s]}:{sp}" for p, (s, sp) in inputs.items()})
            keys[nid] = key
            execute = only_ids is None or nid in only_ids
            plans.append(NodePlan(nid, node.title, "component", spec, params, inputs, key=key,
                                  compute=target_name,
                                  # components without outputs act on the world (Export Data): always run
                                  regenerate=regenerate or node.regenerate or not spec.outputs,
                                  execute=execute))
        return plans, pvalues

    def _data_key(self, data: dict) -> str:
        if data.get("artifact"):
            return f"artifact:{data['artifact']}"
        if data.get("type", "dataset") == "model":
            info = self.workspace.model_info(data["name"], data.get("version")) \
                if hasattr(self.workspace, "model_info") else None
            return f"model:{data['name']}:{getattr(info, 'version', data.get('version'))}"
        return "dataset:" + self.workspace.dataset_key(data["name"], data.get("version"))

    def _load_data(self, data: dict):
        return load_data_node(self.workspace, data)

    # -- running ----------------------------------------------------------------------
    def submit(self, pipeline, experiment: str = "Default", parameters: dict | None = None, *,
               regenerate: bool = False, up_to=None, only=None, compute: str | None = None,
               background: bool = False, on_event: Callable | None = None,
               stop_on_failure: bool = False, overrides: dict | None = None,
               record: bool = True) -> RunHandle:
        """Validate and run ``pipeline``; returns a :class:`RunHandle`.

        In the foreground (default) the call returns when the run has finished, and Ctrl-C
        interrupts it. With ``background=True`` it returns at once and the run goes on in a
        thread (the canvas uses this so the kernel stays responsive).
        ``overrides`` = ``{node_id: {port: value}}`` gives nodes fixed outputs (the serving
        layer injects request rows into Web Service Input this way).
        """
        plans, pvalues = self.plan(pipeline, parameters, up_to=up_to, only=only,
                                   regenerate=regenerate, overrides=overrides, compute=compute)
        for plan in plans:
            if plan.kind == "component" and plan.execute:
                self._target(plan.compute)  # unknown/unreachable targets fail before any node runs
        snapshot = pipeline.to_dict()
        run_id = self.workspace.create_run(
            experiment=experiment, pipeline_name=pipeline.name, snapshot=snapshot,
            parameters=pvalues, compute=compute or pipeline.default_compute or "local", pid=os.getpid(),
            draft=getattr(pipeline, "draft_name", None))
        handle = RunHandle(self, run_id)
        for plan in plans:
            self.workspace.set_node(run_id, plan.node_id, status="not_started", title=plan.title)
        callbacks = list(self._subscribers) + ([on_event] if on_event else [])
        callbacks += _run_observers(self.workspace, run_id)

        def emit(ev: RunEvent):
            for cb in callbacks:
                try:
                    cb(ev)
                except Exception:  # an observer's bug must not break the run
                    logging.getLogger(__name__).exception("run event observer failed")

        if background:
            t = threading.Thread(target=self._run_guarded, name=f"designer-run-{run_id}",
                                 args=(handle, plans, emit, stop_on_failure, overrides or {}), daemon=True)
            handle._thread = t
            t.start()
        else:
            self._run_guarded(handle, plans, emit, stop_on_failure, overrides or {})
            if handle.status == "interrupted":
                raise RunInterrupted(f"Run {run_id} was interrupted. Submit it again to re-run; "
                                     "finished nodes will be reused.")
        return handle

    def _target(self, name: str):
        """The compute target object named ``name``, checked to be usable now: an unknown
        name or an unreachable Dask scheduler raises here, within a few seconds."""
        from .compute import resolve_target

        name = name or "local"
        target = self.compute_targets.get(name)
        if target is None:
            target = resolve_target(self.workspace, name)
        check = getattr(target, "check", None)
        if check is not None:
            check()
        return target

    def _run_guarded(self, handle, plans, emit, stop_on_failure, overrides):
        try:
            self._run(handle, plans, emit, stop_on_failure, overrides)
        except KeyboardInterrupt:
            handle.status = "interrupted"
        except BaseException as exc:  # the run's own bookkeeping failed
            handle.status = "failed"
            handle.error = f"{type(exc).__name__}: {exc}"
            try:
                self.workspace.update_run(handle.run_id, status="failed", error=handle.error,
                                          finished=time.time())
            except Exception:
                pass
            emit(RunEvent("run_finished", handle.run_id, status="failed", error=handle.error))
        finally:
            handle._done.set()

    def _run(self, handle: RunHandle, plans: list[NodePlan], emit, stop_on_failure, overrides):
        Scheduler(self.workspace, handle, plans, emit, target=self._target, max_workers=self.max_workers,
                  stop_on_failure=stop_on_failure, overrides=overrides).run()


def _run_observers(workspace, run_id: str) -> list:
    from importlib import import_module

    from .events import OBSERVER_MODULES, RUN_OBSERVERS

    while OBSERVER_MODULES:
        name = OBSERVER_MODULES.pop(0)
        try:
            import_module(name)
        except Exception:  # an observer's bug must not break the run
            logging.getLogger(__name__).exception("run observers of %s failed to load", name)
    found = []
    for factory in list(RUN_OBSERVERS):
        try:
            cb = factory(workspace, run_id)
        except Exception:  # an observer's bug must not break the run
            logging.getLogger(__name__).exception("run observer failed")
            cb = None
        if cb is not None:
            found.append(cb)
    return found


def _override_key(outputs: dict) -> str:
    return "override:" + hashlib.sha256(str(id(outputs)).encode() + str(time.time()).encode()).hexdigest()[:16]
