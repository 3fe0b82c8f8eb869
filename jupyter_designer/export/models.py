"""A trained model exported with everything scoring does around it: a scikit-learn ``Pipeline``
saved with skops, an ONNX file, or an MLflow model directory.

What is exported is a real-time inference pipeline: the one a completed training run converts
to (:func:`~jupyter_designer.engine.inference.create_realtime_inference`), or one given as a
draft, file or pipeline object. It is compiled as an endpoint compiles it
(:class:`~jupyter_designer.serving.compiled.CompiledPipeline`), so the exported objects hold
the same fitted transformations and the same trained model a deployed endpoint scores with:

- ``skops``: one :class:`sklearn.pipeline.Pipeline` whose steps are the request table
  (:class:`RequestTable`: the columns the endpoint takes, read with the training data's types),
  then each component between the Web Service Input and Output (:class:`ComponentStep`: the
  component run on the table, with its fitted transformation or trained model), the last one
  scoring (:class:`ScoringStep`: ``predict`` gives ``Scored Labels``, ``predict_proba`` the
  scored probabilities, ``transform`` the table the endpoint answers). Load it with
  ``skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))`` after checking that
  list (:data:`TRUSTED_PREFIXES` says which packages it names);
- ``onnx``: the trained model converted as the endpoints' fast path converts it (skl2onnx, one
  ``[n, 1]`` input per feature column), the label scaling some regressors use included. The
  graph scores the model's feature columns: steps before the model (Clean Missing Data,
  Normalize Data, ...) are listed in the file's metadata (``designer_steps_before_model``)
  and are not in the graph;
- ``mlflow``: an MLflow pyfunc model directory holding the skops file, with a signature and an
  input example; ``mlflow models serve`` answers the endpoint's output table.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from jupyter_designer.engine.errors import DesignerError

log = logging.getLogger("jupyter_designer.export")

#: the model formats of ``jupyter designer export``
MODEL_FORMATS = ("skops", "onnx", "mlflow")
#: top-level packages of the types an exported skops file holds
TRUSTED_PREFIXES = ("jupyter_designer", "sklearn", "lightgbm", "numpy", "scipy", "collections",
                    "builtins")
SCORED_LABELS = "Scored Labels"
SCORED_PROBABILITIES = "Scored Probabilities"
ASSIGNMENTS = "Assignments"


from .python_script import ExportError  # noqa: E402  (one error type for every export)


# -- the scikit-learn steps ----------------------------------------------------------------
class RequestTable(TransformerMixin, BaseEstimator):
    """The request rows as the endpoint reads them: the columns of its Web Service Input, with
    the training data's types; label columns may be left out.

    ``columns``: ``[{"name", "kind", "dtype", "required", "placeholder", "categories"}]``."""

    def __init__(self, name="WebServiceInput0", columns=None):
        self.name = name
        self.columns = columns

    def fit(self, X=None, y=None):
        return self

    def __sklearn_is_fitted__(self):
        return True

    def spec(self):
        from jupyter_designer.serving.tables import ColumnSpec, TableSpec

        cols = []
        for c in self.columns or []:
            if c.get("categories") is not None:
                dtype = pd.CategoricalDtype(list(c["categories"]))
            else:
                dtype = pd.api.types.pandas_dtype(c["dtype"]) if c.get("dtype") else None
            cols.append(ColumnSpec(c["name"], c["kind"], dtype, bool(c.get("required", True)),
                                   c.get("placeholder")))
        return TableSpec(self.name, cols, open=not cols)

    def transform(self, X):
        from jupyter_designer.serving import tables

        X = _frame(X)
        spec = self.spec()
        cols = {str(c): tables.series_values(X[c]) for c in X.columns}
        cols, n = tables.columns_from_lists(spec, cols, len(X), "the rows to score")
        cols, _ = tables.fill_labels(spec, cols, n)
        return tables.frame_from_columns(spec, cols, n)

    @classmethod
    def of(cls, spec) -> "RequestTable":
        cols = []
        for c in spec.columns:
            d = {"name": c.name, "kind": c.kind, "required": c.required,
                 "placeholder": _plain(c.placeholder),
                 "dtype": None if c.dtype is None else str(c.dtype), "categories": None}
            if isinstance(c.dtype, pd.CategoricalDtype):
                d["dtype"] = None
                d["categories"] = [_plain(v) for v in c.dtype.categories]
            cols.append(d)
        return cls(spec.name, cols)


class ComponentStep(TransformerMixin, BaseEstimator):
    """One component of the inference pipeline run on the table: ``component`` (its registered
    name) with resolved ``params``, the table entering on ``table_port`` and the fitted
    objects it holds (a transformation, a trained model) on the other ports (``constants``)."""

    def __init__(self, component=None, params=None, table_port="dataset", constants=None,
                 output_port="dataset", title=""):
        self.component = component
        self.params = params
        self.table_port = table_port
        self.constants = constants
        self.output_port = output_port
        self.title = title

    def fit(self, X=None, y=None):
        return self

    def __sklearn_is_fitted__(self):  # fitted when exported: the constants are
        return True

    def transform(self, X):
        from jupyter_designer.engine.component import REGISTRY
        from jupyter_designer.engine.execution.task import run_node

        spec = REGISTRY.get(self.component)
        ins = {**(self.constants or {}), self.table_port: _frame(X)}
        out = run_node(spec, ins, dict(self.params or {}), node_id=self.title, logger=log)
        return out[self.output_port]


class ScoringStep(ComponentStep):
    """The last step: the table the endpoint answers (``transform``), its ``Scored Labels``
    (``predict``; ``Assignments`` for clustering) and scored probabilities (``predict_proba``)."""

    def __init__(self, component=None, params=None, table_port="dataset", constants=None,
                 output_port="dataset", title="", steps_after=None, classes=None, task=None):
        super().__init__(component, params, table_port, constants, output_port, title)
        self.steps_after = steps_after
        self.classes = classes
        self.task = task

    @property
    def classes_(self):
        return np.asarray(self.classes, dtype=object) if self.classes is not None else None

    def transform(self, X):
        out = super().transform(X)
        for step in self.steps_after or []:
            out = step.transform(out)
        return out

    def predict(self, X):
        out = self.transform(X)
        col = ASSIGNMENTS if self.task == "clustering" else SCORED_LABELS
        return out[col].to_numpy()

    def predict_proba(self, X):
        if self.task not in ("binary", "multiclass"):
            raise AttributeError(f"a {self.task} model gives no class probabilities")
        out = self.transform(X)
        if self.task == "binary":
            p = out[SCORED_PROBABILITIES].to_numpy(dtype=np.float64)
            return np.column_stack([1.0 - p, p])
        from jupyter_designer.components.ml import probability_column

        return np.column_stack([out[probability_column(c)].to_numpy(dtype=np.float64)
                                for c in self.classes])


def _frame(X) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    if isinstance(X, dict):
        return pd.DataFrame(X)
    if isinstance(X, list) and all(isinstance(r, dict) for r in X):
        return pd.DataFrame(X)
    raise ExportError("Give the rows to score as a pandas DataFrame (or a list of row objects) "
                      f"with the endpoint's column names. Got {type(X).__name__}.")


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


# -- what is exported ----------------------------------------------------------------------
class ExportedModel:
    """A real-time inference pipeline compiled for export: its single chain of steps, the
    trained model it scores with and example rows."""

    def __init__(self, ws, source, *, name: str | None = None):
        from jupyter_designer.serving.compiled import CompiledPipeline
        from jupyter_designer.serving.errors import ServingError

        self.pipeline, self.run_id = inference_pipeline(ws, source, name=name)
        try:
            self.compiled = CompiledPipeline(self.pipeline, ws, fast=False)
        except ServingError as exc:
            raise ExportError(f"{self.pipeline.name!r} cannot be exported: {exc}") from None
        c = self.compiled
        if len(c.input_nodes) != 1 or len(c.output_nodes) != 1:
            raise ExportError(
                f"{self.pipeline.name!r} has {len(c.input_nodes)} Web Service Inputs and "
                f"{len(c.output_nodes)} Web Service Outputs; a model export takes one of each. "
                "Remove the extra ones from the inference pipeline (a copy of it, as a draft) "
                "and export that.")
        self.input_name = next(iter(c.input_nodes))
        self.output_name = next(iter(c.output_nodes))
        self.steps = self._chain()
        self.model, self.model_index = self._trained_model()

    def _chain(self) -> list:
        c = self.compiled
        previous = c.input_nodes[self.input_name]
        steps = []
        for step in c.steps:
            table = [(port, src) for port, (src, _) in step.inputs.items() if src not in c._const]
            if len(table) != 1 or table[0][1] != previous:
                raise ExportError(
                    f"{self.pipeline.name!r} is not a single chain of steps from its Web Service "
                    f"Input to its Web Service Output ({step.title} takes "
                    f"{len(table)} tables); a model export takes one chain. Export the pipeline "
                    "as a Python script instead, or deploy it as an endpoint.")
            consts = {port: c._const[src][sport] for port, (src, sport) in step.inputs.items()
                      if src in c._const}
            steps.append((step, table[0][0], consts))
            previous = step.node_id
        return steps

    def _trained_model(self):
        from jupyter_designer.engine.models import TrainedModel

        found = [(i, v) for i, (_, _, consts) in enumerate(self.steps) for v in consts.values()
                 if isinstance(v, TrainedModel)]
        if not found:
            what = f"Run {self.run_id}" if self.run_id else repr(self.pipeline.name)
            raise ExportError(f"{what} scores with no trained model (no Train Model, Tune Model "
                              "Hyperparameters or registered model feeding Score Model); export "
                              "the run of a pipeline that trains and scores a model.")
        if len(found) > 1:
            raise ExportError(f"{self.pipeline.name!r} scores with {len(found)} trained models; "
                              "a model export takes one. Export the pipeline as a Python script.")
        i, model = found[0]
        return model, i

    def example_frame(self, n: int = 5) -> pd.DataFrame:
        spec = self.compiled.specs[self.input_name]
        df = self.compiled.samples.get(self.input_name)
        cols = [c.name for c in spec.request_columns]
        if df is None or not len(df):
            return pd.DataFrame([self.compiled.example_rows(self.input_name, 1)[0]])[cols]
        return df[[c for c in cols if c in df.columns]].head(n).reset_index(drop=True)

    def sklearn_pipeline(self):
        from sklearn.pipeline import Pipeline

        made = [("request", RequestTable.of(self.compiled.specs[self.input_name]))]
        last = self.model_index
        after = []
        names = {"request"}
        for i, (step, port, consts) in enumerate(self.steps):
            out_port = step.spec.outputs[0].key if step.spec.outputs else "dataset"
            if any(p.key == "dataset" for p in step.spec.outputs):
                out_port = "dataset"
            kw = dict(component=step.spec.id, params=dict(step.params), table_port=port,
                      constants=consts, output_port=out_port, title=step.title)
            if i < last:
                made.append((_unique(step.node_id, names), ComponentStep(**kw)))
            elif i == last:
                scoring = ScoringStep(**kw, classes=_classes(self.model.classes),
                                      task=self.model.task, steps_after=after)
                made.append((_unique(step.node_id, names), scoring))
            else:
                after.append(ComponentStep(**kw))
        return Pipeline(made)


def _classes(classes):
    return None if classes is None else [_plain(c) for c in classes]


def _unique(name: str, taken: set) -> str:
    base, k = name.replace("__", "_") or "step", 2
    while name in taken:
        name = f"{base}_{k}"
        k += 1
    taken.add(name)
    return name


def inference_pipeline(ws, source, *, name: str | None = None):
    """``(real-time inference pipeline, run id or None)`` from a run id, or a real-time
    inference pipeline given as an object, document, file or draft name."""
    from jupyter_designer.app.runs import as_pipeline
    from jupyter_designer.engine.inference import create_realtime_inference, web_service_io
    from jupyter_designer.engine.pipeline import Pipeline

    if isinstance(source, str) and not isinstance(source, Pipeline):
        try:
            ws.get_run(source)
        except KeyError:
            pass
        else:
            rec = ws.get_run(source)
            if rec.status != "completed":
                raise ExportError(f"Run {source} is {rec.status}; a model is exported from a "
                                  "completed training run. Submit the pipeline again and export "
                                  "the new run.")
            from jupyter_designer.engine.inference import InferenceError

            try:
                return create_realtime_inference(ws, source, name=name), source
            except InferenceError as exc:
                raise ExportError(f"Run {source} cannot be exported as a model: {exc}") from None
    try:
        p = as_pipeline(ws, source)
    except DesignerError as exc:
        raise ExportError(f"{source!r} is neither a run id of this workspace nor a real-time "
                          f"inference pipeline ({exc}). List runs with `jupyter designer list "
                          "runs`.") from None
    io = web_service_io(p)
    if not io["inputs"] or not io["outputs"]:
        raise ExportError(f"{p.name!r} is not a real-time inference pipeline (it has no Web "
                          "Service Input and Output). Give the id of its training run instead, "
                          "or create the inference pipeline from that run first.")
    return p, None


# -- writing the formats -------------------------------------------------------------------
def trusted_types(path) -> list[str]:
    """The types an exported skops file names, each checked to belong to
    :data:`TRUSTED_PREFIXES`; pass them to ``skops.io.load(path, trusted=...)``."""
    from jupyter_designer.skops_io import skops_io
    sio = skops_io()

    names = sio.get_untrusted_types(file=str(path))
    odd = [t for t in names if t.split(".", 1)[0] not in TRUSTED_PREFIXES]
    if odd:
        raise ExportError(f"{path} names types outside {', '.join(TRUSTED_PREFIXES)}: "
                          f"{', '.join(odd)}; it was not written by this export.")
    return names


def load_skops(path):
    """The scikit-learn Pipeline of an exported skops file."""
    from jupyter_designer.skops_io import skops_io
    sio = skops_io()

    return sio.load(str(path), trusted=trusted_types(path))


def write_skops(exported: ExportedModel, path) -> Path:
    from jupyter_designer.skops_io import skops_io
    sio = skops_io()
    from zipfile import ZIP_DEFLATED

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    sio.dump(exported.sklearn_pipeline(), str(tmp), compression=ZIP_DEFLATED)
    tmp.replace(path)
    return path


def write_onnx(exported: ExportedModel, path) -> Path:
    """The trained model as ONNX (see the module's docstring)."""
    from jupyter_designer.serving.onnx_scoring import compile_onnx

    model = exported.model
    session, why = compile_onnx(model)
    graph = getattr(session, "onnx_graph", None)
    if session is None or graph is None:
        raise ExportError(f"The {model.learner or 'trained'} model cannot be converted to ONNX "
                          f"({why}). Export it as skops or mlflow instead.")
    post = session.post
    if post == "decision":
        raise ExportError(f"The {model.learner} model gives decision values, not probabilities; "
                          "its scores are not in an ONNX graph. Export it as skops or mlflow.")
    import copy

    import onnx
    from onnx import helper

    graph = copy.deepcopy(graph)
    _name_inputs(graph, [str(c) for c in model.feature_columns])
    if post is not None:  # ("affine", scale, offset): the label scaled back, in the graph
        _, scale, offset = post
        g = graph.graph
        out = g.output[0]
        raw = out.name + "_scaled"
        for node in g.node:
            node.output[:] = [raw if o == out.name else o for o in node.output]
        elem = out.type.tensor_type.elem_type
        np_type = onnx.helper.tensor_dtype_to_np_dtype(elem)
        g.initializer.extend([
            onnx.numpy_helper.from_array(np.array([scale], dtype=np_type), "designer_label_scale"),
            onnx.numpy_helper.from_array(np.array([offset], dtype=np_type), "designer_label_offset")])
        g.node.extend([helper.make_node("Mul", [raw, "designer_label_scale"], [raw + "_mul"]),
                       helper.make_node("Add", [raw + "_mul", "designer_label_offset"], [out.name])])
    before = [_step_title(s, consts) for s, _, consts in exported.steps[:exported.model_index]
              if s.spec.id != "select_columns_in_dataset"]
    meta = {"designer_task": model.task, "designer_learner": model.learner,
            "designer_features": json.dumps(list(model.feature_columns)),
            "designer_label": str(model.label_column or ""),
            "designer_classes": json.dumps(_classes(model.classes)),
            "designer_steps_before_model": json.dumps(before)}
    del graph.metadata_props[:]
    for k, v in meta.items():
        graph.metadata_props.append(onnx.StringStringEntryProto(key=k, value=v))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(graph.SerializeToString())
    tmp.replace(path)
    return path


def _step_title(step, consts) -> str:
    """A step as the ONNX metadata lists it: Apply Transformation names what it applies."""
    made_by = [getattr(v, "source", "") for v in consts.values() if getattr(v, "source", "")]
    return f"{step.title} ({', '.join(made_by)})" if made_by else step.title


def _name_inputs(graph, columns: list) -> None:
    """Inputs named as the feature columns (skl2onnx makes them identifiers)."""
    g = graph.graph
    stored = {i.name for i in g.initializer}
    inputs = [i for i in g.input if i.name not in stored]
    taken = {o for n in g.node for o in n.output} | stored
    rename = {i.name: c for i, c in zip(inputs, columns) if i.name != c and c not in taken}
    for i in inputs:
        i.name = rename.get(i.name, i.name)
    for node in g.node:
        node.input[:] = [rename.get(x, x) for x in node.input]


def onnx_feed(path, frame: pd.DataFrame) -> dict:
    """The inputs of an exported ONNX file for the model's feature columns of ``frame``."""
    import onnx

    m = onnx.load(str(path))
    feed = {}
    for inp in m.graph.input:
        elem = inp.type.tensor_type.elem_type
        values = frame[inp.name]
        if elem == onnx.TensorProto.STRING:
            feed[inp.name] = values.astype(object).where(values.notna(), "").astype(str) \
                .to_numpy(dtype=object).reshape(-1, 1)
        else:
            dtype = onnx.helper.tensor_dtype_to_np_dtype(elem)
            feed[inp.name] = values.to_numpy(dtype=np.float64).astype(dtype).reshape(-1, 1)
    return feed


_PYFUNC = None


def _pyfunc_class():
    global _PYFUNC
    if _PYFUNC is None:
        import mlflow.pyfunc

        class DesignerModel(mlflow.pyfunc.PythonModel):
            """The MLflow pyfunc model of an exported pipeline: the skops file, answering the
            table the endpoint answers (label columns the request left out not repeated)."""

            def load_context(self, context):
                self.pipeline = load_skops(context.artifacts["pipeline"])

            def predict(self, context, model_input, params=None):
                X = _frame(model_input)
                out = self.pipeline.transform(X)
                first = self.pipeline.steps[0][1]
                labels = [c.get("name") for c in getattr(first, "columns", None) or []
                          if not c.get("required", True)]
                drop = [c for c in labels if c not in X.columns and c in out.columns]
                return out.drop(columns=drop).reset_index(drop=True)

        DesignerModel.__module__ = __name__
        DesignerModel.__qualname__ = "DesignerModel"
        _PYFUNC = DesignerModel
    return _PYFUNC


def __getattr__(name):
    # the MLflow model class needs mlflow, so it is made when first asked for (MLflow's
    # loader finds it here by name)
    if name == "DesignerModel":
        return _pyfunc_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def require_mlflow():
    try:
        import mlflow  # noqa: F401
    except ImportError:
        raise ExportError("MLflow is not installed. Install it with "
                          "`pip install \"jupyter-designer[mlflow]\"`.") from None
    import mlflow

    return mlflow


def write_mlflow(exported: ExportedModel, path) -> Path:
    """An MLflow pyfunc model directory at ``path`` (which must not exist yet, as MLflow
    requires)."""
    mlflow = require_mlflow()
    path = Path(path)
    if path.exists():
        raise ExportError(f"{path} already exists; an MLflow model is written to a new "
                          "directory. Remove it or give another --output.")
    with tempfile.TemporaryDirectory() as tmp:
        skops_file = write_skops(exported, Path(tmp) / "pipeline.skops")
        kw = _mlflow_model(skops_file, exported.example_frame())
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".mlflow-", dir=path.parent))
        shutil.rmtree(staging)
        mlflow.pyfunc.save_model(str(staging), **kw)
        staging.replace(path)
    return path


