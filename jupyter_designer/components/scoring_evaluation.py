"""Model Scoring & Evaluation: Score Model, Assign Data to Clusters, Apply Transformation,
Evaluate Model.

Score columns and metrics are those of the reference product (see
:mod:`jupyter_designer.components.ml`), because downstream components, notebooks and
real-time clients look for them by name.
"""

from __future__ import annotations

import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.errors import DesignerError, a_or_an
from jupyter_designer.engine.models import EvaluationResult, Transformation, TrainedModel
from jupyter_designer.engine.params import Bool
from jupyter_designer.engine.ports import DATASET, EVALUATION, TRAINED_MODEL, TRANSFORMATION, Port
from jupyter_designer.engine.schema import get_roles, set_roles

from . import fast_steps as fs
from . import ml
from .data_transformation.columns import LABEL_COLUMNS

CATEGORY = "Model Scoring & Evaluation"

TRAINED = Port("trained_model", TRAINED_MODEL, "Trained model")
DATASET_IN = Port("dataset", DATASET, "Dataset")
APPEND_KEY = "check_for_append_or_uncheck_for_result_only"


def _trained_input(ctx, inputs) -> TrainedModel:
    model = inputs.get("trained_model")
    if not isinstance(model, TrainedModel):
        raise ctx.error("connect a trained model (the output of Train Model, Train Clustering "
                        "Model, Tune Model Hyperparameters, ...) to the 'Trained model' input; "
                        f"got {type(model).__name__}.")
    return model


def _dataset_input(ctx, inputs, key="dataset", label="Dataset") -> pd.DataFrame:
    df = inputs.get(key)
    if not isinstance(df, pd.DataFrame):
        raise ctx.error(f"connect a dataset to the '{label}' input.")
    return df


# -- Score Model ------------------------------------------------------------------------------
def _score_schema(inputs, params):
    model = inputs.get("trained_model")
    task = model.get("task") if isinstance(model, dict) else getattr(model, "task", None)
    if task == "clustering":
        return {"scored_dataset": None}
    return {"scored_dataset": ml.scored_schema(inputs.get("dataset"), model,
                                                append=params.get("append_score_columns_to_output", True))}


@component(
    "Score Model", category=CATEGORY, subcategory="",
    inputs=[TRAINED, DATASET_IN], outputs=[Port("scored_dataset", DATASET, "Scored dataset")],
    params=[Bool("append_score_columns_to_output", "Append score columns to output", default=True,
                 description="Output the dataset with the score columns appended, or the score "
                             "columns only")],
    schema=_score_schema,
)
def score_model(ctx, inputs, params):
    """Predicts with a trained classification, regression or anomaly detection model."""
    model = _trained_input(ctx, inputs)
    if model.task == "clustering":
        raise ctx.error(f"{model.learner or 'the model'} is a clustering model; use Assign Data to "
                        "Clusters to score it.")
    df = _dataset_input(ctx, inputs)
    out = ml.score_frame(model, df, append=params["append_score_columns_to_output"],
                          component=ctx.component)
    ctx.log("Scored %d rows with %s", len(df), model.learner or "the model")
    return {"scored_dataset": out}


def _score_fast_step(append_key):
    def fast_step(constants, params, sample_outputs):
        model = constants.get("trained_model")
        if not isinstance(model, TrainedModel):
            return None
        return fs.ScoreWithModel(model, params.get(append_key, True))
    return fast_step


score_model.fast_step = _score_fast_step("append_score_columns_to_output")


# -- Assign Data to Clusters ----------------------------------------------------------------
def _assign_schema(inputs, params):
    model = inputs.get("trained_model")
    n = None
    if isinstance(model, TrainedModel) and model.task == "clustering":
        n = model.info.get("n_clusters")
    if n is None:
        return {"results_dataset": None}
    cols = ml.score_columns("clustering", n_clusters=n)
    from jupyter_designer.engine.schema import Schema

    new = Schema.of([(c, k, "score") for c, k in cols])
    if not params.get(APPEND_KEY, True):
        return {"results_dataset": new}
    schema = inputs.get("dataset")
    return {"results_dataset": schema.add(*new.columns) if schema is not None else None}


