"""Code generators of the Python export for Recommendation: Train/Score SVD Recommender
(scikit-surprise's SVD), Train/Score Wide and Deep Recommender (PyTorch) and Evaluate
Recommender.

The script carries the component module's own model class, scoring and metrics, copied from
:mod:`jupyter_designer.components.recommendation` when exporting (their run-context arguments
taken out, their errors raised as ``ValueError``), so the two never drift apart.
"""

from __future__ import annotations

import inspect
import re
import textwrap

from .script_code import LOG_SOURCE, NodeCode, Step, _lit, generator, plain_source
from .script_code import one_input as _one_input


def _recommender_source() -> str:
    from jupyter_designer.components import recommendation as r

    consts = [f"{name} = {getattr(r, name)!r}" for name in
              ("SCORED_RATING", "RATING_PREDICTION", "ITEM_RECOMMENDATION", "FROM_ALL",
               "FROM_RATED", "FROM_UNRATED", "TRIPLES_HELP")]
    parts = ["\n".join(consts), LOG_SOURCE]
    for obj in (r._key, r.check_triples, r._check_ids, r.RecommenderModel, r.score_recommender,
                r.SVDRecommender, r.rating_metrics, r.ndcg):
        parts.append(plain_source(inspect.getsource(obj)))
    # Evaluate Recommender's body, from the test triples and the scored table to its metrics
    body = inspect.getsource(r.evaluate_recommender)
    start = body.index("    user, item, rating = test.columns")
    end = body.index("    for name, value in metrics.items():")
    parts.append('def evaluate_recommender(test, scored):\n'
                 '    """Evaluate Recommender: rating prediction or item recommendation '
                 'metrics."""\n'
                 '    test = check_triples(test, "Test dataset")\n'
                 + textwrap.indent(plain_source(body[start:end]), "    ")
                 + "\n    return metrics")
    return "\n\n\n".join(parts)


def _wide_and_deep_source() -> str:
    from jupyter_designer.components import recommendation as r

    return "\n\n\n".join(plain_source(inspect.getsource(obj)) for obj in
                          (r._Features, r._network, r.WideAndDeepRecommender, r._hidden_units,
                           r._optimizer))


def _source(g: NodeCode) -> tuple:
    g.export.add_source("recommenders", _recommender_source())
    return ("import numbers",)


@generator("train_svd_recommender")
def _train_svd(g: NodeCode) -> Step:
    p = g.params
    data = _one_input(g, "training_dataset")
    code = (f"{g.out()} = SVDRecommender().fit(\n"
            f"    check_triples({data}, \"Training dataset of user-item-rating triples\"),\n"
            f"    {int(p['number_of_factors'])}, "
            f"{int(p['number_of_recommendation_algorithm_iterations'])}, "
            f"{_lit(p['learning_rate'])}, 0)  # factors, iterations, learning rate, seed")
    return Step(code, imports=_source(g) + ("import surprise  # noqa: F401  (SVD)",))


@generator("score_svd_recommender")
def _score_svd(g: NodeCode) -> Step:
    from jupyter_designer.components.recommendation import SCORE_PARAMS

    settings = {q.key: g.params[q.key] for q in SCORE_PARAMS}
    body = ",\n".join(f"    {k!r}: {_lit(v)}" for k, v in settings.items())
    code = (f"{g.out()} = score_recommender({_one_input(g, 'trained_model')}, "
            f"{_one_input(g, 'dataset')}, {{\n{body},\n}})")
    return Step(code, imports=_source(g))


@generator("evaluate_recommender")
def _evaluate_recommender(g: NodeCode) -> Step:
    out = g.out()
    code = (f"{out} = evaluate_recommender({_one_input(g, 'test_dataset')}, "
            f"{_one_input(g, 'scored_dataset')})")
    return Step(code, imports=_source(g), metrics=out)


@generator("train_wide_and_deep_recommender")
def _train_wide_and_deep(g: NodeCode) -> Step:
    from jupyter_designer.components.recommendation import train_wide_and_deep_recommender

    g.export.add_source("recommenders", _recommender_source())
    g.export.add_source("wide_and_deep", _wide_and_deep_source())
    data = _one_input(g, "training_dataset")
    settings = {q.key: g.params[q.key] for q in train_wide_and_deep_recommender.spec.params}
    body = ",\n".join(f"    {k!r}: {_lit(v)}" for k, v in settings.items())
    code = (f"{g.out()} = WideAndDeepRecommender().fit(\n"
            f"    check_triples({data}, \"Training dataset of user-item-rating triples\"),\n"
            f"    {g.inputs.get('user_features', 'None')}, {g.inputs.get('item_features', 'None')},"
            f" {{\n{textwrap.indent(body, '    ')},\n    }}, 0)  # settings, seed")
    return Step(code, imports=("import numbers", "import torch"))


@generator("score_wide_and_deep_recommender")
def _score_wide_and_deep(g: NodeCode) -> Step:
    return _score_svd(g)