def _mlflow_model(skops_file: Path, example: pd.DataFrame) -> dict:
    """The keyword arguments of ``mlflow.pyfunc.save_model``/``log_model`` for a skops file:
    the pyfunc model, the file as its artifact, a signature from ``example`` and what the
    pipeline answers for it, the example, the requirements."""
    import warnings

    from mlflow.models import infer_signature

    model = _pyfunc_class()()
    model.pipeline = load_skops(skops_file)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signature = infer_signature(example, model.predict(None, example))
    del model.pipeline
    return {"python_model": model, "artifacts": {"pipeline": str(skops_file)},
            "signature": signature, "input_example": example,
            "pip_requirements": _requirements()}


def model_pipeline(model):
    """A scikit-learn Pipeline scoring a trained model as Score Model does: its feature columns
    in, the rows with the score columns out."""
    from sklearn.pipeline import Pipeline

    return Pipeline([("score_model", ScoringStep(
        component="score_model", params={"append_score_columns_to_output": True},
        table_port="dataset", constants={"trained_model": model}, output_port="scored_dataset",
        title="Score Model", steps_after=[], classes=_classes(model.classes), task=model.task))])


def model_example(ws, model, source_run: str | None = None, n: int = 5) -> pd.DataFrame:
    """Rows of a trained model's feature columns: from its training run when known, else made
    from the columns' kinds."""
    cols = [str(c) for c in model.feature_columns]
    if source_run:
        try:
            df = ExportedModel(ws, source_run).compiled.samples
            df = next(iter(df.values()))
            if all(c in df.columns for c in cols):
                return df[cols].head(n).reset_index(drop=True)
        except DesignerError:
            pass
    value = {"integer": 0, "double": 0.0, "boolean": False}
    return pd.DataFrame([{c: value.get(model.feature_kinds.get(c), "") for c in cols}])


