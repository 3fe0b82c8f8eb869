"""Model Training: Train Model, Train Clustering Model, Train Anomaly Detection Model.

The fitting itself (checks, categorical encoding, label codes) is
:func:`jupyter_designer.components.ml.fit_model`, shared with Tune Model
Hyperparameters and Cross Validate Model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jupyter_designer.engine.errors import a_or_an
from jupyter_designer.engine.component import component
from jupyter_designer.engine.models import UntrainedModel
from jupyter_designer.engine.params import Bool, Columns, is_binding
from jupyter_designer.engine.ports import DATASET, TRAINED_MODEL, UNTRAINED_MODEL, Port
from jupyter_designer.engine.schema import Schema, get_roles, set_roles

from . import ml

CATEGORY = "Model Training"

UNTRAINED = Port("untrained_model", UNTRAINED_MODEL, "Untrained model")
DATASET_IN = Port("dataset", DATASET, "Dataset")
TRAINED = Port("trained_model", TRAINED_MODEL, "Trained model")
APPEND_KEY = "check_for_append_or_uncheck_for_result_only"

_TRAINER_FOR = {"clustering": "Train Clustering Model", "anomaly": "Train Anomaly Detection Model",
                "image classification": "Train PyTorch Model"}


def _untrained_input(ctx, inputs, tasks) -> UntrainedModel:
    model = inputs.get("untrained_model")
    if not isinstance(model, UntrainedModel):
        raise ctx.error("connect an untrained model (a component from Machine Learning "
                        "Algorithms) to the 'Untrained model' input; got "
                        f"{type(model).__name__}.")
    if model.task not in tasks:
        other = _TRAINER_FOR.get(model.task, "Train Model")
        raise ctx.error(f"{model.learner} is {a_or_an(model.task)} learner, which {ctx.component} cannot "
                        f"train. Use {other} instead.")
    return model


def _dataset_input(ctx, inputs) -> pd.DataFrame:
    df = inputs.get("dataset")
    if not isinstance(df, pd.DataFrame):
        raise ctx.error("connect a dataset to the 'Dataset' input.")
    return df


# -- Train Model ---------------------------------------------------------------------------
LABEL = Columns("label_column", "Label column", single=True, port="dataset",
                description="The column the model learns to predict")


def _train_schema(inputs, params):
    schema = inputs.get("dataset")
    label = params.get("label_column")
    if schema is not None and label is not None and not is_binding(label):
        LABEL.resolve(label, schema, "Train Model")  # raises naming the missing column
    return {"trained_model": None}


def _train_check(inputs, params, upstream):
    return ml.design_check_learner(inputs.get("dataset"), params.get("label_column"),
                                    upstream.get("untrained_model"), "Train Model", LABEL)


@component(
    "Train Model", category=CATEGORY, subcategory="",
    inputs=[UNTRAINED, DATASET_IN], outputs=[TRAINED], params=[LABEL],
    schema=_train_schema, training_only=True, model_output="trained_model",
    extra={"design_check": _train_check},
)
def train_model(ctx, inputs, params):
    """Trains a classification or regression model in a supervised manner."""
    untrained = _untrained_input(ctx, inputs, ("regression", "binary", "multiclass"))
    df = _dataset_input(ctx, inputs)
    label = ctx.spec.param("label_column").resolve(params["label_column"], Schema.from_frame(df),
                                                   ctx.component)[0]
    model = ml.fit_model(untrained, df, label, component=ctx.component)
    ctx.log("Trained %s on %d rows, %d features, label %r", untrained.learner, len(df),
            len(model.feature_columns), label)
    for note in model.info.get("warnings", []):
        ctx.warn("%s", note)
    return {"trained_model": model}


# -- Train Clustering Model ----------------------------------------------------------------
COLUMN_SET = Columns("column_set", "Column set", port="dataset",
                     default={"begin_with": "all", "rules": []},
                     description="Columns used to build the clusters")
APPEND = Bool(APPEND_KEY, "Check for Append or Uncheck for Result Only", default=True,
              description="Output the dataset with the cluster columns appended, or the cluster "
                          "columns only")


def _n_clusters(model) -> int | None:
    if isinstance(model, UntrainedModel) and model.task == "clustering":
        k = model.params.get("number_of_centroids")
        return int(k) if k is not None else None
    return None


def _cluster_schema(schema, params, n_clusters, *, column_set=True):
    if n_clusters is None:
        return None
    cols = ml.score_columns("clustering", n_clusters=n_clusters)
    new = Schema.of([(n, k, "score") for n, k in cols])
    if not params.get(APPEND_KEY, True):
        return new
    if schema is None:
        return None
    return schema.add(*new.columns)


def _train_clustering_schema(inputs, params):
    schema = inputs.get("dataset")
    if schema is not None and params.get("column_set") is not None and not is_binding(params["column_set"]):
        COLUMN_SET.resolve(params["column_set"], schema, "Train Clustering Model")
    return {"trained_model": None,
            "results_dataset": _cluster_schema(schema, params, _n_clusters(inputs.get("untrained_model")))}


def _apply_label_mode(out: pd.DataFrame, df: pd.DataFrame, mode: str, label: str | None,
                      assignments: np.ndarray, own_distance: np.ndarray):
    """K-Means' "Assign label mode" on the results of Train Clustering Model."""
    if not label or mode == "Ignore label column" or label not in df.columns:
        return out
    values = df[label]
    clusters = pd.Series(assignments, index=df.index)
    if mode == "Fill missing values":
        fill = {}
        for c in np.unique(assignments):
            known = values[(clusters == c) & values.notna()]
            if len(known):
                fill[c] = known.mode().iloc[0]
        filled = values.where(values.notna(), clusters.map(fill))
        out[label] = filled
    else:  # Overwrite from closest to center
        closest = {}
        for c in np.unique(assignments):
            members = np.flatnonzero((assignments == c) & values.notna().to_numpy())
            if len(members):
                closest[c] = values.iloc[members[np.argmin(own_distance[members])]]
        out[label] = clusters.map(closest)
    return out


