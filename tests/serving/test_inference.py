"""Inference pipelines derived from training runs (engine/inference.py)."""

import numpy as np
import pandas as pd
import pytest

from automobile import DATASET, node_of
from jupyter_designer.engine.errors import DesignerError, NotFoundError
from jupyter_designer.engine.inference import (BATCH_INPUT_PARAMETER, InferenceError,
                                               create_batch_inference, create_realtime_inference,
                                               derive_inference, web_service_io)
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.engine.runner import Runner


def components(p):
    return sorted(n.component for n in p.nodes.values() if n.kind == "component")


def test_realtime_structure(trained):
    ws, run_id = trained
    rec = ws.get_run(run_id)
    p = create_realtime_inference(ws, run_id)
    assert p.name == "Automobile price prediction (basic)-real time inference"
    assert components(p) == ["apply_transformation", "score_model", "select_columns_in_dataset",
                             "web_service_input", "web_service_output"]
    data = {n.data["type"]: n for n in p.nodes.values() if n.kind == "dataset"}
    md, td, ds = data["model"], data["transformation"], data["dataset"]
    assert md.data["name"].startswith("MD-") and td.data["name"].startswith("TD-")
    train_id = node_of(Pipeline.from_dict(rec.snapshot), "train_model")
    clean_id = node_of(Pipeline.from_dict(rec.snapshot), "clean_missing_data")
    assert md.data["artifact"] == rec.nodes[train_id].outputs["trained_model"]
    assert td.data["artifact"] == rec.nodes[clean_id].outputs["cleaning_transformation"]
    assert md.data["source_run"] == run_id
    # the model feeds Score Model; the transformation an Apply Transformation
    edges = {(e.source, e.target) for e in p.edges.values()}
    score = node_of(p, "score_model")
    apply_ = node_of(p, "apply_transformation")
    assert (md.id, score) in edges and (td.id, apply_) in edges
    # the dataset enters through Web Service Input; Web Service Output follows Score Model
    wsi, wso = node_of(p, "web_service_input"), node_of(p, "web_service_output")
    assert (ds.id, wsi) in edges and (score, wso) in edges
    assert not any(e.source == ds.id and e.target != wsi for e in p.edges.values())
    assert p.validate() == []
    io = web_service_io(p)
    assert [i["name"] for i in io["inputs"]] == ["WebServiceInput0"]
    assert [o["name"] for o in io["outputs"]] == ["WebServiceOutput0"]
    names = [c["name"] for c in io["inputs"][0]["schema"]]
    assert "price" not in names and "make" in names and io["inputs"][0]["label_columns"] == ["price"]
    assert len(names) == len(ws.dataset_info(DATASET).schema) - 1


def test_conversion_is_deterministic(trained):
    ws, run_id = trained
    a = create_realtime_inference(ws, run_id).to_json()
    b = create_realtime_inference(ws, run_id).to_json()
    assert a == b
    # an ordinary editable draft with a fresh history
    p = create_realtime_inference(ws, run_id)
    assert not p.can_undo
    p.set_comment(node_of(p, "score_model"), "edited")
    assert p.undo()


def _raw_rows_of(ws, run_id, node_port):
    """The raw dataset rows behind the rows of a run's table, in that table's order."""
    scored = ws.run_output(run_id, *node_port)
    raw = ws.get_dataset(DATASET)
    keys = [c for c in scored.columns if c in raw.columns and c != "price"]
    raw_i = raw.reset_index().rename(columns={"index": "_raw"})
    m = scored[keys].merge(raw_i[keys + ["_raw"]], on=keys, how="left")
    assert m["_raw"].notna().all() and len(m) == len(scored)
    return raw.iloc[m["_raw"].to_numpy()].reset_index(drop=True), scored


def test_scores_exactly_what_training_gave(trained):
    ws, run_id = trained
    train_p = Pipeline.from_dict(ws.get_run(run_id).snapshot)
    p = create_realtime_inference(ws, run_id)
    p.workspace = ws
    rows, scored = _raw_rows_of(ws, run_id, (node_of(train_p, "score_model"), "scored_dataset"))
    wsi, wso = node_of(p, "web_service_input"), node_of(p, "web_service_output")
    h = Runner(ws).submit(p, "inference", overrides={wsi: {"dataset": rows}})
    out = ws.run_output(h.run_id, wso, "dataset")
    assert len(out) == len(scored)
    np.testing.assert_array_equal(out["Scored Labels"].to_numpy(), scored["Scored Labels"].to_numpy())
    assert list(out.columns) == list(scored.columns)