def model_mlflow_files(ws, model, folder: Path, *, source_run: str | None = None):
    """``(python model, artifacts, signature, input example)`` of a trained model for
    ``mlflow.pyfunc.log_model``; the skops file is written in ``folder``."""
    from jupyter_designer.skops_io import skops_io
    sio = skops_io()
    from zipfile import ZIP_DEFLATED

    skops_file = Path(folder) / "pipeline.skops"
    sio.dump(model_pipeline(model), str(skops_file), compression=ZIP_DEFLATED)
    kw = _mlflow_model(skops_file, model_example(ws, model, source_run))
    return kw["python_model"], kw["artifacts"], kw["signature"], kw["input_example"]


def _requirements() -> list:
    from importlib.metadata import PackageNotFoundError, version

    reqs = []
    for pkg in ("jupyter-designer", "scikit-learn", "skops", "pandas", "mlflow"):
        try:
            reqs.append(f"{pkg}=={version(pkg)}")
        except PackageNotFoundError:
            reqs.append(pkg)
    return reqs


def export_model(ws, source, fmt: str, output, *, name: str | None = None) -> dict:
    """Export the model of a run (id) or of a real-time inference pipeline to ``output`` as
    ``fmt`` (one of :data:`MODEL_FORMATS`); returns what was written."""
    if fmt not in MODEL_FORMATS:
        raise ExportError(f"The model format must be one of {', '.join(MODEL_FORMATS)}. "
                          f"Got {fmt!r} instead.")
    if not output:
        raise ExportError("Give the path to write the model to (--output PATH).")
    if fmt == "mlflow":
        require_mlflow()
    exported = ExportedModel(ws, source, name=name)
    writer = {"skops": write_skops, "onnx": write_onnx, "mlflow": write_mlflow}[fmt]
    try:
        path = writer(exported, output)
    except OSError as exc:
        raise ExportError(f"{output} cannot be written ({exc.strerror or exc}); give another "
                          "path.") from None
    return {"format": fmt, "path": str(path), "run_id": exported.run_id,
            "pipeline": exported.pipeline.name, "learner": exported.model.learner,
            "task": exported.model.task, "features": list(exported.model.feature_columns),
            "input": exported.input_name, "output": exported.output_name}

