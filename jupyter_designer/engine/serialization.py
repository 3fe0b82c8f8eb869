"""The pipeline file: versioned, deterministic JSON with migrations.

Both halves of the format live here: :func:`document` writes a pipeline's document,
:func:`load_document` reads one into an empty pipeline (``Pipeline.to_dict`` /
``Pipeline.from_dict`` and friends are thin methods over these). This module knows the
values a pipeline is made of (:mod:`.nodes`), not the ``Pipeline`` class, so the imports
point one way: ``pipeline -> serialization -> nodes``.

``schema_version`` names the document's format. Older documents are migrated step by step
by the functions in :data:`MIGRATIONS`; every problem in a document is reported with the
JSON path where it is (``$.nodes[2].params``).
"""

from __future__ import annotations

import copy as _copy
import json
from pathlib import Path
from typing import Any, Callable

from jupyter_designer.fileio import atomic_write

from .component import REGISTRY
from .errors import DesignerError, PipelineFileError
from .nodes import DATA_TYPES, PARAMETER_TYPES, Edge, Node, PipelineParameter

SCHEMA_VERSION = 1


def _migrate_0_to_1(doc: dict) -> dict:
    """Version 0 wrote edges as ``{"from": "node.port", "to": "node.port"}`` and positions
    as ``{"x": .., "y": ..}``."""
    doc = dict(doc)
    doc["schema_version"] = 1
    if not isinstance(doc.get("edges", []), list) or not isinstance(doc.get("nodes", []), list):
        return doc  # malformed: reported with its path by the loader
    edges = []
    for i, e in enumerate(doc.get("edges", [])):
        if isinstance(e, dict) and "from" in e and "to" in e:
            try:
                s, sp = str(e["from"]).split(".", 1)
                t, tp = str(e["to"]).split(".", 1)
            except ValueError:
                raise PipelineFileError(f"$.edges[{i}]", "'from' and 'to' must look like "
                                        "'node.port'") from None
            edges.append({"source": s, "source_port": sp, "target": t, "target_port": tp})
        else:
            edges.append(e)
    doc["edges"] = edges
    nodes = []
    for n in doc.get("nodes", []):
        if isinstance(n, dict) and isinstance(n.get("position"), dict):
            n = {**n, "position": [n["position"].get("x", 0), n["position"].get("y", 0)]}
        nodes.append(n)
    doc["nodes"] = nodes
    doc["schema_version"] = 1
    return doc


#: ``{from_version: function(doc) -> doc of from_version + 1}``
MIGRATIONS: dict[int, Callable[[dict], dict]] = {0: _migrate_0_to_1}


def migrate(doc: dict, source: str | None = None) -> dict:
    version = doc.get("schema_version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise PipelineFileError("$.schema_version", f"must be an integer; got {version!r}", source=source)
    if version > SCHEMA_VERSION:
        raise PipelineFileError("$.schema_version",
                                f"is {version}, newer than this version of jupyter-designer reads "
                                f"({SCHEMA_VERSION}); upgrade jupyter-designer", source=source)
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise PipelineFileError("$.schema_version", f"no migration from version {version}", source=source)
        doc = step(doc)
        version = doc["schema_version"]
    return doc


def dumps(doc: dict) -> str:
    """Deterministic JSON: sorted keys, two-space indent, trailing newline (diffs well)."""
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def document(pipeline) -> dict:
    """A pipeline's file document: deterministic, with stable node ids (edges by id)."""
    return {"schema_version": SCHEMA_VERSION, "name": pipeline.name,
            "description": pipeline.description, "default_compute": pipeline.default_compute,
            "parameters": [p.as_dict() for p in pipeline.parameters.values()],
            "nodes": [node_document(n) for n in pipeline.nodes.values()],
            "edges": [{"source": e.source, "source_port": e.source_port,
                       "target": e.target, "target_port": e.target_port}
                      for e in sorted(pipeline.edges.values(), key=lambda e: e.id)]}


def node_document(node) -> dict:
    """A node as stored in a pipeline file."""
    d: dict[str, Any] = {"id": node.id, "kind": node.kind}
    if node.kind == "component":
        d["component"] = node.component
        spec = _spec_or_none(node)
        if spec is not None:
            d["component_name"] = spec.name
            d["component_version"] = spec.version
    else:
        d["data"] = dict(node.data or {})
    if node.name:
        d["name"] = node.name
    d["params"] = _copy.deepcopy(node.params)
    d["comment"] = node.comment
    d["position"] = [round(float(node.position[0]), 1), round(float(node.position[1]), 1)]
    if node.compute:
        d["compute"] = node.compute
    if node.regenerate:
        d["regenerate"] = True
    return d


def _spec_or_none(node):
    try:
        return node.spec
    except DesignerError:
        return None


def _expect(cond: bool, path: str, message: str, source):
    if not cond:
        raise PipelineFileError(path, message, source=source)


def node_from_doc(nd, path: str, source: str | None = None):
    _expect(isinstance(nd, dict), path, f"a node must be an object; got {type(nd).__name__}", source)
    _expect(isinstance(nd.get("id"), str) and nd["id"].strip() != "", f"{path}.id",
            "every node needs a non-empty string id", source)
    kind = nd.get("kind", "component")
    _expect(kind in ("component", "dataset"), f"{path}.kind",
            f"must be 'component' or 'dataset'; got {kind!r}", source)
    params = nd.get("params", {})
    _expect(isinstance(params, dict), f"{path}.params", "must be an object of parameter values", source)
    pos = nd.get("position", [0, 0])
    _expect(isinstance(pos, (list, tuple)) and len(pos) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in pos),
        f"{path}.position", f"must be [x, y] numbers; got {pos!r}", source)
    comment = nd.get("comment", "")
    _expect(isinstance(comment, str), f"{path}.comment", "must be a string", source)
    compute = nd.get("compute")
    _expect(compute is None or isinstance(compute, str), f"{path}.compute", "must be a string", source)
    if kind == "component":
        comp = nd.get("component")
        _expect(isinstance(comp, str) and comp, f"{path}.component", "must name a component", source)
        try:
            spec = REGISTRY.get(comp)
        except DesignerError as exc:
            raise PipelineFileError(f"{path}.component", str(exc), source=source) from None
        known = {p.key for p in spec.params}
        values = {}
        for k, v in params.items():
            if k in known:
                values[k] = v
                continue
            try:
                values[spec.param_key(k)] = v
            except DesignerError:
                raise PipelineFileError(f"{path}.params.{k}",
                                        f"{spec.name} has no parameter {k!r}; its parameters are "
                                        f"{', '.join(sorted(known)) or '(none)'}", source=source) from None
        node = Node(id=nd["id"], kind="component", component=spec.id, params=values)
    else:
        data = nd.get("data")
        _expect(isinstance(data, dict) and isinstance(data.get("name"), str), f"{path}.data",
                "a dataset node needs data with a 'name'", source)
        _expect(data.get("type", "dataset") in DATA_TYPES, f"{path}.data.type",
                f"must be one of {', '.join(DATA_TYPES)}", source)
        node = Node(id=nd["id"], kind="dataset", data=dict(data))
    node.comment = comment
    node.position = (float(pos[0]), float(pos[1]))
    node.compute = compute
    node.regenerate = bool(nd.get("regenerate", False))
    node.name = nd.get("name") or None
    return node


