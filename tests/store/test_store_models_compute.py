"""Registered models and compute targets."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from jupyter_designer.engine.errors import NotFoundError
from jupyter_designer.engine.models import TrainedModel, UntrainedModel
from jupyter_designer.store import ComputeInfo, ModelInfo, WorkspaceError


def _model(c=1.0):
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    est = LogisticRegression(C=c).fit(X, [0, 0, 1, 1])
    return TrainedModel(est, "binary", ["x"], "y", [0, 1], learner="Two-Class Logistic Regression")


def test_register_and_get_models(ws):
    info = ws.register_model("Churn model", _model(), description="first", tags={"stage": "dev"})
    assert isinstance(info, ModelInfo)
    assert (info.name, info.version, info.type, info.task, info.learner) == \
        ("Churn model", 1, "TrainedModel", "binary", "Two-Class Logistic Regression")
    assert info.tags == {"stage": "dev"} and info.description == "first" and info.created > 0
    assert ws.register_model("churn MODEL", _model(0.1)).version == 2
    assert ws.get_model("churn model", 1).estimator.C == 1.0
    assert ws.get_model("Churn model").estimator.C == 0.1
    assert ws.model_info("CHURN MODEL").version == 2
    assert [m.version for m in ws.model_versions("churn model")] == [1, 2]
    ws.register_model("Learner", UntrainedModel("Boosted", "binary", {"n": 3}))
    assert [(m.name, m.version) for m in ws.list_models()] == [("Churn model", 2), ("Learner", 1)]
    assert ws.get_model("learner").params == {"n": 3}
    ws.delete_model("churn model", version=1)
    assert [m.version for m in ws.model_versions("churn model")] == [2]
    ws.delete_model("Churn model")
    assert [m.name for m in ws.list_models()] == ["Learner"]


def test_model_errors(ws):
    with pytest.raises(NotFoundError, match="no model named 'nope'"):
        ws.get_model("nope")
    ws.register_model("m", _model())
    with pytest.raises(NotFoundError, match="has no version 3; its versions are 1"):
        ws.get_model("m", 3)
    with pytest.raises(NotFoundError, match="Did you mean 'm'"):
        ws.model_info("M2")
    with pytest.raises(WorkspaceError, match="the model is None"):
        ws.register_model("x", None)
    with pytest.raises(WorkspaceError, match="register it as a dataset"):
        ws.register_model("x", pd.DataFrame({"a": [1]}))
    with pytest.raises(WorkspaceError, match="name"):
        ws.register_model("", _model())
    with pytest.raises(NotFoundError):
        ws.register_model("x", _model(), source_run="no-such-run")
    assert [m.name for m in ws.list_models()] == ["m"]


def test_compute_targets(ws):
    assert [c.name for c in ws.list_compute()] == ["local"]
    local = ws.get_compute("local")
    assert isinstance(local, ComputeInfo) and local.kind == "local"
    ws.register_compute("pool", "local-processes", {"n_jobs": 2})
    ws.register_compute("cluster", "dask", {"address": "tcp://127.0.0.1:8786"})
    assert [c.name for c in ws.list_compute()] == ["local", "cluster", "pool"]
    assert ws.get_compute("pool").config == {"n_jobs": 2}
    ws.register_compute("pool", "local-processes", {"n_jobs": 4})
    assert ws.get_compute("pool").config == {"n_jobs": 4}
    ws.delete_compute("pool")
    with pytest.raises(NotFoundError, match="no compute target 'pool'. Compute targets: local, cluster"):
        ws.get_compute("pool")
    with pytest.raises(WorkspaceError, match="kind must be one of local, local-processes, dask"):
        ws.register_compute("x", "gpu")
    with pytest.raises(WorkspaceError, match="needs an 'address'"):
        ws.register_compute("x", "dask", {})
    with pytest.raises(WorkspaceError, match="always has kind 'local'"):
        ws.register_compute("local", "dask", {"address": "tcp://x:1"})
    with pytest.raises(WorkspaceError, match="cannot be removed"):
        ws.delete_compute("local")
    with pytest.raises(WorkspaceError, match="config must be a dict"):
        ws.register_compute("x", "local-processes", [1])
