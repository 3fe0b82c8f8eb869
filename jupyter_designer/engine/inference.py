"""Inference pipelines: derived from a completed training run.

A *real-time* inference pipeline answers scoring requests: a Web Service Input takes the
place of the training dataset (the request rows enter there) and a Web Service Output
returns what Score Model (or Assign Data to Clusters) produced. A *batch* inference
pipeline scores a whole dataset given as the pipeline parameter ``input_data``.

The conversion, as in the reference product:

- every trained model a component produced (``ComponentSpec.model_output``: Train Model,
  Tune Model Hyperparameters, ...) becomes an ``MD-`` data node holding the model the run
  stored; the trainer is removed;
- every component that fitted a transformation (``ComponentSpec.transformation_output``:
  Clean Missing Data, Normalize Data, Select Columns Transform, ...) becomes a ``TD-`` data
  node holding the fitted transformation, feeding an Apply Transformation that takes the
  component's place, so new data is transformed exactly as training data was;
- training-only components (``ComponentSpec.training_only``: Split Data, Evaluate Model,
  SMOTE, Export Data, ...) are removed; one whose rows pass through (Split Data, SMOTE) is
  bridged, so what followed it now receives its input;
- whatever no longer leads to a scored output is removed;
- data to score has no label: every component left that declares the ``label_columns``
  parameter (Apply Transformation, Select Columns in Dataset) is given the trained models'
  label columns, so a label column may be absent, is not cleaned, and a missing label
  removes no row. The rows scored, and their scores, are those training would have scored.
  Every other column the training data had is still required, and its absence is an error
  naming it.

The result is an ordinary, editable draft (with a fresh undo history). The conversion is
deterministic: the same run gives the same document, byte for byte.

The workspace is used through the engine's workspace protocols (:mod:`.workspace`:
``get_run``, ``load_artifact``, ``dataset_info``), so the engine does not import the store.
"""

from __future__ import annotations

import copy
from typing import Iterable

from . import graph
from .component import REGISTRY, slug
from .errors import DesignerError, NotFoundError
from .pipeline import GAP_X, GAP_Y, NODE_H, NODE_W, Pipeline
from .ports import DATASET, IMAGE_DIRECTORY, TRAINED_MODEL, TRANSFORMATION, UNTRAINED_MODEL
from .schema import Schema
from .workspace import DataCatalog

#: Components whose output is the scored data an inference pipeline returns.
SCORERS = ("score_model", "assign_data_to_clusters", "score_vowpal_wabbit_model",
           "score_svd_recommender", "score_wide_and_deep_recommender", "score_image_model")
WEB_SERVICE_INPUT = "web_service_input"
WEB_SERVICE_OUTPUT = "web_service_output"
APPLY_TRANSFORMATION = "apply_transformation"
#: The pipeline parameter of a batch inference pipeline holding the dataset to score.
BATCH_INPUT_PARAMETER = "input_data"
#: The component parameter through which an inference pipeline tells a component the trained
#: model's label columns, which data to score may lack.
LABEL_COLUMNS_PARAMETER = "label_columns"
KINDS = ("realtime", "batch")


class InferenceError(DesignerError):
    """An inference pipeline cannot be derived from a run."""


def create_realtime_inference(ws, run_id: str, *, name: str | None = None) -> Pipeline:
    """The real-time inference pipeline of a completed training run (a new draft)."""
    return _create(ws, run_id, "realtime", name)


def create_batch_inference(ws, run_id: str, *, name: str | None = None) -> Pipeline:
    """The batch inference pipeline of a completed training run: the training dataset is the
    pipeline parameter ``input_data`` (default: the training dataset's name).

    The dataset to score may leave out the label columns (new rows whose label is unknown).
    The scored output then has no label column: it holds the columns given plus the score
    columns (``Scored Labels``, ...), the same rows as the reference product would score with
    a label column present, and never a made-up label. Given with its label column, the data
    is scored the same, and the label comes out as it went in.
    """
    return _create(ws, run_id, "batch", name)


def create_inference(ws, run_id: str, kind: str = "realtime", *, name: str | None = None) -> Pipeline:
    if kind not in KINDS:
        raise InferenceError(f"The kind of inference pipeline must be one of {', '.join(KINDS)}. "
                             f"Got {kind!r} instead.")
    return _create(ws, run_id, kind, name)