def load_document(doc, *, into, source: str | None = None):
    """Read a pipeline document (migrated to the current version) into ``into``, an empty
    pipeline; returns it. Every problem is a :class:`PipelineFileError` naming its JSON path."""
    _expect(isinstance(doc, dict), "$", f"a pipeline file must hold a JSON object; got {type(doc).__name__}", source)
    doc = migrate(doc, source)
    p = into
    p.name = str(doc.get("name", "Pipeline"))
    p.description = str(doc.get("description", ""))
    p.default_compute = str(doc.get("default_compute", "local"))
    params = doc.get("parameters", [])
    _expect(isinstance(params, list), "$.parameters", "must be a list", source)
    for i, pd_ in enumerate(params):
        path = f"$.parameters[{i}]"
        _expect(isinstance(pd_, dict) and isinstance(pd_.get("name"), str), path,
                "a pipeline parameter needs a 'name'", source)
        _expect(pd_.get("type", "str") in PARAMETER_TYPES, f"{path}.type",
                f"must be one of {', '.join(PARAMETER_TYPES)}", source)
        pp = PipelineParameter(pd_["name"], pd_.get("type", "str"), None, str(pd_.get("description", "")))
        if pd_.get("default") is not None:
            try:
                pp.default = pp.coerce(pd_["default"])
            except DesignerError as exc:
                raise PipelineFileError(f"{path}.default", str(exc), source=source) from None
        p.parameters[pp.name] = pp
    nodes = doc.get("nodes", [])
    _expect(isinstance(nodes, list), "$.nodes", "must be a list", source)
    for i, nd in enumerate(nodes):
        node = node_from_doc(nd, f"$.nodes[{i}]", source)
        _expect(node.id not in p.nodes, f"$.nodes[{i}].id", f"duplicate node id {node.id!r}", source)
        p.nodes[node.id] = node
    edges = doc.get("edges", [])
    _expect(isinstance(edges, list), "$.edges", "must be a list", source)
    for i, ed in enumerate(edges):
        path = f"$.edges[{i}]"
        _expect(isinstance(ed, dict), path, "an edge must be an object", source)
        for key in ("source", "source_port", "target", "target_port"):
            _expect(isinstance(ed.get(key), str), f"{path}.{key}", "must be a string", source)
        for key in ("source", "target"):
            _expect(ed[key] in p.nodes, f"{path}.{key}", f"no node with id {ed[key]!r}", source)
        try:
            sp = p.nodes[ed["source"]].output(ed["source_port"]).key
            tp = p.nodes[ed["target"]].input(ed["target_port"]).key
        except DesignerError as exc:
            raise PipelineFileError(path, str(exc), source=source) from None
        eid = f"{ed['source']}.{sp}->{ed['target']}.{tp}"
        _expect(not any(e.target == ed["target"] and e.target_port == tp for e in p.edges.values()),
                path, f"input {tp!r} of {ed['target']!r} is connected twice", source)
        p.edges[eid] = Edge(eid, ed["source"], sp, ed["target"], tp)
    return p


def loads(text: str, *, into, source: str | None = None):
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PipelineFileError("$", f"not valid JSON (line {exc.lineno}, column {exc.colno}: "
                                f"{exc.msg})", source=source) from None
    return load_document(doc, source=source, into=into)


def read(path, *, into):
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PipelineFileError("$", "file not found; check the path", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PipelineFileError("$", f"cannot be read ({exc})", source=str(path)) from None
    return loads(text, source=str(path), into=into)


def write(pipeline, path) -> None:
    atomic_write(path, dumps(pipeline.to_dict()))
