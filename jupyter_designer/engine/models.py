"""Values that flow through non-dataset ports: untrained and trained models, fitted
transformations and evaluation results.

They are plain classes of this package (so skops can be told to trust exactly them) that
wrap scikit-learn objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Tasks a model can be trained for.
TASKS = ("regression", "binary", "multiclass", "clustering", "anomaly")


class Transformation:
    """A fitted, reusable transformation of a table (the reference "TransformationDirectory").

    Subclasses implement :meth:`transform`; Apply Transformation calls it on new data, and
    inference pipelines reuse it as a ``TD-`` node.
    """

    #: the component that produced it, for display
    source: str = ""

    def transform(self, df):  # pragma: no cover - abstract
        raise NotImplementedError

    def output_schema(self, schema):
        """Schema of ``transform``'s output for an input schema, or ``None`` if unknown."""
        return None

    def describe(self) -> dict:
        return {"type": type(self).__name__, "source": self.source}


@dataclass
class UntrainedModel:
    """A learner with its settings, before Train Model fits it.

    ``make(params)`` builds the scikit-learn estimator; ``params`` are the single-parameter
    values; ``grid`` the per-hyperparameter value lists of "Parameter Range" mode (what Tune
    Model Hyperparameters sweeps).
    """

    learner: str                       # component name, e.g. "Two-Class Logistic Regression"
    task: str                          # one of TASKS
    params: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)
    seed: int = 0
    factory: str = ""                  # dotted path of the function building the estimator

    def make(self, overrides: dict | None = None):
        from importlib import import_module

        module, _, attr = self.factory.rpartition(".")
        build = getattr(import_module(module), attr)
        return build({**self.params, **(overrides or {})}, self.seed)

    def describe(self) -> dict:
        return {"type": "UntrainedModel", "learner": self.learner, "task": self.task,
                "params": self.params, "grid": self.grid}


@dataclass
class TrainedModel:
    """A fitted model and what scoring needs to know about its training data.

    ``estimator`` is a scikit-learn estimator (usually a Pipeline whose first step encodes
    categorical features) taking ``feature_columns`` of a DataFrame.
    """

    estimator: Any
    task: str
    feature_columns: list
    label_column: str | None = None
    classes: list | None = None
    learner: str = ""
    feature_kinds: dict = field(default_factory=dict)   # column -> schema kind at training
    info: dict = field(default_factory=dict)            # e.g. chosen hyperparameters

    def describe(self) -> dict:
        return {"type": "TrainedModel", "learner": self.learner, "task": self.task,
                "features": list(self.feature_columns), "label": self.label_column,
                "classes": list(self.classes) if self.classes is not None else None,
                "info": self.info}


@dataclass
class EvaluationResult:
    """Metrics of one or two scored datasets (Evaluate Model's output).

    ``results`` holds one entry per scored input: ``{"task": ..., "metrics": {...},
    "curves": {...}, "confusion_matrix": {...}}``. ``metrics_table()`` gives them as rows.
    """

    results: list = field(default_factory=list)

    def metrics_table(self):
        import pandas as pd

        rows = []
        for i, r in enumerate(self.results):
            rows.append({"Scored dataset": "left" if i == 0 else "right",
                         **{k: v for k, v in r.get("metrics", {}).items()
                            if not isinstance(v, (list, dict))}})
        return pd.DataFrame(rows)

    def metrics(self, index: int = 0) -> dict:
        return dict(self.results[index].get("metrics", {})) if self.results else {}

    def describe(self) -> dict:
        return {"type": "EvaluationResult", "results": self.results}