def _create(ws, run_id, kind, name):
    try:
        rec = ws.get_run(run_id)
    except KeyError:
        raise NotFoundError(f"No run {run_id!r} in this workspace. List runs with "
                            "`jupyter designer list runs`.") from None
    if rec.status != "completed":
        raise InferenceError(
            f"Run {run_id} is {rec.status}; an inference pipeline is created from a completed "
            "training run. Fix the pipeline, submit it again and use the new run.")
    outputs = {nid: dict(n.outputs or {}) for nid, n in rec.nodes.items()}
    return derive_inference(rec.snapshot, outputs, kind=kind, workspace=ws, name=name,
                            run_id=run_id)


# -- the conversion ------------------------------------------------------------------------
class _Graph:
    """A pipeline document being rewritten: nodes by id (insertion ordered) and edges."""

    def __init__(self, doc: dict):
        self.nodes: dict[str, dict] = {n["id"]: copy.deepcopy(n) for n in doc["nodes"]}
        self.edges: list[dict] = [dict(e) for e in doc["edges"]]

    def spec(self, nid):
        n = self.nodes[nid]
        return REGISTRY.get(n["component"]) if n["kind"] == "component" else None

    def out_edges(self, nid, port=None):
        return [e for e in self.edges if e["source"] == nid and (port is None or e["source_port"] == port)]

    def in_edge(self, nid, port):
        return next((e for e in self.edges if e["target"] == nid and e["target_port"] == port), None)

    def resource(self, nid, port, new_source, new_port):
        for e in self.edges:
            if e["source"] == nid and e["source_port"] == port:
                e["source"], e["source_port"] = new_source, new_port

    def remove(self, nid):
        self.edges = [e for e in self.edges if nid not in (e["source"], e["target"])]
        del self.nodes[nid]

    def connect(self, s, sp, t, tp):
        self.edges.append({"source": s, "source_port": sp, "target": t, "target_port": tp})

    def _pairs(self):
        return [(e["source"], e["target"]) for e in self.edges]

    def ancestors(self, targets: Iterable[str]) -> set:
        return graph.ancestors(self._pairs(), targets)

    def descendants(self, sources: Iterable[str]) -> set:
        return graph.descendants(self._pairs(), sources)

    def new_id(self, base: str) -> str:
        base = slug(base) or "node"
        if base not in self.nodes:
            return base
        i = 1
        while f"{base}_{i}" in self.nodes:
            i += 1
        return f"{base}_{i}"

    def title(self, nid) -> str:
        n = self.nodes[nid]
        if n.get("name"):
            return n["name"]
        if n["kind"] == "component":
            return self.spec(nid).name
        return n["data"].get("name", nid)


def _position(node: dict, dx: float = 0.0, dy: float = 0.0) -> list:
    x, y = node.get("position", [0.0, 0.0])
    return [round(float(x) + dx, 1), round(float(y) + dy, 1)]


def _data_node(nid, name, type_, artifact, position, *, comment="", **extra) -> dict:
    data = {"name": name, "type": type_, "artifact": artifact}
    data.update({k: v for k, v in extra.items() if v is not None})
    return {"id": nid, "kind": "dataset", "data": data, "params": {}, "comment": comment,
            "position": position}


def _first(ports, type_):
    return next((p for p in ports if p.type == type_), None)


def _rows_port(ports):
    """The port carrying the rows (a dataset, or the images of an image directory)."""
    return _first(ports, DATASET) or _first(ports, IMAGE_DIRECTORY)


