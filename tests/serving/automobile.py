"""The automobile price regression the serving tests train (the reference's basic sample)."""

from __future__ import annotations

SAMPLE = "Automobile price prediction (basic)"
DATASET = "Automobile price data (Raw)"


def automobile_pipeline(ws):
    """The sample pipeline if it ships with the package, else the same graph built here."""
    from jupyter_designer.api import load_sample
    from jupyter_designer.engine.errors import DesignerError
    from jupyter_designer.engine.pipeline import Pipeline

    try:
        p = load_sample(SAMPLE, workspace=ws)
        if any(n.kind == "component" and n.component == "score_model" for n in p.nodes.values()):
            return p
    except DesignerError:
        pass
    p = Pipeline(SAMPLE, workspace=ws)
    d = p.add_dataset(DATASET)
    sel = p.add_component("Select Columns in Dataset", {"select_columns": {
        "begin_with": "all", "rules": [{"action": "exclude", "by": "names",
                                        "values": ["normalized-losses"]}]}})
    clean = p.add_component("Clean Missing Data", {
        "columns_to_be_cleaned": {"begin_with": "all", "rules": []},
        "cleaning_mode": "Remove entire row"})
    split = p.add_component("Split Data", {"fraction_of_rows_in_the_first_output_dataset": 0.7})
    learner = p.add_component("Linear Regression")
    train = p.add_component("Train Model", {"label_column": "price"})
    score = p.add_component("Score Model")
    evaluate = p.add_component("Evaluate Model")
    p.connect(d, None, sel, None)
    p.connect(sel, None, clean, "dataset")
    p.connect(clean, "cleaned_dataset", split, None)
    p.connect(learner, None, train, None)
    p.connect(split, "results_dataset1", train, "dataset")
    p.connect(train, None, score, None)
    p.connect(split, "results_dataset2", score, "dataset")
    p.connect(score, None, evaluate, None)
    return p


def node_of(pipeline, component_id):
    return next(n.id for n in pipeline.nodes.values()
                if n.kind == "component" and n.component == component_id)


def train(ws, experiment="autos"):
    """Run the automobile pipeline; returns (pipeline, run id)."""
    from jupyter_designer.engine.runner import Runner

    p = automobile_pipeline(ws)
    h = Runner(ws).submit(p, experiment)
    rec = ws.get_run(h.run_id)
    assert rec.status == "completed", {k: n.error for k, n in rec.nodes.items() if n.error}
    return p, h.run_id
