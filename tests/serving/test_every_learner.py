"""Every learner of the palette, and a pipeline with two models and two Web Service Outputs,
deployed and scored through `jupyter designer serve` over real HTTP: the endpoint is on the
fast path (ONNX Runtime, except where noted) and its answers to one-row and 100-row requests
equal the faithful path's (each component's own code on DataFrames).

One serving process answers for all the endpoints of one workspace.
"""

import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import jupyter_designer.components  # noqa: F401
from jupyter_designer.components import ml
from jupyter_designer.engine.component import REGISTRY

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from live_servers import LiveServer  # noqa: E402

pytestmark = pytest.mark.slow

IN = "WebServiceInput0"
LEARNERS = [s for s in REGISTRY.all() if s.category == "Machine Learning Algorithms" and not s.user]
LABEL = {"regression": "price", "binary": "income", "multiclass": "species"}
#: learners whose fast path scores with the scikit-learn model on numpy columns (not ONNX),
#: and why (the README's scoring benchmark says the same)
NOT_ONNX = {
    # quantiles of the training labels in the leaves a row reaches: no ONNX operator gives them
    "fast_forest_quantile_regression",
    # skl2onnx combines the pairwise models' probabilities where scikit-learn combines their
    # decision values: the converted model's scores differ, so verification keeps it off ONNX
    "one_vs_one_multiclass",
}
#: rows of the 100-row requests: fresh data, not the training rows
SCORE_ROWS = 100


def _task(spec) -> str:
    return {"Regression": "regression", "Clustering": "clustering",
            "Anomaly Detection": "anomaly"}.get(spec.subcategory) or (
        "binary" if spec.name.startswith("Two-Class") else "multiclass")


def _frame(task: str, n: int, seed: int, learner: str):
    df = ml.example_frame(task, n=n, seed=seed)
    if learner == "poisson_regression":   # counts to predict
        df["price"] = (df["count"] + (df["x1"] > 0)).astype(float)
    return df


