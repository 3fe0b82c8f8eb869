"""Pipeline drafts: nodes, edges, pipeline parameters, undo/redo, validation, schemas.

A :class:`Pipeline` is the one object the canvas, the Python API, the CLI and the pipeline
file all describe. Every edit goes through a method here, so each one can be undone and
observers (the canvas) hear of exactly what changed. The values it holds are in
:mod:`.nodes`, its file format in :mod:`.serialization`, its checks in :mod:`.validation`
and its graph walks in :mod:`.graph`.
"""

from __future__ import annotations

import copy as _copy
import graphlib
import re
from contextlib import contextmanager
from typing import Callable, Iterable

from . import graph as _graph
from . import serialization, validation
from .component import REGISTRY, slug
from .errors import (DesignerError, ParameterError, PipelineError, PortError,
                     ValidationIssue, PipelineValidationError)
from .nodes import DATA_TYPES, PARAMETER_TYPES, DesignSource, Edge, Node, PipelineParameter  # noqa: F401
from .params import PIPELINE_PARAMETER, is_binding
from .ports import Port, check_compatible
from .schema import Schema

NODE_W, NODE_H = 220, 60          # canvas node size used for free-spot placement and layout
GAP_X, GAP_Y = 40, 60


class Pipeline:
    """A pipeline draft."""

    def __init__(self, name: str = "Pipeline", *, description: str = "", default_compute: str = "local",
                 workspace=None):
        self.name = name
        self.description = description
        self.default_compute = default_compute
        self.workspace = workspace
        self.nodes: dict[str, Node] = {}
        self.edges: dict[str, Edge] = {}
        self.parameters: dict[str, PipelineParameter] = {}
        self._undo: list[dict] = []
        self._redo: list[dict] = []
        self._observers: list[Callable] = []
        self._depth = 0
        self._schema_cache: dict | None = None
        self._pending: list[dict] = []

    # -- observation ----------------------------------------------------------------
    def observe(self, callback: Callable[[dict], None]) -> Callable[[], None]:
        """Call ``callback(event)`` after every change; returns a function that stops it."""
        self._observers.append(callback)

        def unsubscribe():
            if callback in self._observers:
                self._observers.remove(callback)
        return unsubscribe

    def _emit(self, event: dict) -> None:
        self._schema_cache = None
        if self._depth:
            self._pending.append(event)
            return
        for cb in list(self._observers):
            cb(event)

    @contextmanager
    def _edit(self):
        """One undoable step; nested edits join the outer one."""
        if self._depth == 0:
            before = self._state()
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._restore(before, emit=False)
                self._pending.clear()
            raise
        self._depth -= 1
        if self._depth == 0:
            self._undo.append(before)
            del self._undo[:-200]
            self._redo.clear()
            pending, self._pending = self._pending, []
            self._schema_cache = None
            for ev in pending:
                for cb in list(self._observers):
                    cb(ev)

    # -- state snapshots (undo/redo) -------------------------------------------------
    def _state(self) -> dict:
        return {"nodes": {k: _copy.deepcopy(v) for k, v in self.nodes.items()},
                "edges": dict(self.edges),
                "parameters": _copy.deepcopy(self.parameters),
                "name": self.name, "description": self.description,
                "default_compute": self.default_compute}

    def _restore(self, state: dict, emit: bool = True) -> None:
        old_nodes, old_edges = self.nodes, self.edges
        self.nodes = {k: _copy.deepcopy(v) for k, v in state["nodes"].items()}
        self.edges = dict(state["edges"])
        params_changed = self.parameters != state["parameters"]
        self.parameters = _copy.deepcopy(state["parameters"])
        self.name, self.description = state["name"], state["description"]
        self.default_compute = state["default_compute"]
        self._schema_cache = None
        if not emit:
            return
        for eid in old_edges:
            if eid not in self.edges or old_edges[eid] != self.edges[eid]:
                self._emit({"type": "edge_removed", "id": eid})
        for nid in old_nodes:
            if nid not in self.nodes:
                self._emit({"type": "node_removed", "id": nid})
        for nid, n in self.nodes.items():
            if nid not in old_nodes:
                self._emit({"type": "node_added", "node": n.as_dict()})
            elif old_nodes[nid] != n:
                self._emit({"type": "node_changed", "id": nid, "node": n.as_dict()})
        for eid, e in self.edges.items():
            if eid not in old_edges or old_edges[eid] != e:
                self._emit({"type": "edge_added", "edge": e.as_dict()})
        if params_changed:
            self._emit({"type": "parameters_changed"})

    def replace_with(self, other: "Pipeline") -> None:
        """Make this draft equal to ``other`` (a restored or reloaded version) in one
        undoable edit; observers see the node and edge changes as usual."""
        with self._edit():
            self._restore(other._state())

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> bool:
        """Undo the last edit; returns False when there is nothing to undo."""
        if not self._undo:
            return False
        self._redo.append(self._state())
        self._restore(self._undo.pop())
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        self._undo.append(self._state())
        self._restore(self._redo.pop())
        return True

    # -- lookups --------------------------------------------------------------------
    def node(self, ref) -> Node:
        """A node by id, by Node, or by unique title (case-insensitive)."""
        if isinstance(ref, Node):
            ref = ref.id
        if ref in self.nodes:
            return self.nodes[ref]
        matches = [n for n in self.nodes.values() if n.title.lower() == str(ref).lower()]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise PipelineError(f"{len(matches)} nodes are titled {ref!r} "
                                f"({', '.join(n.id for n in matches)}); use a node id.")
        raise PipelineError(f"The pipeline has no node {ref!r}. Its nodes are: "
                            f"{', '.join(f'{n.id} ({n.title})' for n in self.nodes.values()) or '(none)'}.")

    def __getitem__(self, ref) -> Node:
        return self.node(ref)

    def __len__(self) -> int:
        return len(self.nodes)

    def _new_id(self, base: str) -> str:
        base = slug(base)[:40] or "node"
        i = 1
        while f"{base}_{i}" in self.nodes:
            i += 1
        return f"{base}_{i}"

    def _free_spot(self) -> tuple:
        if not self.nodes:
            return (0.0, 0.0)
        occupied = [n.position for n in self.nodes.values()]
        xs = sorted({round(p[0]) for p in occupied})
        left = min(xs)
        bottom = max(p[1] for p in occupied)
        y = bottom + NODE_H + GAP_Y
        return (float(left), float(y))

    # -- edits ----------------------------------------------------------------------
    def add_component(self, component, params: dict | None = None, *, position=None, comment: str = "",
                      id: str | None = None, compute: str | None = None, name: str | None = None) -> Node:
        """Add a component node (by name or id); parameters are checked for known keys."""
        spec = REGISTRY.get(component)
        values = {}
        for k, v in (params or {}).items():
            values[spec.param_key(k)] = v
        if id is not None and id in self.nodes:
            raise PipelineError(f"A node with id {id!r} already exists.")
        node = Node(id=id or self._new_id(spec.id), kind="component", component=spec.id,
                    params=values, comment=comment,
                    position=tuple(position) if position is not None else self._free_spot(),
                    compute=compute, name=name)
        self._check_param_values(node)
        with self._edit():
            self.nodes[node.id] = node
            self._emit({"type": "node_added", "node": node.as_dict()})
        return node

    def add_dataset(self, name: str, version: int | None = None, *, position=None, id: str | None = None,
                    type: str = "dataset", comment: str = "", **extra) -> Node:
        """Add a data node: a registered or sample dataset (or an ``MD-``/``TD-`` node)."""
        if type not in DATA_TYPES:
            raise PipelineError(f"A data node's type must be one of {', '.join(DATA_TYPES)}; got {type!r}.")
        data = {"name": name, "type": type}
        if version is not None:
            data["version"] = version
        data.update({k: v for k, v in extra.items() if v is not None})
        if id is not None and id in self.nodes:
            raise PipelineError(f"A node with id {id!r} already exists.")
        node = Node(id=id or self._new_id(name), kind="dataset", data=data, comment=comment,
                    position=tuple(position) if position is not None else self._free_spot())
        with self._edit():
            self.nodes[node.id] = node
            self._emit({"type": "node_added", "node": node.as_dict()})
        return node

    def remove_node(self, ref) -> None:
        node = self.node(ref)
        with self._edit():
            for e in [e for e in self.edges.values() if node.id in (e.source, e.target)]:
                del self.edges[e.id]
                self._emit({"type": "edge_removed", "id": e.id})
            del self.nodes[node.id]
            self._emit({"type": "node_removed", "id": node.id})

    def connect(self, source, source_port=None, target=None, target_port=None) -> Edge:
        """Connect ``source``'s output port to ``target``'s input port.

        Ports may be given by key or label; omitted, the first compatible free port is used.
        Refused (PortError/PipelineError) for incompatible types, an input already connected,
        a data node as target or a connection that would make a cycle.
        """
        if target is None:
            raise PipelineError("connect() needs a target node.")
        src, dst = self.node(source), self.node(target)
        if src.id == dst.id:
            raise PipelineError(f"Cannot connect {src.title} to itself.")
        if dst.kind != "component":
            raise PortError(f"{dst.title} is a data node: datasets connect only to components, "
                            "and nothing connects into a dataset.")
        taken = {e.target_port for e in self.edges.values() if e.target == dst.id}
        if source_port is None and target_port is None:
            pair = self._first_compatible(src, dst, taken)
            out, inp = pair
        else:
            out = src.output(source_port) if source_port is not None else None
            inp = dst.input(target_port) if target_port is not None else None
            if out is None:
                out = next((o for o in src.outputs if _types_ok(o, inp)), None)
                if out is None:
                    raise PortError(f"{src.title} has no output port that fits input "
                                    f"'{inp.label}' of {dst.title}.")
            if inp is None:
                inp = next((i for i in dst.inputs if i.key not in taken and _types_ok(out, i)), None)
                if inp is None:
                    raise PortError(f"{dst.title} has no free input port that takes "
                                    f"output '{out.label}' of {src.title}.")
        check_compatible(src.title, out, dst.title, inp)
        if inp.key in taken:
            other = next(e for e in self.edges.values() if e.target == dst.id and e.target_port == inp.key)
            raise PortError(f"Input '{inp.label}' of {dst.title} is already connected (from "
                            f"{self.nodes[other.source].title}). Remove that connection first.")
        if self._reaches(dst.id, src.id):
            raise PipelineError(f"Connecting {src.title} to {dst.title} would make a cycle: "
                                f"{dst.title} already feeds {src.title}.")
        eid = f"{src.id}.{out.key}->{dst.id}.{inp.key}"
        edge = Edge(eid, src.id, out.key, dst.id, inp.key)
        with self._edit():
            self.edges[eid] = edge
            self._emit({"type": "edge_added", "edge": edge.as_dict()})
        return edge

    def _first_compatible(self, src: Node, dst: Node, taken: set):
        for out in src.outputs:
            for inp in dst.inputs:
                if inp.key not in taken and _types_ok(out, inp):
                    return out, inp
        raise PortError(f"No output of {src.title} fits a free input of {dst.title}.")

    def _reaches(self, start: str, goal: str) -> bool:
        return start == goal or goal in self.descendants([start])

    def disconnect(self, edge_or_source, source_port=None, target=None, target_port=None) -> None:
        if isinstance(edge_or_source, Edge):
            eid = edge_or_source.id
        elif target is None:
            eid = edge_or_source
        else:
            s, t = self.node(edge_or_source), self.node(target)
            cands = [e for e in self.edges.values() if e.source == s.id and e.target == t.id
                     and (source_port is None or e.source_port == s.output(source_port).key)
                     and (target_port is None or e.target_port == t.input(target_port).key)]
            if len(cands) != 1:
                raise PipelineError(f"Found {len(cands)} connections from {s.title} to {t.title}.")
            eid = cands[0].id
        if eid not in self.edges:
            raise PipelineError(f"The pipeline has no connection {eid!r}.")
        with self._edit():
            del self.edges[eid]
            self._emit({"type": "edge_removed", "id": eid})

    def _check_param_values(self, node: Node) -> None:
        spec = node.spec
        keys = {p.key for p in spec.params}
        unknown = [k for k in node.params if k not in keys]
        if unknown:
            raise ParameterError(f"{spec.name} has no parameter {', '.join(map(repr, unknown))}. "
                                 f"Its parameters are: {', '.join(sorted(keys)) or '(none)'}.",
                                 component=spec.name, parameter=unknown[0])
        for p in spec.params:
            if p.key in node.params and not is_binding(node.params[p.key]) and node.params[p.key] is not None:
                node.params[p.key] = p.validate(node.params[p.key], spec.name)

    def set_param(self, ref, key, value) -> None:
        """Set one parameter (by key or label); the value is checked now, or raises."""
        node = self.node(ref)
        if node.kind != "component":
            raise PipelineError(f"{node.title} is a data node: it has no parameters.")
        p = node.spec.param(key)
        if value is not None and not is_binding(value):
            value = p.validate(value, node.spec.name)
        if is_binding(value) and value[PIPELINE_PARAMETER] not in self.parameters:
            raise PipelineError(f"No pipeline parameter {value[PIPELINE_PARAMETER]!r}; add it first.")
        with self._edit():
            if value is None:
                node.params.pop(p.key, None)
            else:
                node.params[p.key] = value
            self._emit({"type": "node_changed", "id": node.id, "node": node.as_dict()})

    def set_params(self, ref, values: dict) -> None:
        with self._edit():
            for k, v in values.items():
                self.set_param(ref, k, v)

    def _set_attr(self, ref, attr, value) -> None:
        node = self.node(ref)
        if getattr(node, attr) == value:
            return
        with self._edit():
            setattr(node, attr, value)
            self._emit({"type": "node_changed", "id": node.id, "node": node.as_dict()})

    def set_comment(self, ref, text: str) -> None:
        self._set_attr(ref, "comment", str(text or ""))

    def move_node(self, ref, x: float, y: float) -> None:
        self._set_attr(ref, "position", (float(x), float(y)))

    def set_compute(self, ref, target: str | None) -> None:
        self._set_attr(ref, "compute", target or None)

    def set_regenerate(self, ref, flag: bool = True) -> None:
        self._set_attr(ref, "regenerate", bool(flag))

    def rename_node(self, ref, name: str | None) -> None:
        self._set_attr(ref, "name", name or None)

    # -- pipeline parameters ----------------------------------------------------------
    def add_parameter(self, name: str, type: str = "str", default=None, description: str = "") -> PipelineParameter:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", str(name)):
            raise PipelineError(f"A pipeline parameter name must be an identifier; got {name!r}.")
        if type not in PARAMETER_TYPES:
            raise PipelineError(f"A pipeline parameter's type must be one of {', '.join(PARAMETER_TYPES)}; "
                                f"got {type!r}.")
        param = PipelineParameter(name, type, None, description)
        if default is not None:
            param.default = param.coerce(default)
        with self._edit():
            self.parameters[name] = param
            self._emit({"type": "parameters_changed"})
        return param

    def remove_parameter(self, name: str) -> None:
        if name not in self.parameters:
            raise PipelineError(f"No pipeline parameter {name!r}.")
        with self._edit():
            for n in self.nodes.values():
                for k, v in list(n.params.items()):
                    if is_binding(v) and v[PIPELINE_PARAMETER] == name:
                        n.params[k] = self.parameters[name].default
                        self._emit({"type": "node_changed", "id": n.id, "node": n.as_dict()})
                if n.kind == "dataset" and (n.data or {}).get("parameter") == name:
                    n.data.pop("parameter")
                    self._emit({"type": "node_changed", "id": n.id, "node": n.as_dict()})
            del self.parameters[name]
            self._emit({"type": "parameters_changed"})

    def bind_parameter(self, ref, key: str, name: str, *, create: bool = True) -> None:
        """Make node parameter ``key`` take its value from pipeline parameter ``name``.

        For a data node, ``key`` is ignored and the dataset itself becomes the parameter
        (batch inference). With ``create``, a missing pipeline parameter is added with the
        node's current value as default.
        """
        node = self.node(ref)
        with self._edit():
            if node.kind == "dataset":
                if name not in self.parameters:
                    self.add_parameter(name, "dataset", (node.data or {}).get("name"))
                node.data["parameter"] = name
                self._emit({"type": "node_changed", "id": node.id, "node": node.as_dict()})
                return
            p = node.spec.param(key)
            if name not in self.parameters:
                if not create:
                    raise PipelineError(f"No pipeline parameter {name!r}.")
                cur = node.params.get(p.key, p.default)
                ptype = {"int": "int", "float": "float", "bool": "bool"}.get(p.kind, "str")
                self.add_parameter(name, ptype, cur if not isinstance(cur, (dict, list)) else None)
            node.params[p.key] = {PIPELINE_PARAMETER: name}
            self._emit({"type": "node_changed", "id": node.id, "node": node.as_dict()})

    # -- copy / paste -----------------------------------------------------------------
    def copy(self, refs: Iterable) -> dict:
        """A clipboard document of the given nodes and the connections among them."""
        ids = [self.node(r).id for r in refs]
        chosen = set(ids)
        return {"nodes": [serialization.node_document(self.nodes[i]) for i in ids],
                "edges": [e.as_dict() for e in self.edges.values()
                          if e.source in chosen and e.target in chosen]}

    def paste(self, clipboard: dict, offset=(40.0, 40.0)) -> list[Node]:
        """Paste a clipboard (from :meth:`copy`), with new ids; one undoable step."""
        mapping, new = {}, []
        with self._edit():
            for nd in clipboard.get("nodes", []):
                node = serialization.node_from_doc(nd, "$clipboard")
                old = node.id
                node.id = self._new_id(node.component if node.kind == "component" else node.data["name"])
                node.position = (node.position[0] + offset[0], node.position[1] + offset[1])
                mapping[old] = node.id
                self.nodes[node.id] = node
                self._emit({"type": "node_added", "node": node.as_dict()})
                new.append(node)
            for ed in clipboard.get("edges", []):
                if ed["source"] in mapping and ed["target"] in mapping:
                    self.connect(mapping[ed["source"]], ed["source_port"], mapping[ed["target"]], ed["target_port"])
        return new

    # -- layout -----------------------------------------------------------------------
    def topological_order(self) -> list[str]:
        return [nid for layer in self.layers() for nid in layer]

    # -- graph queries ----------------------------------------------------------------
    def _pairs(self) -> list[tuple[str, str]]:
        return [(e.source, e.target) for e in self.edges.values()]

    def inputs_of(self, ref) -> dict[str, tuple[str, str]]:
        """``{input port: (source node id, source port)}`` of one node's connected inputs."""
        nid = ref if isinstance(ref, str) and ref in self.nodes else self.node(ref).id
        return {e.target_port: (e.source, e.source_port) for e in self.edges.values()
                if e.target == nid}

    def ancestors(self, targets, *, stop: Iterable[str] = ()) -> set:
        """Ids of every node with a path to one of ``targets`` (ids, or one id), not walking
        past the nodes in ``stop``."""
        targets = [targets] if isinstance(targets, str) else list(targets)
        return _graph.ancestors(self._pairs(), targets, stop=stop)

    def descendants(self, sources, *, stop: Iterable[str] = ()) -> set:
        """Ids of every node reached from one of ``sources`` (ids, or one id)."""
        sources = [sources] if isinstance(sources, str) else list(sources)
        return _graph.descendants(self._pairs(), sources, stop=stop)

    def layers(self) -> list[list[str]]:
        """Node ids in topological layers (a layer depends only on earlier ones); a cycle is
        a :class:`PipelineError` naming its nodes."""
        try:
            return _graph.layers(self.nodes, self._pairs())
        except graphlib.CycleError as exc:
            cycle = exc.args[1] if len(exc.args) > 1 else []
            titles = " -> ".join(self.nodes[n].title for n in cycle if n in self.nodes)
            raise PipelineError(f"The pipeline has a cycle: {titles}. Remove one of its connections.") from None

    def auto_layout(self) -> None:
        """Arrange nodes in layers top to bottom (longest path), one undoable step."""
        rows = dict(enumerate(self.layers()))  # a node's layer: its longest path from a source
        with self._edit():
            for depth, ids in rows.items():
                # keep the current left-to-right order within a layer
                ids.sort(key=lambda i: self.nodes[i].position[0])
                width = len(ids) * (NODE_W + GAP_X) - GAP_X
                for i, nid in enumerate(ids):
                    x = i * (NODE_W + GAP_X) - width / 2 + NODE_W / 2
                    y = depth * (NODE_H + GAP_Y * 1.5)
                    self.move_node(nid, round(x, 1), round(y, 1))

    # -- schemas ----------------------------------------------------------------------
    def _dataset_schema(self, node: Node) -> Schema | None:
        data = node.data or {}
        if data.get("type", "dataset") != "dataset":
            return None
        if data.get("schema"):
            return Schema.of(data["schema"])
        ws = self.workspace
        try:
            if ws is None:
                return None
            info = ws.dataset_info(data["name"], data.get("version"))
            return Schema.of(info.schema)
        except Exception:
            return None

    def schemas(self) -> dict:
        """Design-time schema of every output port: ``{(node_id, port_key): Schema | None}``."""
        if self._schema_cache is not None:
            return self._schema_cache
        out: dict = {}
        try:
            order = self.topological_order()
        except PipelineError:
            return {}
        defaults = {k: p.default for k, p in self.parameters.items()}
        for nid in order:
            node = self.nodes[nid]
            if node.kind == "dataset":
                out[(nid, node.outputs[0].key)] = self._dataset_schema(node)
                continue
            try:
                spec = node.spec
            except DesignerError:
                continue
            ins = {p.key: None for p in spec.inputs}
            for port, source in self.inputs_of(nid).items():
                ins[port] = out.get(source)
            try:
                params = spec.resolve_params(node.params, defaults)
            except DesignerError:
                params = None
            if params is None:
                res = {p.key: None for p in spec.outputs}
            else:
                res = spec.infer_schema(ins, params)
            for k, v in res.items():
                out[(nid, k)] = v
        self._schema_cache = out
        return out

    def input_schema(self, ref, port_key: str | None = None) -> Schema | None:
        """Columns arriving at an input port (the first one by default), if known."""
        node = self.node(ref)
        if not node.inputs:
            return None
        key = node.input(port_key).key if port_key else node.inputs[0].key
        for e in self.edges.values():
            if e.target == node.id and e.target_port == key:
                return self.schemas().get((e.source, e.source_port))
        return None

    def output_schema(self, ref, port_key: str | None = None) -> Schema | None:
        node = self.node(ref)
        key = node.output(port_key).key if port_key else node.outputs[0].key
        return self.schemas().get((node.id, key))

    # -- validation ---------------------------------------------------------------------
    def validate(self, parameters: dict | None = None) -> list[ValidationIssue]:
        """Every problem that keeps the draft from running (empty list: valid); see
        :mod:`.validation`."""
        return validation.validate(self, parameters)

    def check(self, parameters: dict | None = None) -> None:
        """Raise :class:`PipelineValidationError` listing every problem, if any."""
        issues = self.validate(parameters)
        if issues:
            raise PipelineValidationError(issues)

    # -- serialization ----------------------------------------------------------------
    def to_dict(self) -> dict:
        """The pipeline file's document (see :mod:`.serialization`)."""
        return serialization.document(self)

    def to_json(self) -> str:
        return serialization.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, doc, *, source: str | None = None, workspace=None) -> "Pipeline":
        return serialization.load_document(doc, source=source, into=cls(workspace=workspace))

    @classmethod
    def from_json(cls, text: str, *, source: str | None = None, workspace=None) -> "Pipeline":
        return serialization.loads(text, source=source, into=cls(workspace=workspace))

    @classmethod
    def load(cls, path, *, workspace=None) -> "Pipeline":
        return serialization.read(path, into=cls(workspace=workspace))

    def save(self, path) -> None:
        serialization.write(self, path)

    def clone(self) -> "Pipeline":
        return Pipeline.from_dict(self.to_dict(), workspace=self.workspace)

    def __repr__(self) -> str:
        return f"<Pipeline {self.name!r}: {len(self.nodes)} nodes, {len(self.edges)} connections>"


def _types_ok(out: Port | None, inp: Port | None) -> bool:
    from .ports import compatible
    if out is None or inp is None:
        return True
    return compatible(out.type, inp.type)
