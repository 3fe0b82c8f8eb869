"""Train Vowpal Wabbit Model and Score Vowpal Wabbit Model, on the ``vowpalwabbit`` package.

Training data is a dataset whose text column holds one example a row in Vowpal Wabbit's
format (``1 |f a:0.5 b``) or SVMLight's (``1 3:0.5 7:1``). With a ``Label column`` the
lines hold the features only (``|f a:0.5 b``) and the label comes from that column, so data
to score may leave it out. The model is kept as Vowpal Wabbit's own model file.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import tempfile
import threading

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.models import TrainedModel
from jupyter_designer.engine.params import Bool, Columns, Enum, String
from jupyter_designer.engine.ports import DATASET, TRAINED_MODEL, Port
from jupyter_designer.engine.schema import Schema, get_roles, set_roles

from .. import ml
from .common import CATEGORY, EXTRA

FILE_TYPES = ("VW", "SVMLight")
#: options that name files or stop training from learning, which the components manage
_REFUSED = ("-d", "--data", "-f", "--final_regressor", "-i", "--initial_regressor",
            "--readable_model", "--invert_hash", "-c", "--cache", "--cache_file", "-t",
            "--testonly", "-p", "--predictions", "-r", "--raw_predictions", "--daemon")
#: loss functions whose predictions are two-class scores
_BINARY_LOSSES = ("logistic", "hinge")
LABELS_COLUMN = "Labels"
RAW_SCORES_COLUMN = "Raw Scores"


class VowpalWabbitEstimator:
    """A trained Vowpal Wabbit model: its model file's bytes and how it was trained. It is the
    ``estimator`` of the :class:`TrainedModel` that Train Vowpal Wabbit Model outputs."""

    def __init__(self, model_bytes: bytes, arguments: str, file_type: str,
                 readable_model: str = "", inverted_hash: str = ""):
        self.model_bytes = bytes(model_bytes)
        self.arguments = arguments
        self.file_type = file_type
        self.readable_model = readable_model
        self.inverted_hash = inverted_hash

    def predict(self, X):
        from jupyter_designer.engine.errors import ComponentError
        raise ComponentError("A Vowpal Wabbit model is scored by Score Vowpal Wabbit Model, not "
                             "Score Model; connect it there.")

    predict_proba = predict


LEARNER = "Vowpal Wabbit"


def vw_model(model) -> VowpalWabbitEstimator | None:
    """The Vowpal Wabbit estimator of a trained model, or ``None`` if it is another model."""
    est = getattr(model, "estimator", None) if isinstance(model, TrainedModel) else None
    return est if isinstance(est, VowpalWabbitEstimator) else None


_WORKSPACES: dict = {}
_LOCK = threading.Lock()


def _workspace(model: VowpalWabbitEstimator, extra: str = ""):
    """A Vowpal Wabbit workspace predicting with ``model`` (one per model and process)."""
    import hashlib

    key = (hashlib.sha256(model.model_bytes).hexdigest(), extra)
    with _LOCK:
        vw = _WORKSPACES.get(key)
        if vw is None:
            from vowpalwabbit import Workspace

            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "model.vw")
                with open(path, "wb") as f:
                    f.write(model.model_bytes)
                vw = Workspace(arg_list=["--quiet", "-t", "-i", path, *shlex.split(extra)])
            if len(_WORKSPACES) > 32:
                _WORKSPACES.clear()
            _WORKSPACES[key] = vw
        return vw, _LOCK


def check_arguments(ctx, text: str) -> list[str]:
    try:
        args = shlex.split(text or "")
    except ValueError as exc:
        raise ctx.error(f"the 'VW arguments' cannot be read ({exc}); check the quotes.") from None
    bad = [a for a in args if a.split("=")[0] in _REFUSED]
    if bad:
        raise ctx.error(f"the 'VW arguments' may not contain {', '.join(bad)}: the component "
                        "manages data, model and output files itself. Remove them.")
    return args


def _svmlight_to_vw(line: str) -> str:
    parts = line.split("#", 1)[0].split()
    if not parts:
        return ""
    head, feats = (parts[0], parts[1:]) if ":" not in parts[0] else ("", parts)
    feats = [f for f in feats if not f.startswith("qid:")]
    return f"{head} | {' '.join(feats)}".strip()


def data_column(ctx, df: pd.DataFrame, label) -> str:
    """The text column holding the examples: the first text column that is not the label."""
    for c in df.columns:
        if c != label and (pd.api.types.is_string_dtype(df[c]) or df[c].dtype == object):
            return c
    raise ctx.error("the dataset has no text column holding Vowpal Wabbit (or SVMLight) "
                    "lines; give it one, e.g. '1 |f height:1.5 weight:3'.")


def _label_text(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "-1"
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def example_lines(ctx, df: pd.DataFrame, file_type: str, label_column, *, with_labels=True) -> list[str]:
    """The rows of ``df`` as Vowpal Wabbit lines."""
    col = data_column(ctx, df, label_column)
    lines = ["" if v is None or isinstance(v, float) and math.isnan(v) else str(v).strip()
             for v in df[col]]
    if file_type == "SVMLight":
        if label_column:
            lines = [_svmlight_to_vw("0 " + ln)[1:].strip() for ln in lines]
        else:
            lines = [_svmlight_to_vw(ln) for ln in lines]
    if label_column and with_labels and label_column in df.columns:
        labels = df[label_column]
        if labels.isna().any():
            raise ctx.error(f"the label column {label_column!r} has missing values; remove those "
                            "rows (Clean Missing Data) before training.")
        lines = [f"{_label_text(v)} {ln if ln.startswith('|') else '| ' + ln}"
                 for v, ln in zip(labels, lines)]
    elif label_column:
        lines = [ln if ln.startswith("|") else "| " + ln for ln in lines]
    return lines


def _task(args: list[str]) -> str:
    joined = " ".join(args)
    if "--binary" in args or re.search(r"--loss_function[ =](%s)\b" % "|".join(_BINARY_LOSSES), joined):
        return "binary"
    return "regression"


_LABEL = Columns("label_column", "Label column", single=True, port="training_data",
                 required=False,
                 description="Optional: the column holding the label, when the lines hold only "
                             "the features")
TRAIN_PARAMS = [
    String("vw_arguments", "VW arguments", default="--loss_function logistic",
           description="Vowpal Wabbit command-line arguments, e.g. '--loss_function logistic "
                       "-b 18 -l 0.5' (no file options)"),
    Enum("specify_file_type", "Specify file type", default="VW", choices=FILE_TYPES,
         description="The format of the lines: Vowpal Wabbit or SVMLight"),
    _LABEL,
    Bool("output_readable_model_file", "Output readable model file", default=False,
         description="Keep Vowpal Wabbit's human-readable model (--readable_model) with the model"),
    Bool("output_inverted_hash_file", "Output inverted hash file", default=False,
         description="Keep the readable model with feature names (--invert_hash) with the model"),
]


@component(
    "Train Vowpal Wabbit Model", category=CATEGORY,
    inputs=[Port("training_data", DATASET, "Training data"),
            Port("pre_trained_vowpal_wabbit_model", TRAINED_MODEL, "Pre-trained Vowpal Wabbit model",
                 optional=True, description="Continue training this model")],
    outputs=[Port("trained_vowpal_wabbit_model", TRAINED_MODEL, "Trained Vowpal Wabbit model")],
    params=TRAIN_PARAMS, training_only=True, model_output="trained_vowpal_wabbit_model",
    requires=("vowpalwabbit",), install_extra=EXTRA,
)
def train_vowpal_wabbit_model(ctx, inputs, params):
    """Trains a Vowpal Wabbit model (online linear learning over hashed features) on lines
    in Vowpal Wabbit or SVMLight format."""
    from vowpalwabbit import Workspace

    df = inputs.get("training_data")
    if not isinstance(df, pd.DataFrame):
        raise ctx.error("connect a dataset to the 'Training data' input.")
    label = params.get("label_column")
    if label is not None:
        label = _LABEL.resolve(label, Schema.from_frame(df), ctx.component)[0]
    args = check_arguments(ctx, params["vw_arguments"])
    previous = inputs.get("pre_trained_vowpal_wabbit_model")
    if previous is not None and vw_model(previous) is None:
        raise ctx.error("the 'Pre-trained Vowpal Wabbit model' input takes the output of Train "
                        f"Vowpal Wabbit Model; got {type(previous).__name__}.")
    lines = [ln for ln in example_lines(ctx, df, params["specify_file_type"], label) if ln]
    if not lines:
        raise ctx.error("the training data has no examples.")
    with tempfile.TemporaryDirectory() as d:
        model_path, readable, inverted = (os.path.join(d, n) for n in ("model.vw", "r.txt", "ih.txt"))
        argv = ["--quiet", "-f", model_path, *args]
        if not any(a == "--random_seed" for a in args):
            argv += ["--random_seed", str(ctx.seed)]
        if previous is not None:
            start = os.path.join(d, "start.vw")
            with open(start, "wb") as f:
                f.write(vw_model(previous).model_bytes)
            argv = ["-i", start, *argv]
        if params["output_readable_model_file"]:
            argv += ["--readable_model", readable]
        if params["output_inverted_hash_file"]:
            argv += ["--invert_hash", inverted]
        try:
            vw = Workspace(arg_list=argv)
        except Exception as exc:
            raise ctx.error(f"Vowpal Wabbit refused the arguments {params['vw_arguments']!r}: "
                            f"{exc}") from None
        try:
            for i, ln in enumerate(lines):
                try:
                    vw.learn(ln)
                except Exception as exc:
                    raise ctx.error(f"row {i + 1} is not a valid {params['specify_file_type']} "
                                    f"line ({exc}): {ln[:80]!r}") from None
        finally:
            vw.finish()
        with open(model_path, "rb") as f:
            data = f.read()
        texts = [open(p, encoding="utf8", errors="replace").read() if os.path.exists(p) else ""
                 for p in (readable, inverted)]
    task = _task(args) if previous is None else previous.task
    est = VowpalWabbitEstimator(data, " ".join(args), params["specify_file_type"], *texts)
    model = TrainedModel(estimator=est, task=task, feature_columns=[data_column(ctx, df, label)],
                         label_column=label, classes=[-1, 1] if task == "binary" else None,
                         learner=LEARNER, info={"vw_arguments": est.arguments,
                                                "file_type": est.file_type})
    ctx.log("Trained Vowpal Wabbit (%s) on %d examples", params["vw_arguments"] or "defaults", len(lines))
    return {"trained_vowpal_wabbit_model": model}


def predict(model: VowpalWabbitEstimator, lines: list[str], extra: str = "") -> np.ndarray:
    """Vowpal Wabbit's raw predictions for ``lines``."""
    vw, lock = _workspace(model, extra)
    with lock:
        return np.asarray([float(vw.predict(ln)) if ln else np.nan for ln in lines], dtype=np.float64)


