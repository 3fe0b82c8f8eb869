"""AutoML use cases: open the best model of a Train AutoML Model run as an editable draft,
and put Train AutoML Model in place of a pipeline's hand-picked learner.

The best model of Train AutoML Model is a palette learner with one setting (see
:mod:`jupyter_designer.components.automl`), so its draft is the run's pipeline with the
AutoML node replaced by that learner component (its parameters set to the winning values)
and a Train Model on the same dataset: running it trains the same model again.
"""

from __future__ import annotations

from jupyter_designer.engine.errors import DesignerError, NotFoundError
from jupyter_designer.engine.pipeline import Pipeline

AUTOML_COMPONENT = "train_automl_model"


class AutoMLError(DesignerError):
    """An AutoML request that cannot be carried out (the message says why and what to do)."""


def _automl_nodes(pipeline: Pipeline) -> list[str]:
    return [n.id for n in pipeline.nodes.values()
            if n.kind == "component" and n.component == AUTOML_COMPONENT]


def best_model_info(ws, run_id: str, node: str | None = None) -> tuple[str, dict]:
    """The AutoML node of a completed run and what its best model is (learner, parameters,
    metric): ``(node_id, info)``."""
    rec = ws.get_run(run_id)
    pipeline = Pipeline.from_dict(rec.snapshot, source=f"run {run_id}")
    nodes = _automl_nodes(pipeline)
    if not nodes:
        raise AutoMLError(f"Run {run_id} has no Train AutoML Model node; open the best model of a "
                          "run of a pipeline with Train AutoML Model.")
    if node is None:
        if len(nodes) > 1:
            raise AutoMLError(f"Run {run_id} has {len(nodes)} Train AutoML Model nodes "
                              f"({', '.join(nodes)}); say which one with its node id.")
        node = nodes[0]
    elif node not in nodes:
        raise AutoMLError(f"{node!r} is not a Train AutoML Model node of run {run_id}; its "
                          f"AutoML nodes are: {', '.join(nodes)}.")
    status = rec.nodes.get(node).status if rec.nodes.get(node) else rec.status
    if status not in ("completed", "reused"):
        raise AutoMLError(f"The Train AutoML Model node {node!r} of run {run_id} is {status}: "
                          "it has no best model yet. Open the best model of a completed run.")
    model = ws.run_output(run_id, node, "trained_best_model")
    info = dict((getattr(model, "info", {}) or {}).get("automl") or {})
    if not info:
        raise AutoMLError(f"The output of {node!r} in run {run_id} does not say which learner "
                          "won; run the pipeline again.")
    return node, info


def best_model_pipeline(ws, run_id: str, node: str | None = None, *,
                        name: str | None = None) -> Pipeline:
    """The run's pipeline with the AutoML node replaced by the winning learner and settings
    (a learner component and Train Model), as a new pipeline."""
    node, info = best_model_info(ws, run_id, node)
    rec = ws.get_run(run_id)
    p = Pipeline.from_dict(rec.snapshot, source=f"run {run_id}", workspace=ws)
    automl = p.nodes[node]
    label = automl.params.get("label_column")
    x, y = automl.position
    incoming = [e for e in p.edges.values() if e.target == node]
    outgoing = [e for e in p.edges.values() if e.source == node and e.source_port == "trained_best_model"]
    p.remove_node(node)
    learner = p.add_component(info["learner"], dict(info["parameters"]), position=(x - 160.0, y),
                              comment=f"Best of AutoML run {run_id} ({info['metric']} "
                                      f"{info['metric_value']:.4g})")
    train = p.add_component("Train Model", {"label_column": label}, position=(x, y + 60.0))
    p.connect(learner.id, "untrained_model", train.id, "untrained_model")
    for e in incoming:
        p.connect(e.source, e.source_port, train.id, "dataset")
    for e in outgoing:
        p.connect(train.id, "trained_model", e.target, e.target_port)
    p.name = name or f"{rec.pipeline_name} - best model"
    return p


def open_best_model_draft(ws, run_id: str, node: str | None = None, *,
                          name: str | None = None) -> dict:
    """Save the best model's pipeline (see :func:`best_model_pipeline`) as a new draft:
    ``{"draft", "version", "learner", "parameters", "metric", "metric_value"}``."""
    p = best_model_pipeline(ws, run_id, node, name=name)
    draft = ws.new_draft_name(name or p.name)
    p.name = draft
    version = ws.save_draft(draft, p.to_dict(), note=f"best model of AutoML run {run_id}")
    _, info = best_model_info(ws, run_id, node)
    return {"draft": draft, "version": version, "learner": info["learner"],
            "parameters": info["parameters"], "metric": info["metric"],
            "metric_value": info["metric_value"]}


def automl_in_place_of(pipeline: Pipeline, train_node: str, *, task: str, metric: str,
                       budget: int = 60, learners: list | None = None, seed: int = 0,
                       maximum_trials: int | None = None) -> Pipeline:
    """A copy of ``pipeline`` whose Train Model ``train_node`` (and its learner) is replaced by
    Train AutoML Model on the same dataset and label, feeding the same consumers."""
    p = pipeline.clone()
    try:
        train = p.nodes[train_node]
    except KeyError:
        raise NotFoundError(f"The pipeline has no node {train_node!r}.") from None
    if train.component != "train_model":
        raise AutoMLError(f"{train_node!r} is {train.component}, not a Train Model node.")
    edges = list(p.edges.values())
    learners_in = [e.source for e in edges if e.target == train_node and e.target_port == "untrained_model"]
    data_in = [e for e in edges if e.target == train_node and e.target_port == "dataset"]
    out = [e for e in edges if e.source == train_node]
    x, y = train.position
    label = train.params.get("label_column")
    for n in [train_node, *learners_in]:
        p.remove_node(n)
    params = {"task_type": task, "label_column": label, "time_budget_seconds": int(budget),
              "random_seed": int(seed)}
    params["primary_metric_for_regression" if task == "Regression"
           else "primary_metric_for_classification"] = metric
    if learners:
        params["allowed_learners"] = list(learners)
    if maximum_trials:
        params["maximum_trials"] = int(maximum_trials)
    node = p.add_component("Train AutoML Model", params, position=(x, y), id="train_automl_model")
    for e in data_in:
        p.connect(e.source, e.source_port, node.id, "dataset")
    for e in out:
        p.connect(node.id, "trained_best_model", e.target, e.target_port)
    return p