@component(
    "Train Clustering Model", category=CATEGORY, subcategory="",
    inputs=[UNTRAINED, DATASET_IN],
    outputs=[TRAINED, Port("results_dataset", DATASET, "Results dataset")],
    params=[COLUMN_SET, APPEND], schema=_train_clustering_schema,
    training_only=True, model_output="trained_model",
)
def train_clustering_model(ctx, inputs, params):
    """Trains a clustering model and assigns the training rows to clusters."""
    untrained = _untrained_input(ctx, inputs, ("clustering",))
    df = _dataset_input(ctx, inputs)
    names = ctx.spec.param("column_set").resolve(params["column_set"], Schema.from_frame(df),
                                                 ctx.component)
    roles = get_roles(df)
    label = next((c for c, r in roles.items() if r == "label" and c in df.columns), None)
    features = [n for n in names if n != label]
    if not features:
        raise ctx.error("the 'Column set' parameter selects no feature columns; select the "
                        "columns to build the clusters from.")
    train = df[features]
    model = ml.fit_model(untrained, train, None, component=ctx.component)
    ctx.log("Trained %s on %d rows and %d columns: %s clusters", untrained.learner, len(df),
            len(features), model.info.get("n_clusters"))
    append = params[APPEND_KEY]
    scored = ml.score_frame(model, df if append else train, append=append, component=ctx.component)
    mode = untrained.params.get("assign_label_mode", "Ignore label column")
    if append and label and mode != "Ignore label column":
        a = scored[ml.ASSIGNMENTS].to_numpy()
        own = scored[[ml.distance_column(i) for i in range(model.info["n_clusters"])]].to_numpy()
        scored = _apply_label_mode(scored, df, mode, label, a, own[np.arange(len(a)), a])
        set_roles(scored, {label: "label"})
    return {"trained_model": model, "results_dataset": scored}


# -- Train Anomaly Detection Model ------------------------------------------------------------
@component(
    "Train Anomaly Detection Model", category=CATEGORY, subcategory="",
    inputs=[UNTRAINED, DATASET_IN], outputs=[TRAINED],
    schema=lambda inputs, params: {"trained_model": None},
    training_only=True, model_output="trained_model",
)
def train_anomaly_detection_model(ctx, inputs, params):
    """Trains an anomaly detector; a label column (if marked) is left out of the features."""
    untrained = _untrained_input(ctx, inputs, ("anomaly",))
    df = _dataset_input(ctx, inputs)
    model = ml.fit_model(untrained, df, None, component=ctx.component)
    ctx.log("Trained %s on %d rows and %d features", untrained.learner, len(df),
            len(model.feature_columns))
    return {"trained_model": model}


def _untrained(name, **values):
    from .ml_algorithms import make_untrained

    return make_untrained(name, **values)


EXAMPLES = {
    "train_model": lambda: ({"untrained_model": _untrained("Two-Class Logistic Regression"),
                             "dataset": ml.example_frame("binary")}, {"label_column": "income"}),
    "train_clustering_model": lambda: (
        {"untrained_model": _untrained("K-Means Clustering", number_of_centroids=3),
         "dataset": ml.example_frame("clustering")},
        {"column_set": ["x1", "x2"]}),
    "train_anomaly_detection_model": lambda: (
        {"untrained_model": _untrained("PCA-Based Anomaly Detection"),
         "dataset": ml.example_frame("anomaly")}, {}),
}