def _line_labels(lines: list[str]) -> list:
    out = []
    for ln in lines:
        head = ln.split("|", 1)[0].split()
        out.append(float(head[0]) if head else np.nan)
    return out


SCORE_PARAMS = [
    String("vw_arguments", "VW arguments", default="",
           description="Additional Vowpal Wabbit arguments for scoring (no file options)"),
    Enum("specify_file_type", "Specify file type", default="VW", choices=FILE_TYPES),
    Bool("include_an_extra_column_containing_labels", "Include an extra column containing labels",
         default=False, description=f"Add the labels read from the lines as {LABELS_COLUMN!r}"),
    Bool("include_an_extra_column_containing_raw_scores",
         "Include an extra column containing raw scores", default=False,
         description=f"Add Vowpal Wabbit's raw predictions as {RAW_SCORES_COLUMN!r}"),
]


@component(
    "Score Vowpal Wabbit Model", category=CATEGORY,
    inputs=[Port("trained_vowpal_wabbit_model", TRAINED_MODEL, "Trained Vowpal Wabbit model"),
            Port("test_data", DATASET, "Test data")],
    outputs=[Port("scored_dataset", DATASET, "Scored dataset")],
    params=SCORE_PARAMS, requires=("vowpalwabbit",), install_extra=EXTRA,
)
def score_vowpal_wabbit_model(ctx, inputs, params):
    """Scores lines in Vowpal Wabbit or SVMLight format with a trained Vowpal Wabbit model:
    Scored Labels, and Scored Probabilities for a logistic-loss two-class model."""
    model = inputs.get("trained_vowpal_wabbit_model")
    est = vw_model(model)
    if est is None:
        raise ctx.error("connect the output of Train Vowpal Wabbit Model to the 'Trained Vowpal "
                        f"Wabbit model' input; got {type(model).__name__}.")
    df = inputs.get("test_data")
    if not isinstance(df, pd.DataFrame):
        raise ctx.error("connect a dataset to the 'Test data' input.")
    extra = " ".join(check_arguments(ctx, params["vw_arguments"]))
    file_type = params["specify_file_type"]
    lines = example_lines(ctx, df, file_type, model.label_column, with_labels=False)
    try:
        raw = predict(est, lines, extra)
    except Exception as exc:
        raise ctx.error(f"Vowpal Wabbit could not score the data ({exc}). Check that the lines "
                        f"are in {file_type} format.") from None
    out = df.copy()
    roles = {}
    if model.label_column and model.label_column in df.columns:
        roles[model.label_column] = "label"
    if params["include_an_extra_column_containing_labels"]:
        full = example_lines(ctx, df, file_type, model.label_column)
        out[LABELS_COLUMN] = _line_labels(full)
        roles[LABELS_COLUMN] = "label"
    if params["include_an_extra_column_containing_raw_scores"]:
        out[RAW_SCORES_COLUMN] = raw
        roles[RAW_SCORES_COLUMN] = "score"
    if model.task == "binary":
        out[ml.SCORED_LABELS] = np.where(raw >= 0, 1, -1).astype(np.int64)
        if "logistic" in est.arguments:
            with np.errstate(over="ignore"):
                out[ml.SCORED_PROBABILITIES] = 1.0 / (1.0 + np.exp(-raw))
            roles[ml.SCORED_PROBABILITIES] = "score"
    else:
        out[ml.SCORED_LABELS] = raw
    roles[ml.SCORED_LABELS] = "score"
    set_roles(out, {**get_roles(df), **roles}, replace=True)
    label = next((c for c, r in roles.items() if r == "label"), None)
    out.attrs[ml.SCORING_ATTR] = {"task": model.task, "label": label, "learner": LEARNER}
    ctx.log("Scored %d rows with Vowpal Wabbit", len(df))
    return {"scored_dataset": out}