def derive_inference(snapshot: dict, outputs: dict, *, kind: str = "realtime",
                     workspace: DataCatalog | None = None,
                     name: str | None = None, run_id: str | None = None) -> Pipeline:
    """Derive an inference pipeline from a training pipeline document and its run's outputs.

    ``outputs`` maps node ids to ``{port: artifact id}`` as a run records them. See the
    module docstring for the rules.
    """
    if kind not in KINDS:
        raise InferenceError(f"The kind of inference pipeline must be one of {', '.join(KINDS)}. "
                             f"Got {kind!r} instead.")
    src = Pipeline.from_dict(snapshot)
    doc = src.to_dict()
    order = src.topological_order()
    g = _Graph(doc)
    run_text = f"run {run_id}" if run_id else "the run"
    pipeline_name = src.name or "Pipeline"

    if any(g.nodes[n]["kind"] == "component" and g.nodes[n]["component"] in
           (WEB_SERVICE_INPUT, WEB_SERVICE_OUTPUT) for n in g.nodes):
        raise InferenceError(f"{pipeline_name!r} is already an inference pipeline (it has Web "
                             "Service Input/Output). Create inference pipelines from a training "
                             "pipeline's run.")

    def artifact_of(nid, port):
        aid = (outputs.get(nid) or {}).get(port.key)
        if not aid:
            raise InferenceError(
                f"{g.title(nid)} [{nid}] has no stored '{port.label}' in {run_text}, which the "
                "inference pipeline needs. Submit the training pipeline again and create the "
                "inference pipeline from the new run.")
        return aid

    labels: list[str] = []
    # 1. trained models -> MD- nodes; their producers leave
    for nid in order:
        spec = g.spec(nid) if nid in g.nodes else None
        if spec is None or not spec.model_output:
            continue
        port = spec.output(spec.model_output)
        if g.out_edges(nid, port.key):
            aid = artifact_of(nid, port)
            md = g.new_id(f"md_{nid}")
            label = None
            if workspace is not None:
                try:
                    label = getattr(workspace.load_artifact(aid), "label_column", None)
                except Exception:  # the model file is checked again when it is used
                    label = None
            if label and label not in labels:
                labels.append(label)
            g.nodes[md] = _data_node(md, f"MD-{pipeline_name}-{g.title(nid)}-{port.label}",
                                     "model", aid, _position(g.nodes[nid]),
                                     source_run=run_id, source_node=nid)
            g.resource(nid, port.key, md, "model")
        g.remove(nid)

    # 2. fitted transformations -> TD- nodes (+ Apply Transformation in the component's place)
    apply_spec = REGISTRY.get(APPLY_TRANSFORMATION)
    apply_tr = _first(apply_spec.inputs, TRANSFORMATION)
    apply_in = _first(apply_spec.inputs, DATASET)
    apply_out = _first(apply_spec.outputs, DATASET)
    for nid in order:
        spec = g.spec(nid) if nid in g.nodes else None
        if spec is None or not spec.transformation_output or spec.training_only:
            continue
        tport = spec.output(spec.transformation_output)
        data_out = _first(spec.outputs, DATASET)
        data_in = _first(spec.inputs, DATASET)
        used_data = data_out is not None and g.out_edges(nid, data_out.key)
        if not g.out_edges(nid, tport.key) and not used_data:
            continue
        aid = artifact_of(nid, tport)
        td = g.new_id(f"td_{nid}")
        node = g.nodes[nid]
        g.nodes[td] = _data_node(td, f"TD-{pipeline_name}-{g.title(nid)}-{tport.label}",
                                 "transformation", aid,
                                 _position(node, -(NODE_W + GAP_X)), source_run=run_id,
                                 source_node=nid)
        g.resource(nid, tport.key, td, "transformation")
        if used_data:
            feed = g.in_edge(nid, data_in.key) if data_in is not None else None
            if feed is None:
                raise InferenceError(f"{g.title(nid)} [{nid}] has no dataset input to apply its "
                                     "transformation to.")
            app = g.new_id(f"apply_transformation_{nid}")
            g.nodes[app] = {"id": app, "kind": "component", "component": apply_spec.id,
                            "params": {}, "comment": node.get("comment", ""),
                            "position": _position(node)}
            g.connect(td, "transformation", app, apply_tr.key)
            g.connect(feed["source"], feed["source_port"], app, apply_in.key)
            g.resource(nid, data_out.key, app, apply_out.key)
        g.remove(nid)

    # 3. training-only components leave; rows passing through them are bridged
    for nid in order:
        spec = g.spec(nid) if nid in g.nodes else None
        if spec is None or not spec.training_only:
            continue
        bridge = None
        takes_models = any(p.type in (TRAINED_MODEL, UNTRAINED_MODEL) for p in spec.inputs)
        data_in = _rows_port(spec.inputs)
        if not takes_models and data_in is not None:
            bridge = g.in_edge(nid, data_in.key)
        if bridge is not None:
            for port in spec.outputs:
                if port.type == data_in.type:
                    g.resource(nid, port.key, bridge["source"], bridge["source_port"])
        g.remove(nid)

    # 4. what is scored: the last components after Score Model / Assign Data to Clusters
    scorers = [n for n in g.nodes if g.nodes[n]["kind"] == "component"
               and g.nodes[n]["component"] in SCORERS]
    scorers = [n for n in scorers
               if g.in_edge(n, _first(g.spec(n).inputs, TRAINED_MODEL).key) is not None]
    if not scorers:
        raise InferenceError(
            f"{pipeline_name!r} has no Score Model or Assign Data to Clusters fed by a trained "
            "model, so there is nothing for an inference pipeline to return. Add Score Model "
            "after Train Model and run the pipeline again.")
    downstream = g.descendants(scorers) | set(scorers)
    leaves = [n for n in g.nodes if n in downstream and g.nodes[n]["kind"] == "component"
              and _first(g.spec(n).outputs, DATASET) is not None
              and not any(e["target"] in downstream for e in g.out_edges(n))]
    keep = g.ancestors(leaves) | set(leaves)
    for nid in [n for n in g.nodes if n not in keep]:
        g.remove(nid)

    # 5. where new data enters: the dataset the scored rows come from
    scored_from = g.ancestors(leaves)
    entries = [n for n in g.nodes if n in scored_from and g.nodes[n]["kind"] == "dataset"
               and g.nodes[n]["data"].get("type", "dataset") == "dataset"]
    # prefer the dataset that reaches a scorer's data input (not only e.g. a lookup join)
    data_paths = set()
    for s in scorers:
        if s not in g.nodes:
            continue
        e = g.in_edge(s, _rows_port(g.spec(s).inputs).key)
        if e is not None:
            data_paths |= g.ancestors([e["source"]]) | {e["source"]}
    entry = next((n for n in entries if n in data_paths), entries[0] if entries else None)
    if entry is None:
        raise InferenceError(f"No dataset feeds the scored data of {pipeline_name!r}, so the "
                             "inference pipeline has nowhere for new data to enter.")

    # data to score lacks the label: components that may meet it by name are told which
    # columns it is (Apply Transformation, Select Columns in Dataset, ...)
    if labels:
        for nid, node in g.nodes.items():
            spec = g.spec(nid)
            if spec is None or LABEL_COLUMNS_PARAMETER not in {p.key for p in spec.params}:
                continue
            given = node["params"].get(LABEL_COLUMNS_PARAMETER)
            given = [c for c in given if c not in labels] if isinstance(given, list) else []
            node["params"][LABEL_COLUMNS_PARAMETER] = list(labels) + given
        g.nodes[entry]["data"]["label_columns"] = list(labels)

    parameters = [p for p in doc.get("parameters", [])]
    if kind == "realtime":
        entry_node = g.nodes[entry]
        schema = _entry_schema(entry_node, workspace)
        if schema is not None:
            entry_node["data"]["schema"] = schema.as_list()
            request = schema.drop(labels)
            entry_node["data"]["request_schema"] = [
                {"name": c.name, "kind": c.kind} for c in request.columns]
        wsi = g.new_id(WEB_SERVICE_INPUT)
        g.resource(entry, "dataset", wsi, "dataset")
        comment = "Request rows enter here"
        if labels:
            comment += f" (without the label column{'s' if len(labels) > 1 else ''} " \
                       f"{', '.join(map(repr, labels))})"
        g.nodes[wsi] = {"id": wsi, "kind": "component", "component": WEB_SERVICE_INPUT,
                        "params": {"name": "WebServiceInput0"}, "comment": comment + ".",
                        "position": _position(entry_node, NODE_W + GAP_X)}
        g.connect(entry, "dataset", wsi, "dataset")
        for i, leaf in enumerate(leaves):
            wso = g.new_id(f"{WEB_SERVICE_OUTPUT}_{i}" if len(leaves) > 1 else WEB_SERVICE_OUTPUT)
            g.nodes[wso] = {"id": wso, "kind": "component", "component": WEB_SERVICE_OUTPUT,
                            "params": {"name": f"WebServiceOutput{i}"}, "comment": "",
                            "position": _position(g.nodes[leaf], 0, NODE_H + GAP_Y)}
            g.connect(leaf, _first(g.spec(leaf).outputs, DATASET).key, wso, "dataset")
        title = name or f"{pipeline_name}-real time inference"
        what = "Real-time inference pipeline"
    else:
        entry_node = g.nodes[entry]
        if BATCH_INPUT_PARAMETER in {p["name"] for p in parameters}:
            raise InferenceError(f"{pipeline_name!r} already has a pipeline parameter "
                                 f"{BATCH_INPUT_PARAMETER!r}; rename it to create a batch "
                                 "inference pipeline.")
        parameters.append({"name": BATCH_INPUT_PARAMETER, "type": "dataset",
                           "default": entry_node["data"]["name"],
                           "description": "The dataset to score"})
        entry_node["data"]["parameter"] = BATCH_INPUT_PARAMETER
        title = name or f"{pipeline_name}-batch inference"
        what = "Batch inference pipeline"

    # pipeline parameters nothing uses any more are dropped
    used = set()
    for n in g.nodes.values():
        for v in n.get("params", {}).values():
            if isinstance(v, dict) and len(v) == 1 and "$pipeline_parameter" in v:
                used.add(v["$pipeline_parameter"])
        if n["kind"] == "dataset" and n["data"].get("parameter"):
            used.add(n["data"]["parameter"])
    parameters = [p for p in parameters if p["name"] in used]

    out = {"schema_version": doc["schema_version"], "name": title,
           "description": f"{what} created from {run_text} of {pipeline_name!r}.",
           "default_compute": doc.get("default_compute", "local"),
           "parameters": parameters,
           "nodes": [g.nodes[n] for n in g.nodes],
           "edges": sorted(g.edges, key=lambda e: (e["source"], e["source_port"], e["target"],
                                                   e["target_port"]))}
    return Pipeline.from_dict(out, workspace=workspace)


