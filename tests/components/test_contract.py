"""Contract tests run over every registered component (scikit-learn's test_common style).

Each component module declares ``EXAMPLES = {component_id: lambda: (inputs, params)}``; every
built-in component must have one. For each: the declaration is well-formed and JSON-ready,
default parameters validate, the example runs, outputs match the declared port types, a
second seeded run gives identical outputs, and the design-time schema (where the component
derives one) names exactly the columns the run produced.
"""

import json
from importlib import import_module

import numpy as np
import pandas as pd
import pytest

from jupyter_designer.engine.component import CATEGORIES, REGISTRY, RunContext
from jupyter_designer.engine.errors import ParameterError
from jupyter_designer.engine.models import EvaluationResult, TrainedModel, Transformation, UntrainedModel
from jupyter_designer.engine.ports import PortType
from jupyter_designer.engine.runner import check_output_type
from jupyter_designer.engine.schema import Schema
import jupyter_designer.components as comps

BUILTINS = [s for s in REGISTRY.all() if not s.user and s.run.__module__.startswith("jupyter_designer.components")]
IDS = [s.id for s in BUILTINS]


def _examples():
    out = {}
    for spec in BUILTINS:
        mod = import_module(spec.run.__module__)
        out.update(getattr(mod, "EXAMPLES", {}))
    return out


EXAMPLES = _examples()


REFERENCE_PALETTE = """
Import Data, Enter Data Manually, Export Data, Add Columns, Add Rows, Apply Math Operation,
Apply SQL Transformation, Clean Missing Data, Clip Values, Convert to CSV, Convert to Dataset,
Convert to Indicator Values, Edit Metadata, Group Data into Bins, Join Data, Normalize Data,
Partition and Sample, Remove Duplicate Rows, SMOTE, Select Columns Transform,
Select Columns in Dataset, Split Data, Filter Based Feature Selection,
Permutation Feature Importance, Summarize Data, Linear Regression, Decision Forest Regression,
Boosted Decision Tree Regression, Neural Network Regression, Poisson Regression,
Fast Forest Quantile Regression, Two-Class Logistic Regression, Two-Class Decision Forest,
Two-Class Boosted Decision Tree, Two-Class Support Vector Machine, Two-Class Averaged Perceptron,
Two-Class Neural Network, Multiclass Logistic Regression, Multiclass Decision Forest,
Multiclass Boosted Decision Tree, Multiclass Neural Network, One-vs-All Multiclass,
One-vs-One Multiclass, K-Means Clustering, PCA-Based Anomaly Detection,
Train Anomaly Detection Model, Train Model, Train Clustering Model, Tune Model Hyperparameters,
Score Model, Assign Data to Clusters, Apply Transformation, Cross Validate Model, Evaluate Model,
Execute Python Script, Create Python Model, Web Service Input, Web Service Output,
Preprocess Text, Extract N-Gram Features from Text, Feature Hashing, Convert Word to Vector,
Latent Dirichlet Allocation, Train Vowpal Wabbit Model, Score Vowpal Wabbit Model,
Train SVD Recommender, Score SVD Recommender, Train Wide and Deep Recommender,
Score Wide and Deep Recommender, Evaluate Recommender, Convert to Image Directory,
Split Image Directory, Init Image Transformation, Apply Image Transformation, ResNet, DenseNet,
Train PyTorch Model, Score Image Model, Execute R Script
"""


def test_reference_palette_is_complete():
    names = {s.name for s in BUILTINS}
    wanted = [n.strip() for n in REFERENCE_PALETTE.replace("\n", " ").split(",") if n.strip()]
    assert len(wanted) == 79
    missing = [n for n in wanted if n not in names]
    assert not missing, f"missing components: {missing}"


@pytest.mark.parametrize("spec", BUILTINS, ids=IDS)
def test_declaration(spec):
    assert spec.category in CATEGORIES, spec.category
    json.dumps(spec.as_dict())
    for port in (*spec.inputs, *spec.outputs):
        assert port.type in PortType.ALL
    assert spec.outputs or spec.training_only, "a component without outputs must be training-only"
    # defaults validate (required parameters without defaults are allowed to be missing)
    values = {p.key: p.default for p in spec.params if p.default is not None}
    for p in spec.params:
        if p.default is not None and p.is_visible(values):
            p.validate(p.default, spec.name)
    # bad values are refused with the one message shape
    for p in spec.params:
        if p.kind in ("int", "float"):
            with pytest.raises(ParameterError, match=rf"The '{p.label}' parameter of {spec.name} must be"):
                p.validate("not a number", spec.name)
            break


@pytest.mark.parametrize("spec", BUILTINS, ids=IDS)
def test_has_example(spec):
    assert spec.id in EXAMPLES, f"{spec.run.__module__} has no EXAMPLES entry for {spec.id}"


def _same(a, b):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)
    elif isinstance(a, (TrainedModel, UntrainedModel, Transformation, EvaluationResult)):
        assert type(a) is type(b)
        if isinstance(a, EvaluationResult):
            assert json.dumps(a.results, sort_keys=True, default=str) == json.dumps(b.results, sort_keys=True, default=str)
        elif isinstance(a, UntrainedModel):
            assert a.describe() == b.describe()
    elif isinstance(a, np.ndarray):
        np.testing.assert_allclose(a, b)
    else:
        assert a == b


def _run(spec, inputs, params):
    resolved = spec.resolve_params(params)
    out = spec.run(RunContext(spec, seed=0), dict(inputs), resolved)
    if not isinstance(out, dict):
        out = {spec.outputs[0].key: out}
    return out, resolved


@pytest.mark.parametrize("spec", BUILTINS, ids=IDS)
def test_example_runs_typed_deterministic_and_schema(spec):
    if spec.id not in EXAMPLES:
        pytest.fail(f"no example for {spec.id}")
    inputs, params = EXAMPLES[spec.id]()
    out1, resolved = _run(spec, inputs, params)
    inputs2, params2 = EXAMPLES[spec.id]()
    out2, _ = _run(spec, inputs2, params2)
    for port in spec.outputs:
        val = out1.get(port.key)
        assert check_output_type(port.type, val), f"{port.label}: {type(val).__name__} is not a {port.type}"
        timing = list(spec.extra.get("nondeterministic_columns", ()))  # e.g. trial durations
        if timing and isinstance(val, pd.DataFrame):
            val, out2[port.key] = (f.drop(columns=timing, errors="ignore") for f in (val, out2[port.key]))
        _same(val, out2.get(port.key))
    in_schemas = {k: Schema.from_frame(v) if isinstance(v, pd.DataFrame) else None for k, v in inputs.items()}
    for p in spec.inputs:
        in_schemas.setdefault(p.key, None)
    predicted = spec.infer_schema(in_schemas, resolved)
    for port in spec.outputs:
        sch = predicted.get(port.key)
        val = out1.get(port.key)
        if sch is not None and isinstance(val, pd.DataFrame):
            assert sch.names == [str(c) for c in val.columns], f"{port.label}: schema predicted {sch.names}"