def test_batch_inference(trained):
    ws, run_id = trained
    train_p = Pipeline.from_dict(ws.get_run(run_id).snapshot)
    p = create_batch_inference(ws, run_id)
    assert p.name.endswith("-batch inference")
    assert BATCH_INPUT_PARAMETER in p.parameters
    assert p.parameters[BATCH_INPUT_PARAMETER].type == "dataset"
    assert p.parameters[BATCH_INPUT_PARAMETER].default == DATASET
    assert "web_service_input" not in components(p) and "web_service_output" not in components(p)
    ds = next(n for n in p.nodes.values() if n.kind == "dataset" and n.data["type"] == "dataset")
    assert ds.data["parameter"] == BATCH_INPUT_PARAMETER
    # score another dataset through the parameter
    rows, scored = _raw_rows_of(ws, run_id, (node_of(train_p, "score_model"), "scored_dataset"))
    ws.register_dataset("cars to price", rows)
    p.workspace = ws
    h = Runner(ws).submit(p, "batch", parameters={BATCH_INPUT_PARAMETER: "cars to price"})
    rec = ws.get_run(h.run_id)
    assert rec.status == "completed"
    out = ws.run_output(h.run_id, node_of(p, "score_model"), "scored_dataset")
    np.testing.assert_array_equal(out["Scored Labels"].to_numpy(), scored["Scored Labels"].to_numpy())


def _submit_batch(ws, run_id, rows, name="cars to price"):
    """Register ``rows`` and score them with the run's batch inference pipeline."""
    p = create_batch_inference(ws, run_id)
    p.workspace = ws
    ws.register_dataset(name, rows)
    h = Runner(ws).submit(p, "batch", parameters={BATCH_INPUT_PARAMETER: name})
    return p, ws.get_run(h.run_id)


def test_batch_inference_scores_data_without_the_label(trained):
    """New cars have no price: the batch pipeline scores them exactly as training did."""
    ws, run_id = trained
    train_p = Pipeline.from_dict(ws.get_run(run_id).snapshot)
    rows, scored = _raw_rows_of(ws, run_id, (node_of(train_p, "score_model"), "scored_dataset"))
    p, rec = _submit_batch(ws, run_id, rows.drop(columns=["price"]))
    assert rec.status == "completed", {k: n.error for k, n in rec.nodes.items() if n.error}
    # the inference pipeline knows the label column
    labelled = [n for n in p.nodes.values() if n.kind == "component"
                and n.component in ("apply_transformation", "select_columns_in_dataset")]
    assert len(labelled) == 2 and all(n.params["label_columns"] == ["price"] for n in labelled)
    entry = next(n for n in p.nodes.values() if n.kind == "dataset" and n.data["type"] == "dataset")
    assert entry.data["label_columns"] == ["price"]
    out = ws.run_output(rec.id, node_of(p, "score_model"), "scored_dataset")
    assert len(out) == len(scored)  # no row dropped for its missing price
    np.testing.assert_array_equal(out["Scored Labels"].to_numpy(), scored["Scored Labels"].to_numpy())
    # no made-up price: the output is the columns given plus the scores
    assert "price" not in out.columns
    assert list(out.columns) == [c for c in scored.columns if c != "price"]
    # the same rows with their price: the same scores, the price as it was
    _, rec2 = _submit_batch(ws, run_id, rows, "cars with prices")
    assert rec2.status == "completed"
    out2 = ws.run_output(rec2.id, node_of(p, "score_model"), "scored_dataset")
    np.testing.assert_array_equal(out2["Scored Labels"].to_numpy(), scored["Scored Labels"].to_numpy())
    assert list(out2.columns) == list(scored.columns)
    np.testing.assert_array_equal(out2["price"].to_numpy(), scored["price"].to_numpy())


def test_batch_inference_keeps_rows_whose_label_is_missing(trained):
    """Rows of the raw data whose price is unknown are scored; training had removed them."""
    ws, run_id = trained
    raw = ws.get_dataset(DATASET)
    features = raw.drop(columns=["price", "normalized-losses"])
    unknown = raw[raw["price"].isna() & features.notna().all(axis=1)]
    assert len(unknown) > 0
    p, rec = _submit_batch(ws, run_id, unknown.reset_index(drop=True))
    assert rec.status == "completed", {k: n.error for k, n in rec.nodes.items() if n.error}
    out = ws.run_output(rec.id, node_of(p, "score_model"), "scored_dataset")
    assert len(out) == len(unknown) and out["Scored Labels"].notna().all()
    assert out["price"].isna().all()  # the label as given: unknown, not filled in
    # the same scores without the price column
    _, rec2 = _submit_batch(ws, run_id, unknown.drop(columns=["price"]).reset_index(drop=True),
                            "no price column")
    out2 = ws.run_output(rec2.id, node_of(p, "score_model"), "scored_dataset")
    np.testing.assert_array_equal(out2["Scored Labels"].to_numpy(), out["Scored Labels"].to_numpy())