@component(
    "Assign Data to Clusters", category=CATEGORY, subcategory="",
    inputs=[TRAINED, DATASET_IN], outputs=[Port("results_dataset", DATASET, "Results dataset")],
    params=[Bool(APPEND_KEY, "Check for Append or Uncheck for Result Only", default=True,
                 description="Output the dataset with the cluster columns appended, or the "
                             "cluster columns only")],
    schema=_assign_schema,
)
def assign_data_to_clusters(ctx, inputs, params):
    """Assigns rows to the clusters of a trained clustering model."""
    model = _trained_input(ctx, inputs)
    if model.task != "clustering":
        raise ctx.error(f"{model.learner or 'the model'} is {a_or_an(model.task)} model, not a clustering "
                        "model; use Score Model to score it.")
    df = _dataset_input(ctx, inputs)
    out = ml.score_frame(model, df, append=params[APPEND_KEY], component=ctx.component)
    return {"results_dataset": out}


assign_data_to_clusters.fast_step = _score_fast_step(APPEND_KEY)


# -- Apply Transformation -------------------------------------------------------------------
def _apply_schema(inputs, params):
    transformation = inputs.get("transformation")
    schema = inputs.get("dataset")
    if isinstance(transformation, Transformation) and schema is not None:
        return {"transformed_dataset": transformation.output_schema(schema)}
    return {"transformed_dataset": None}


def for_scoring(transformation: Transformation, label_columns) -> Transformation:
    """``transformation`` as an inference pipeline applies it to data to score, which may
    lack the label columns.

    A transformation that knows how (``for_scoring(label_columns)``, e.g. Clean Missing
    Data's, which must not remove rows because their label is missing) gives its own
    version; any other gets absent label columns as all-missing columns, taken out of its
    result again.
    """
    labels = [str(c) for c in label_columns or []]
    if not labels:
        return transformation
    own = getattr(transformation, "for_scoring", None)
    if callable(own):
        return own(labels)
    return _LabelsPadded(transformation, labels)


class _LabelsPadded(Transformation):
    """A transformation applied to data that may lack the label columns it was fitted with."""

    def __init__(self, inner: Transformation, label_columns: list):
        self.inner = inner
        self.label_columns = list(label_columns)
        self.source = inner.source

    def transform(self, df):
        absent = [c for c in self.label_columns if c not in df.columns]
        if not absent:
            return self.inner.transform(df)
        padded = df.assign(**{c: pd.Series(float("nan"), index=df.index) for c in absent})
        set_roles(padded, get_roles(df), replace=True)
        out = self.inner.transform(padded)
        if isinstance(out, pd.DataFrame):
            roles = get_roles(out)
            out = out.drop(columns=[c for c in absent if c in out.columns])
            set_roles(out, roles, replace=True)
        return out

    def output_schema(self, schema):
        return self.inner.output_schema(schema)


@component(
    "Apply Transformation", category=CATEGORY, subcategory="",
    inputs=[Port("transformation", TRANSFORMATION, "Transformation"), DATASET_IN],
    outputs=[Port("transformed_dataset", DATASET, "Transformed dataset")],
    params=[LABEL_COLUMNS],
    schema=_apply_schema,
)
def apply_transformation(ctx, inputs, params):
    """Applies a saved transformation (normalization, cleaning, ...) to a dataset."""
    transformation = inputs.get("transformation")
    if not isinstance(transformation, Transformation):
        raise ctx.error("connect a transformation (e.g. the 'Transformation' output of Normalize "
                        "Data or Clean Missing Data) to the 'Transformation' input; got "
                        f"{type(transformation).__name__}.")
    df = _dataset_input(ctx, inputs)
    try:
        out = for_scoring(transformation, params.get("label_columns")).transform(df)
    except DesignerError:
        raise
    except Exception as exc:
        source = transformation.source or type(transformation).__name__
        raise ctx.error(f"the transformation from {source} could not be applied to the dataset: "
                        f"{exc}. Check that it has the columns and types the transformation was "
                        "fitted on.") from exc
    if not isinstance(out, pd.DataFrame):
        raise ctx.error(f"the transformation returned {type(out).__name__}, not a dataset.")
    return {"transformed_dataset": out}


def _apply_fast_step(constants, params, sample_outputs):
    """The fast step the transformation declares (``fast_step()``), if any."""
    own = getattr(constants.get("transformation"), "fast_step", None)
    return own() if callable(own) else None


apply_transformation.fast_step = _apply_fast_step