def _entry_schema(node: dict, workspace: DataCatalog | None) -> Schema | None:
    data = node["data"]
    if data.get("schema"):
        return Schema.of(data["schema"])
    if workspace is None:
        return None
    try:
        info = workspace.dataset_info(data["name"], data.get("version"))
    except Exception:
        return None
    return Schema.of(info.schema)


# -- reading an inference pipeline -----------------------------------------------------------
def is_realtime(pipeline: Pipeline) -> bool:
    return any(n.kind == "component" and n.component == WEB_SERVICE_INPUT for n in pipeline.nodes.values()) \
        and any(n.kind == "component" and n.component == WEB_SERVICE_OUTPUT for n in pipeline.nodes.values())


def web_service_io(pipeline: Pipeline) -> dict:
    """The request inputs and response outputs of a real-time inference pipeline::

        {"inputs": [{"node_id", "name", "schema": [{"name", "kind"}] | None,
                     "label_columns": [...]}],
         "outputs": [{"node_id", "name"}]}

    ``schema`` lists the columns a request row carries (the training data's, without the
    label columns) when it is known.
    """
    ins, outs = [], []
    for nid in pipeline.topological_order():
        node = pipeline.nodes[nid]
        if node.kind != "component" or node.component not in (WEB_SERVICE_INPUT, WEB_SERVICE_OUTPUT):
            continue
        params = node.spec.resolve_params(node.params, {k: p.default for k, p in pipeline.parameters.items()})
        if node.component == WEB_SERVICE_OUTPUT:
            outs.append({"node_id": nid, "name": params["name"]})
            continue
        feed = next((e for e in pipeline.edges.values() if e.target == nid), None)
        schema, labels = None, []
        if feed is not None:
            src = pipeline.nodes[feed.source]
            data = src.data or {} if src.kind == "dataset" else {}
            labels = list(data.get("label_columns", []))
            if data.get("request_schema") is not None:
                schema = list(data["request_schema"])
            else:
                s = pipeline.output_schema(src.id, feed.source_port)
                if s is not None:
                    lab = [c.name for c in s.columns if c.role == "label"]
                    labels = labels or lab
                    schema = [{"name": c.name, "kind": c.kind} for c in s.drop(labels).columns]
        ins.append({"node_id": nid, "name": params["name"], "schema": schema,
                    "label_columns": labels})
    names = [i["name"] for i in ins]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise InferenceError(f"Two Web Service Input nodes are named {sorted(dup)[0]!r}; give "
                             "each a different name.")
    names = [o["name"] for o in outs]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise InferenceError(f"Two Web Service Output nodes are named {sorted(dup)[0]!r}; give "
                             "each a different name.")
    return {"inputs": ins, "outputs": outs}