def example_vw_data(n: int = 80, seed: int = 0) -> pd.DataFrame:
    """Two-class examples in Vowpal Wabbit format: ``Class`` (1/-1) and ``Features``."""
    rng = np.random.RandomState(seed)
    x = rng.normal(size=(n, 3))
    y = np.where(x[:, 0] - 0.5 * x[:, 1] > 0, 1, -1)
    feats = [f"|f a:{a:.4f} b:{b:.4f} c:{c:.4f}" for a, b, c in x]
    df = pd.DataFrame({"Class": y.astype(np.int64), "Features": pd.Series(feats, dtype="str")})
    set_roles(df, {"Class": "label"})
    return df


def _example_model():
    spec = train_vowpal_wabbit_model.spec
    from jupyter_designer.engine.component import RunContext

    out = spec.run(RunContext(spec), {"training_data": example_vw_data()},
                   spec.resolve_params({"label_column": "Class"}))
    return out["trained_vowpal_wabbit_model"]


EXAMPLES = {
    "train_vowpal_wabbit_model": lambda: ({"training_data": example_vw_data()},
                                          {"label_column": "Class",
                                           "output_readable_model_file": True}),
    "score_vowpal_wabbit_model": lambda: (
        {"trained_vowpal_wabbit_model": _example_model(), "test_data": example_vw_data(20, 1)},
        {"include_an_extra_column_containing_raw_scores": True}),
}