def test_batch_inference_without_a_feature_names_it(trained):
    ws, run_id = trained
    raw = ws.get_dataset(DATASET).drop(columns=["price", "horsepower"])
    p, rec = _submit_batch(ws, run_id, raw)
    assert rec.status == "failed"
    error = rec.nodes[node_of(p, "apply_transformation")].error
    assert "'horsepower'" in error and "'price'" in error
    assert "Score data with the columns of the training data" in error
    assert "may be left out" in error


def test_realtime_rows_with_a_missing_label_are_scored_on_both_paths(trained):
    """A request may carry the label for some rows only: none is dropped, fast path or not."""
    from jupyter_designer.serving import tables
    from jupyter_designer.serving.compiled import CompiledPipeline

    ws, run_id = trained
    cp = CompiledPipeline(create_realtime_inference(ws, run_id), ws)
    assert cp.fast is not None
    rows = cp.example_rows("WebServiceInput0", 3)
    for row, price in zip(rows, (10000.0, None, 12000.0)):
        row["price"] = price
    spec = cp.specs["WebServiceInput0"]
    given = {"WebServiceInput0": tables.columns_from_rows(spec, rows, "WebServiceInput0")}
    fast, slow = cp.score(given), cp.score(given, use_fast=False)
    names, values = slow["WebServiceOutput0"]
    assert len(values[names.index("Scored Labels")]) == 3
    assert fast["WebServiceOutput0"][0] == names
    np.testing.assert_allclose(fast["WebServiceOutput0"][1][names.index("Scored Labels")],
                               values[names.index("Scored Labels")], rtol=1e-6)


def test_refuses_unfinished_and_unknown_runs(trained):
    ws, run_id = trained
    snap = ws.get_run(run_id).snapshot
    bad = ws.create_run(experiment="x", pipeline_name="x", snapshot=snap, parameters={},
                        compute="local")
    ws.update_run(bad, status="failed", error="boom")
    with pytest.raises(InferenceError, match="is failed"):
        create_realtime_inference(ws, bad)
    with pytest.raises(NotFoundError):
        create_realtime_inference(ws, "no-such-run")


def test_needs_a_scorer_and_stored_outputs(trained):
    ws, run_id = trained
    rec = ws.get_run(run_id)
    p = Pipeline.from_dict(rec.snapshot)
    outputs = {nid: dict(n.outputs) for nid, n in rec.nodes.items()}
    no_score = p.clone()
    no_score.remove_node(node_of(no_score, "score_model"))
    with pytest.raises(InferenceError, match="no Score Model"):
        derive_inference(no_score.to_dict(), outputs, workspace=ws)
    missing = dict(outputs)
    missing[node_of(p, "train_model")] = {}
    with pytest.raises(InferenceError, match="no stored 'Trained model'"):
        derive_inference(p.to_dict(), missing, workspace=ws)
    again = create_realtime_inference(ws, run_id)
    with pytest.raises(InferenceError, match="already an inference pipeline"):
        derive_inference(again.to_dict(), outputs, workspace=ws)
    with pytest.raises(DesignerError, match="kind"):
        derive_inference(p.to_dict(), outputs, kind="streaming")


def test_without_workspace_schema_falls_back_to_design_time(trained):
    ws, run_id = trained
    rec = ws.get_run(run_id)
    outputs = {nid: dict(n.outputs) for nid, n in rec.nodes.items()}
    p = derive_inference(rec.snapshot, outputs)  # no workspace: nothing is loaded
    assert p.validate() == []
    assert web_service_io(p)["inputs"][0]["schema"] is None


def _run(ws, p):
    h = Runner(ws).submit(p, "t")
    rec = ws.get_run(h.run_id)
    assert rec.status == "completed", {k: n.error for k, n in rec.nodes.items() if n.error}
    return h.run_id


