"""The runner: executes a pipeline draft as a run.

- Nodes run in topological order; independent nodes run concurrently.
- Every node's outputs are stored under a content-addressed key (component identity and
  version, resolved parameter values, the keys of its inputs), so an unchanged node is never
  recomputed: it is *reused*. ``regenerate`` (per node or per run) forces a recompute.
- Progress leaves the runner only as :class:`RunEvent` objects handed to subscribers; the
  runner never calls into UI code.
- A failing node stops its dependents only (or the whole run with ``stop_on_failure``);
  Ctrl-C marks the run interrupted; finished nodes stay reusable.

The workspace (``jupyter_designer.store.Workspace``) is used through a small duck-typed
interface, so the engine does not import the store.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable

from .component import ComponentSpec
from .execution.inputs import DatasetSource, bind_data_node, data_node_port, input_ref, load_data_node, load_input
from .execution.task import check_output_type, execute_component  # noqa: F401  (also public here)
from .errors import DesignerError, NotFoundError, PipelineError, RunInterrupted

NODE_STATUSES = ("not_started", "queued", "running", "completed", "reused", "failed",
                 "skipped", "interrupted")
FINISHED = ("completed", "reused", "failed", "skipped", "interrupted")


@dataclass
class RunEvent:
    """One step of a run's progress. ``kind`` is ``run_started``, ``node_queued``,
    ``node_running``, ``node_completed``, ``node_reused``, ``node_failed``, ``node_skipped``,
    ``node_interrupted`` or ``run_finished``."""

    kind: str
    run_id: str
    node_id: str | None = None
    title: str | None = None
    status: str | None = None
    time: float = field(default_factory=time.time)
    duration: float | None = None
    error: str | None = None
    log: str | None = None
    done: int = 0
    total: int = 0
    target: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


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


@dataclass
class NodePlan:
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

    def __init__(self, workspace, *, max_workers: int | None = None, compute_targets: dict | None = None):
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
        ws = self.workspace
        run_id = handle.run_id
        by_id = {p.node_id: p for p in plans}
        dependents: dict[str, set] = {p.node_id: set() for p in plans}
        for p in plans:
            for src, _ in p.inputs.values():
                dependents[src].add(p.node_id)
        remaining_uses = {nid: len(d) for nid, d in dependents.items()}
        status: dict[str, str] = {p.node_id: "not_started" for p in plans}
        values: dict[str, dict] = {}       # in-memory outputs, freed when no dependent needs them
        artifacts: dict[str, dict] = {}
        total = sum(1 for p in plans if p.kind == "component" and p.execute)
        done_count = 0
        started = time.time()
        emit(RunEvent("run_started", run_id, total=total))
        lock = threading.Lock()

        counted: set = set()

        def set_status(plan, st, **kw):
            nonlocal done_count
            status[plan.node_id] = st
            # the counter moves when a node's final status is announced, so the numbers a
            # progress display shows rise by one per node even while outputs are stored
            if st in FINISHED and plan.kind == "component" and plan.execute \
                    and plan.node_id not in counted:
                counted.add(plan.node_id)
                done_count += 1
            ws.set_node(run_id, plan.node_id, status=st, title=plan.title,
                        **{k: v for k, v in kw.items() if k in ("started", "finished", "duration",
                                                               "cache_key", "outputs", "error", "log",
                                                               "metrics")})
            if plan.kind == "component" and plan.execute:
                emit(RunEvent(f"node_{st}", run_id, plan.node_id, plan.title, st,
                              duration=kw.get("duration"), error=kw.get("error"),
                              log=kw.get("log"), done=done_count, total=total, target=plan.compute))

        def held(src, sport):
            """(value in memory or None, artifact id or None) of an upstream output."""
            with lock:
                cached = values.get(src)
            arts = artifacts.get(src) or {}
            aid = arts.get(sport) or (getattr(cached, "artifact_ids", None) or {}).get(sport)
            if cached is None or sport not in cached:
                return None, aid
            if hasattr(cached, "artifact_ids") and aid:  # stored outputs: read them lazily
                return None, aid
            return cached[sport], aid

        def inputs_of(plan):
            """The node's inputs in this process; tables only with the columns it reads."""
            out = {}
            for port, (src, sport) in plan.inputs.items():
                value, aid = held(src, sport)
                out[port] = load_input(ws, plan, port, value, aid)
            return out

        def input_refs(plan):
            """How a worker reads the node's inputs itself (artifact ids, not data)."""
            return {port: input_ref(plan, port, *held(src, sport))
                    for port, (src, sport) in plan.inputs.items()}

        def release(plan):
            for src, _ in plan.inputs.values():
                with lock:
                    remaining_uses[src] -= 1
                    if remaining_uses[src] <= 0:
                        values.pop(src, None)

        def execute(plan: NodePlan):
            """Runs in a worker thread: returns ('completed'|'failed', payload)."""
            if plan.node_id in overrides:
                return "override", {"outputs": dict(overrides[plan.node_id])}
            t0 = time.time()
            try:
                target = self._target(plan.compute)
                if getattr(target, "remote", False):
                    return target.execute(plan, input_refs(plan), workspace=ws)
                ins = inputs_of(plan)
            except DesignerError as exc:
                return "failed", {"error": f"{plan.title}: {exc}", "log": "",
                                  "duration": time.time() - t0}
            return execute_component(plan, ins, workspace=ws, t0=t0, compute=target)

        position = {p.node_id: i for i, p in enumerate(plans)}
        pending = {p.node_id for p in plans}
        running: dict[Future, NodePlan] = {}
        # Outputs are stored by a background thread while downstream nodes already run on
        # the in-memory values; a node is "completed" (and reusable) once they are stored.
        saving: dict[Future, tuple] = {}
        computed: set = set()              # outputs in memory, still being stored
        remote_nodes: dict[str, bool] = {}
        stop = False
        pool = ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="designer-node")
        saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="designer-save")

        def runs_remotely(plan) -> bool:
            if plan.node_id not in remote_nodes:
                try:
                    remote_nodes[plan.node_id] = bool(getattr(self._target(plan.compute), "remote", False))
                except DesignerError:  # execute() reports it
                    remote_nodes[plan.node_id] = True
            return remote_nodes[plan.node_id]

        def inputs_ready(plan, srcs) -> bool:
            """Every input done; a node in this process may start on in-memory outputs that
            are still being stored, a worker process needs them stored."""
            if all(status[s] in ("completed", "reused") for s in srcs):
                return True
            # only while no other output waits to be stored: a backlog of saves would hold
            # one table per node in memory
            return all(status[s] in ("completed", "reused") or s in computed for s in srcs) \
                and computed <= set(srcs) and not runs_remotely(plan)
        try:
            for p in plans:
                if p.kind == "component" and p.execute:
                    set_status(p, "queued")
            while pending or running or saving:
                # schedule every ready node
                progressed = False
                for nid in sorted(pending, key=position.__getitem__):
                    plan = by_id[nid]
                    srcs = [s for s, _ in plan.inputs.values()]
                    if any(status[s] in ("failed", "skipped", "interrupted") for s in srcs) or (stop and plan.kind == "component"):
                        pending.discard(nid)
                        progressed = True
                        failed_src = next((by_id[s].title for s in srcs if status[s] in ("failed", "skipped")), None)
                        set_status(plan, "skipped", error=(f"Not run: {failed_src} did not complete."
                                                           if failed_src else "Not run: the run was stopped."))
                        release(plan)
                        continue
                    if not inputs_ready(plan, srcs):
                        continue
                    pending.discard(nid)
                    progressed = True
                    if plan.kind == "dataset":
                        try:
                            if nid in overrides:
                                values[nid] = dict(overrides[nid])
                            else:  # read when (and as far as) a consumer needs it
                                port = data_node_port(plan.data)
                                values[nid] = {port: DatasetSource(ws, plan.data,
                                                                   lambda d=plan.data: self._load_data(d))}
                            status[nid] = "completed"
                            ws.set_node(run_id, nid, status="completed", title=plan.title, cache_key=plan.key)
                        except DesignerError as exc:
                            set_status(plan, "failed", error=str(exc))
                            status[nid] = "failed"
                            ws.set_node(run_id, nid, status="failed", title=plan.title, error=str(exc))
                        continue
                    stored = None if (plan.regenerate or nid in overrides) else ws.get_outputs(plan.key)
                    if stored is not None:
                        arts = dict(stored.artifact_ids)
                        artifacts[nid] = arts
                        set_status(plan, "reused", cache_key=plan.key, outputs=arts, duration=0.0,
                                   metrics=_stored_metrics(ws, plan.key) or None)
                        continue
                    if not plan.execute:
                        set_status(plan, "failed", error=(
                            f"{plan.title} has no stored outputs for its current settings; run the "
                            "pipeline up to it first."))
                        continue
                    set_status(plan, "running", started=time.time())
                    running[pool.submit(execute, plan)] = plan
                if not running and not saving:
                    if pending and progressed:
                        continue
                    for nid in sorted(pending, key=position.__getitem__):
                        set_status(by_id[nid], "skipped", error="Not run: its inputs were not available.")
                    pending.clear()
                    break
                if handle._cancel.is_set():
                    stop = True
                finished, _ = wait([*running, *saving], timeout=0.2, return_when=FIRST_COMPLETED)
                for fut in finished:
                    if fut in saving:
                        plan, payload = saving.pop(fut)
                        computed.discard(plan.node_id)
                        try:
                            arts = fut.result()
                        except Exception as exc:
                            msg = str(exc) if isinstance(exc, DesignerError) else f"{type(exc).__name__}: {exc}"
                            set_status(plan, "failed", finished=time.time(), duration=payload["duration"],
                                       error=f"{plan.title}: its outputs could not be stored ({msg}).",
                                       log=payload.get("log"))
                            continue
                        artifacts[plan.node_id] = arts
                        set_status(plan, "completed", finished=time.time(), duration=payload["duration"],
                                   cache_key=plan.key, outputs=arts, log=payload.get("log"),
                                   metrics=payload.get("metrics") or None)
                        if payload.get("metrics"):
                            saver.submit(_store_metrics, ws, plan.key, payload["metrics"])
                        continue
                    plan = running.pop(fut)
                    nid = plan.node_id
                    try:
                        outcome, payload = fut.result()
                    except BaseException as exc:  # the executor itself failed
                        outcome, payload = "failed", {"error": f"{type(exc).__name__}: {exc}",
                                                      "log": traceback.format_exc(), "duration": 0.0}
                    if outcome == "override":
                        with lock:
                            values[nid] = payload["outputs"]
                        set_status(plan, "completed", duration=0.0)
                    elif outcome == "completed":
                        outs = payload.pop("outputs", None)
                        if outs is not None:
                            if remaining_uses[nid] > 0:  # kept in memory only while needed
                                with lock:
                                    values[nid] = outs
                            computed.add(nid)
                            saving[saver.submit(ws.put_outputs, plan.key, outs)] = (plan, payload)
                            del outs
                            release(plan)
                            continue
                        arts = payload["artifacts"]  # a remote target stored them already
                        artifacts[nid] = arts
                        if payload.get("metrics"):
                            saver.submit(_store_metrics, ws, plan.key, payload["metrics"])
                        set_status(plan, "completed", finished=time.time(), duration=payload["duration"],
                                   cache_key=plan.key, outputs=arts, log=payload.get("log"),
                                   metrics=payload.get("metrics") or None)
                    else:
                        set_status(plan, "failed", finished=time.time(), duration=payload.get("duration"),
                                   error=payload["error"], log=payload.get("log"))
                        if stop_on_failure:
                            stop = True
                    release(plan)
        except KeyboardInterrupt:
            handle._cancel.set()
            for fut, plan in [*running.items(), *((f, sp[0]) for f, sp in saving.items())]:
                fut.cancel()
                set_status(plan, "interrupted", error="Interrupted.")
            for nid in pending:
                if by_id[nid].kind == "component":
                    set_status(by_id[nid], "interrupted", error="Interrupted before it started.")
            ws.update_run(run_id, status="interrupted", finished=time.time(),
                          error="Interrupted by the user.")
            handle.status = "interrupted"
            emit(RunEvent("run_finished", run_id, status="interrupted", duration=time.time() - started))
            pool.shutdown(wait=False, cancel_futures=True)
            saver.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        saver.shutdown(wait=True)
        failed = [p for p in plans if status[p.node_id] == "failed"]
        if handle._cancel.is_set():
            final, err = "canceled", "Canceled."
        elif failed:
            final = "failed"
            err = f"{len(failed)} node(s) failed, first: {failed[0].title}"
        else:
            final, err = "completed", None
        ws.update_run(run_id, status=final, finished=time.time(), error=err)
        handle.status = final
        handle.error = err
        emit(RunEvent("run_finished", run_id, status=final, duration=time.time() - started,
                      error=err, done=done_count, total=total))


def _metrics_key(key: str) -> str:
    return f"{key}.metrics"


def _store_metrics(ws, key: str, metrics) -> None:
    """Keep a node's metrics next to its outputs, so a run reusing them reports them too."""
    try:
        ws.put_outputs(_metrics_key(key), {"metrics": dict(metrics)})
    except Exception:  # the run has them; only a later reuse would lack them
        logging.getLogger(__name__).warning("Metrics of output %s could not be stored", key,
                                            exc_info=True)


def _stored_metrics(ws, key: str) -> dict:
    try:
        stored = ws.get_outputs(_metrics_key(key))
        return dict(stored["metrics"]) if stored is not None else {}
    except Exception:  # unreadable: the node is still reused, without metrics
        return {}


def _override_key(outputs: dict) -> str:
    return "override:" + hashlib.sha256(str(id(outputs)).encode() + str(time.time()).encode()).hexdigest()[:16]