# -- Evaluate Model -------------------------------------------------------------------------
@component(
    "Evaluate Model", category=CATEGORY, subcategory="",
    inputs=[Port("scored_dataset", DATASET, "Scored dataset"),
            Port("scored_dataset_to_compare", DATASET, "Scored dataset to compare", optional=True)],
    outputs=[Port("evaluation_results", EVALUATION, "Evaluation results")],
    training_only=True,
)
def evaluate_model(ctx, inputs, params):
    """Evaluates a scored classification, regression or clustering dataset with standard metrics."""
    left = _dataset_input(ctx, inputs, "scored_dataset", "Scored dataset")
    results = [ml.evaluate_scored(left, component=ctx.component)]
    right = inputs.get("scored_dataset_to_compare")
    if right is not None:
        if not isinstance(right, pd.DataFrame):
            raise ctx.error("the 'Scored dataset to compare' input must be a dataset.")
        other = ml.evaluate_scored(right, component=ctx.component)
        if _family(other["task"]) != _family(results[0]["task"]):
            raise ctx.error(f"the two scored datasets come from different kinds of model "
                            f"({results[0]['task']} and {other['task']}); compare models of the "
                            "same kind.")
        results.append(other)
    # one input: metrics by their names; two: each name labelled with its input's side, as
    # the reference product's left and right ports (``left: Mean Absolute Error``)
    sides = EVALUATION_SIDES if len(results) == 2 else ("",)
    for side, result in zip(sides, results):
        for name, value in result["metrics"].items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ctx.log_metric(f"{side}: {name}" if side else name, value)
        ctx.log("Evaluated %s scores%s: %s", result["task"],
                f" ({side} input)" if side else "",
                ", ".join(f"{k}={v:.4g}" for k, v in result["metrics"].items()
                          if isinstance(v, float)))
    return {"evaluation_results": EvaluationResult(results=results)}


#: labels of Evaluate Model's two inputs in its metrics: "Scored dataset" is left,
#: "Scored dataset to compare" right
EVALUATION_SIDES = ("left", "right")


def _family(task: str) -> str:
    return "binary" if task in ("binary", "anomaly") else task


def _scored(task, **learner_values):
    from .ml_algorithms import make_untrained

    learner = {"regression": "Linear Regression", "binary": "Two-Class Logistic Regression",
               "multiclass": "Multiclass Logistic Regression"}[task]
    df = ml.example_frame(task)
    label = {"regression": "price", "binary": "income", "multiclass": "species"}[task]
    model = ml.fit_model(make_untrained(learner, **learner_values), df, label)
    return model, df


def _example_score():
    model, df = _scored("binary")
    return {"trained_model": model, "dataset": df}, {}


def _example_assign():
    from .ml_algorithms import make_untrained

    df = ml.example_frame("clustering")[["x1", "x2"]]
    model = ml.fit_model(make_untrained("K-Means Clustering", number_of_centroids=3), df, None)
    return {"trained_model": model, "dataset": df}, {}


def _example_apply():
    df = ml.example_frame("regression")
    return {"transformation": _ExampleScale().fit(df, ["x1", "x2"]), "dataset": df}, {}


class _ExampleScale(Transformation):
    """A z-score transformation used by the Apply Transformation example."""

    source = "Apply Transformation example"

    def fit(self, df, columns):
        self.columns = list(columns)
        self.mean = [float(df[c].mean()) for c in columns]
        self.std = [float(df[c].std(ddof=0)) or 1.0 for c in columns]
        return self

    def transform(self, df):
        out = df.copy(deep=False)
        for c, m, s in zip(self.columns, self.mean, self.std):
            out[c] = (df[c] - m) / s
        return out

    def output_schema(self, schema):
        return schema


def _example_evaluate():
    reg, df = _scored("regression")
    left = ml.score_frame(reg, df)
    from .ml_algorithms import make_untrained

    other = ml.fit_model(make_untrained("Decision Forest Regression", number_of_decision_trees=4),
                          df, "price")
    return {"scored_dataset": left, "scored_dataset_to_compare": ml.score_frame(other, df)}, {}


EXAMPLES = {
    "score_model": _example_score,
    "assign_data_to_clusters": _example_assign,
    "apply_transformation": _example_apply,
    "evaluate_model": _example_evaluate,
}