def test_classification_with_normalize_and_two_scorers(tmp_path):
    """Normalize Data -> TD + Apply Transformation; two models compared -> two outputs."""
    from jupyter_designer.store import Workspace

    ws = Workspace(tmp_path / "ws")
    p = Pipeline("Breast cancer", workspace=ws)
    d = p.add_dataset("Breast Cancer Data")
    norm = p.add_component("Normalize Data", {"transformation_method": "ZScore"})
    split = p.add_component("Split Data", {"fraction_of_rows_in_the_first_output_dataset": 0.7})
    a = p.add_component("Two-Class Logistic Regression")
    b = p.add_component("Two-Class Decision Forest", {"number_of_decision_trees": 5})
    ta = p.add_component("Train Model", {"label_column": "Class"})
    tb = p.add_component("Train Model", {"label_column": "Class"})
    sa, sb = p.add_component("Score Model"), p.add_component("Score Model")
    ev = p.add_component("Evaluate Model")
    p.connect(d, None, norm, "dataset")
    p.connect(norm, "transformed_dataset", split, None)
    for learner, trainer, scorer in ((a, ta, sa), (b, tb, sb)):
        p.connect(learner, None, trainer, None)
        p.connect(split, "results_dataset1", trainer, "dataset")
        p.connect(trainer, None, scorer, None)
        p.connect(split, "results_dataset2", scorer, "dataset")
    p.connect(sa, None, ev, "scored_dataset")
    p.connect(sb, None, ev, "scored_dataset_to_compare")
    run_id = _run(ws, p)
    inf = create_realtime_inference(ws, run_id)
    assert components(inf).count("web_service_output") == 2
    assert components(inf).count("apply_transformation") == 1
    io = web_service_io(inf)
    assert [o["name"] for o in io["outputs"]] == ["WebServiceOutput0", "WebServiceOutput1"]
    assert "Class" not in [c["name"] for c in io["inputs"][0]["schema"]]
    # scoring the test rows again gives the training run's probabilities exactly
    test = ws.run_output(run_id, split.id, "results_dataset2")
    raw = ws.get_dataset("Breast Cancer Data")
    inf.workspace = ws
    wsi = node_of(inf, "web_service_input")
    h = Runner(ws).submit(inf, "i", overrides={wsi: {"dataset": raw}})
    outs = [ws.run_output(h.run_id, o["node_id"], "dataset") for o in io["outputs"]]
    scored_a = ws.run_output(run_id, sa.id, "scored_dataset")
    assert len(outs[0]) == len(raw) and len(scored_a) == len(test)
    # rows of the test split are rows of the (normalized) raw data: compare by feature values
    keys = [c for c in test.columns if c != "Class"][:5]
    m = scored_a.merge(outs[0], on=keys, suffixes=("", "_inf"))
    assert len(m) == len(scored_a)
    np.testing.assert_allclose(m["Scored Probabilities_inf"], m["Scored Probabilities"], rtol=1e-12)
    assert (m["Scored Labels_inf"] == m["Scored Labels"]).all()
    # batch inference of the raw rows without their class: the same scores, no class column
    batch = create_batch_inference(ws, run_id)
    assert node_of(batch, "apply_transformation") and all(
        n.params["label_columns"] == ["Class"] for n in batch.nodes.values()
        if n.kind == "component" and n.component == "apply_transformation")
    batch.workspace = ws
    ws.register_dataset("tumours", raw.drop(columns=["Class"]))
    h = Runner(ws).submit(batch, "b", parameters={BATCH_INPUT_PARAMETER: "tumours"})
    rec = ws.get_run(h.run_id)
    assert rec.status == "completed", {k: n.error for k, n in rec.nodes.items() if n.error}
    out = ws.run_output(h.run_id, sa.id, "scored_dataset")
    assert len(out) == len(raw) and "Class" not in out.columns
    m = scored_a.merge(out, on=keys, suffixes=("", "_batch"))
    assert len(m) == len(scored_a)
    np.testing.assert_allclose(m["Scored Probabilities_batch"], m["Scored Probabilities"],
                               rtol=1e-12)
    assert (m["Scored Labels_batch"] == m["Scored Labels"]).all()


def test_clustering(tmp_path):
    from jupyter_designer.store import Workspace

    ws = Workspace(tmp_path / "ws")
    p = Pipeline("Iris clusters", workspace=ws)
    d = p.add_dataset("Iris Data")
    km = p.add_component("K-Means Clustering", {"number_of_centroids": 3})
    tc = p.add_component("Train Clustering Model")
    assign = p.add_component("Assign Data to Clusters")
    p.connect(km, None, tc, None)
    p.connect(d, None, tc, "dataset")
    p.connect(tc, "trained_model", assign, None)
    p.connect(d, None, assign, "dataset")
    run_id = _run(ws, p)
    inf = create_realtime_inference(ws, run_id)
    assert components(inf) == ["assign_data_to_clusters", "web_service_input", "web_service_output"]
    inf.workspace = ws
    wsi, wso = node_of(inf, "web_service_input"), node_of(inf, "web_service_output")
    raw = ws.get_dataset("Iris Data")
    h = Runner(ws).submit(inf, "i", overrides={wsi: {"dataset": raw}})
    out = ws.run_output(h.run_id, wso, "dataset")
    ref = ws.run_output(run_id, assign.id, "results_dataset")
    np.testing.assert_array_equal(out["Assignments"].to_numpy(), ref["Assignments"].to_numpy())