def _pipeline(ws, spec, task):
    from jupyter_designer.engine.pipeline import Pipeline

    p = Pipeline(f"every learner: {spec.name}", workspace=ws)
    d = p.add_dataset(f"train {spec.id}")
    lr = p.add_component(spec.name, {"number_of_centroids": 3} if task == "clustering" else {})
    if spec.inputs:  # One-vs-All / One-vs-One take a two-class learner
        base = p.add_component("Two-Class Logistic Regression")
        p.connect(base, None, lr, None)
    if task == "clustering":
        tm = p.add_component("Train Clustering Model")
        sm = p.add_component("Assign Data to Clusters")
    elif task == "anomaly":
        tm = p.add_component("Train Anomaly Detection Model")
        sm = p.add_component("Score Model")
    else:
        tm = p.add_component("Train Model", {"label_column": LABEL[task]})
        sm = p.add_component("Score Model")
    p.connect(lr, None, tm, None)
    p.connect(d, None, tm, "dataset")
    p.connect(tm, "trained_model", sm, "trained_model")
    p.connect(d, None, sm, "dataset")
    return p


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A workspace with one endpoint per learner and the two-model automobile endpoint, and
    a serving process over it: ``(server, {endpoint: case})``."""
    from jupyter_designer import serving
    from jupyter_designer.api import load_sample
    from jupyter_designer.engine.inference import create_realtime_inference
    from jupyter_designer.engine.runner import Runner
    from jupyter_designer.serving import tables
    from jupyter_designer.serving.compiled import CompiledPipeline
    from jupyter_designer.store import Workspace

    path = tmp_path_factory.mktemp("every-learner") / "ws"
    ws = Workspace(path)
    cases = {}
    runner = Runner(ws)
    for spec in LEARNERS:
        task = _task(spec)
        train = _frame(task, 60, 0, spec.id)
        ws.register_dataset(f"train {spec.id}", train)
        h = runner.submit(_pipeline(ws, spec, task), "every learner")
        rec = ws.get_run(h.run_id)
        assert rec.status == "completed", {k: n.error for k, n in rec.nodes.items() if n.error}
        name = re.sub(r"[^a-z0-9]+", "-", spec.id)
        info = serving.deploy(ws, name, run_id=h.run_id)
        fresh = _frame(task, SCORE_ROWS, 1, spec.id).drop(columns=[LABEL.get(task, "")], errors="ignore")
        cases[name] = {"learner": spec.id, "task": task, "info": info,
                       "rows": tables.frame_records(fresh), "run_id": h.run_id}

    # the advanced automobile sample: two regressors, two Web Service Outputs
    h = runner.submit(load_sample("Automobile price prediction (advanced)", workspace=ws), "autos")
    assert ws.get_run(h.run_id).status == "completed"
    info = serving.deploy(ws, "two-models", run_id=h.run_id)
    raw = ws.get_dataset("Automobile price data (Raw)").drop(columns=["price"])
    complete = raw.drop(columns=["normalized-losses"]).dropna()
    rows = tables.frame_records(raw.loc[complete.index])
    cases["two-models"] = {"learner": None, "task": "two models", "info": info,
                           "rows": (rows * 2)[:SCORE_ROWS], "run_id": h.run_id}

    # the faithful path's answers, computed here
    for name, case in cases.items():
        cp = CompiledPipeline(create_realtime_inference(ws, case["run_id"]), ws)
        case["compiled"] = cp
        case["keys"] = serving.endpoint_keys(ws, name)["primaryKey"]
    ws.close()

    server = LiveServer("serve", path, path.parent)
    try:
        server.wait_ready()
        yield server, cases
    finally:
        server.stop()


def _post(server, name, key, rows):
    code, data, _ = server.call("POST", f"/designer/endpoints/{name}/score",
                                {"Inputs": {IN: rows}, "GlobalParameters": {}}, key=key)
    assert code == 200, data
    return data["Results"]


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-4, abs_tol=1e-6)
    return a == b


def _check(server, name, case, rows):
    from jupyter_designer.serving import tables

    cp = case["compiled"]
    given = {IN: tables.columns_from_rows(cp.specs[IN], rows, IN)}
    faithful = cp.score(given, use_fast=False)
    got = _post(server, name, case["keys"], rows)
    assert set(got) == set(faithful) == set(cp.output_names)
    for output, (names, values) in faithful.items():
        answer = got[output]
        assert len(answer) == len(rows)
        assert [list(r) for r in answer] == [names] * len(rows), output
        for j, col in enumerate(names):
            bad = [i for i, r in enumerate(answer) if not _close(r[col], values[j][i])]
            assert not bad, (f"{name} {output} {col!r} row {bad[0]}: "
                             f"{answer[bad[0]][col]!r} vs {values[j][bad[0]]!r}")


def _endpoint_names():
    return [re.sub(r"[^a-z0-9]+", "-", s.id) for s in LEARNERS] + ["two-models"]


@pytest.mark.parametrize("name", _endpoint_names())
def test_fast_path_equals_faithful_over_http(served, name):
    server, cases = served
    case = cases[name]
    cp = case["compiled"]
    deployed = case["info"]["versions"][-1]["fast_path"]
    expected = "sklearn" if case["learner"] in NOT_ONNX else "onnx"
    assert deployed == expected, (name, case["info"]["versions"][-1])
    assert cp.fast is not None and cp.fast.kind == expected, cp.fast_reason
    if case["task"] == "two models":
        assert len(cp.output_names) == 2
    _check(server, name, case, case["rows"][:1])
    _check(server, name, case, case["rows"][:SCORE_ROWS])


def test_every_learner_is_covered():
    tasks = {_task(s) for s in LEARNERS}
    assert tasks == {"regression", "binary", "multiclass", "clustering", "anomaly"}
    assert len(LEARNERS) >= 20
    assert np.all([s.id for s in LEARNERS])
