"""Code generators of the Python export for Train Clustering Model, Assign Data to Clusters,
Train Anomaly Detection Model (with K-Means, PCA-Based Anomaly Detection and One-Class SVM),
Permutation Feature Importance, Feature Hashing, Latent Dirichlet Allocation, Convert Word to
Vector, Web Service Input and Web Service Output.

Clustering and anomaly detection models are fitted and scored by the script helpers
``fit_learner`` and ``score_dataset`` (features chosen when exporting, from the column roles the
run saw). Everything else the script needs is copied from the component modules when exporting
(their ``ctx`` arguments taken out), so the script and the components never drift apart.
"""

from __future__ import annotations

import inspect

from .generators import _learner_generator
from .generators_text import _as_text_source
from .script_code import NodeCode, Step, _lit, _names_list, _var, _wrap_call, generator, \
    model_source, own_estimator_source, plain_source, render_estimator
from .script_code import one_input as _one_input


def _sources(*objects) -> str:
    return "\n\n\n".join(plain_source(inspect.getsource(obj)) for obj in objects)


def _run_seed(g: NodeCode) -> int:
    """The seed a run gives the component (its run context's)."""
    from jupyter_designer.engine.component import RunContext

    return RunContext(g.spec).seed


def _roles(schema) -> dict:
    return {c.name: c.role for c in schema}


def _label_role(schema) -> str | None:
    return next((c.name for c in schema if c.role == "label"), None)


def _learner_value(g: NodeCode, tasks: tuple):
    from jupyter_designer.engine.errors import a_or_an

    untrained = g.values.get("untrained_model")
    if untrained is None:
        raise g.fail("its 'Untrained model' input must come from a learner of Machine Learning "
                     "Algorithms.")
    if untrained.task not in tasks:
        raise g.fail(f"{untrained.learner} is {a_or_an(untrained.task)} learner, which "
                     f"{g.spec.name} cannot train.")
    return untrained


def _learner_step(g: NodeCode, code: str, imports) -> Step:
    """``{"task": ..., "make": lambda: <code>}`` as the learner generator writes it."""
    text = f'{{"task": {g.untrained.task!r},\n "make": lambda: {code}}}'
    return Step(f"{g.out()} = " + text.replace("\n", "\n" + " " * (len(g.out()) + 3)),
                imports=tuple(imports))


# -- learners whose estimator uses code of the designer --------------------------------------
_INIT = "__initial_centers__"


@generator("k_means_clustering")
def _k_means(g: NodeCode) -> Step:
    """K-Means: scikit-learn's KMeans; its "Random" and "First N" initializations are
    functions of the component module, copied into the script."""
    est = g.untrained.make()
    km = est.steps[-1][1] if hasattr(est, "steps") else est
    if not callable(km.init):
        return _learner_generator(g)
    init = km.init
    g.export.add_source(init.__name__, _sources(init))
    km.set_params(init=_INIT)
    imports: set = set()
    code = render_estimator(est, imports, 1, g.title).replace(repr(_INIT), init.__name__)
    return _learner_step(g, code, imports)


@generator("pca_based_anomaly_detection")
def _pca_anomaly(g: NodeCode) -> Step:
    """PCA-Based Anomaly Detection: the component module's detector class, copied."""
    est = g.untrained.make()
    g.export.add_source("PCAAnomalyDetector", own_estimator_source(type(est)))
    args = [f"{k}={_lit(v)}" for k, v in sorted(est.get_params(deep=False).items())]
    return _learner_step(g, _wrap_call(type(est).__name__, args, 1),
                         ("from sklearn.base import BaseEstimator, OutlierMixin",))


# -- training and scoring -------------------------------------------------------------------
def _score_columns_only(out: str) -> str:
    return f"\n{out} = {out}[{out}.attrs[\"score_columns\"]]  # the cluster columns only"


@generator("train_clustering_model")
def _train_clustering(g: NodeCode) -> Step:
    from jupyter_designer.components import model_training as mt

    untrained = _learner_value(g, ("clustering",))
    src, learner = _one_input(g), _one_input(g, "untrained_model")
    schema = g.schema("dataset")
    roles = _roles(schema)
    names = g.columns("column_set", "dataset")
    label = _label_role(schema)
    features = [n for n in names if n != label]
    if not features:
        raise g.fail("the 'Column set' parameter selects no feature columns; select the columns "
                     "to build the clusters from.")
    fitted = [c for c in features if roles.get(c) not in ("score", "label")]
    if not fitted:
        raise g.fail("the 'Column set' parameter selects only label or score columns; select "
                     "the columns to build the clusters from.")
    model, out = g.out("trained_model"), g.out("results_dataset")
    code = (f"{model} = fit_learner({learner}, {src}, None, "
            f"features={_names_list(fitted, len(model) + 40)})\n"
            f"{out} = score_dataset({model}, {src})")
    append = g.params[mt.APPEND_KEY]
    if not append:
        return Step(code + _score_columns_only(out), helpers=("fit_learner", "score_dataset"))
    mode = untrained.params.get("assign_label_mode", "Ignore label column")
    if label and mode != "Ignore label column":
        g.export.add_source("_apply_label_mode", _sources(mt._apply_label_mode))
        k = int(untrained.params["number_of_centroids"])
        base = _var(g.node.id)
        a, d = f"{base}_assignments", f"{base}_distances"
        columns = [f"DistancesToClusterCenter no.{i}" for i in range(k)]
        call = _wrap_call("_apply_label_mode", [out, src, repr(mode), repr(label), a,
                                                f"{d}[np.arange(len({a})), {a}]"],
                          len(out) + 3)
        code += (f"\n# Assign label mode: {mode} (the distance of each row to its own center)\n"
                 f"{a} = {out}[\"Assignments\"].to_numpy()\n"
                 f"{d} = {out}[{_names_list(columns, len(d) + 4 + len(out))}].to_numpy()\n"
                 f"{out} = {call}")
    return Step(code, helpers=("fit_learner", "score_dataset"))


@generator("assign_data_to_clusters")
def _assign_data_to_clusters(g: NodeCode) -> Step:
    from jupyter_designer.components.scoring_evaluation import APPEND_KEY

    source = model_source(g)
    if source is not None and source != "train_clustering_model":
        raise g.fail("its 'Trained model' input is not a clustering model; connect the trained "
                     "model of Train Clustering Model (use Score Model for other models).")
    out = g.out()
    code = f"{out} = score_dataset({_one_input(g, 'trained_model')}, {_one_input(g)})"
    if not g.params[APPEND_KEY]:
        code += _score_columns_only(out)
    return Step(code, helpers=("score_dataset",))


@generator("train_anomaly_detection_model")
def _train_anomaly_detection(g: NodeCode) -> Step:
    _learner_value(g, ("anomaly",))
    schema = g.schema("dataset")
    features = [c.name for c in schema if c.role not in ("score", "label")]
    if not features:
        raise g.fail("the dataset has no feature columns besides the label; add columns to "
                     "learn from.")
    out = g.out()
    code = (f"{out} = fit_learner({_one_input(g, 'untrained_model')}, {_one_input(g)}, None, "
            f"features={_names_list(features, len(out) + 40)})")
    return Step(code, helpers=("fit_learner",))


# -- Permutation Feature Importance -----------------------------------------------------------
_PFI_CODE = '''def permutation_feature_importance(model, test, metric, n_repeats, seed):
    """Permutation Feature Importance: each feature's drop in ``metric`` when its values are
    shuffled (scikit-learn's permutation_importance), largest first."""
    from sklearn.inspection import permutation_importance

    if model["task"] not in ("binary", "multiclass", "regression"):
        raise ValueError("Permutation Feature Importance works with classification and "
                         "regression models.")
    label = model["label"]
    data = test[test[label].notna()]
    X = data[list(model["features"])]

    def scorer(fitted, X, y):
        pred = score_dataset(fitted.model, X)["Scored Labels"].to_numpy()
        return performance(metric, model["task"], model["classes"], y, pred)

    result = permutation_importance(_FittedModel(model), X, data[label].to_numpy(),
                                    scoring=scorer, n_repeats=n_repeats, random_state=seed)
    scores = result.importances_mean.astype("float64")
    order = np.argsort(-scores, kind="stable")
    return pd.DataFrame({"Feature": pd.array([str(X.columns[i]) for i in order], dtype="str"),
                         "Score": scores[order]})'''


@generator("permutation_feature_importance")
def _permutation_feature_importance(g: NodeCode) -> Step:
    from jupyter_designer.components import feature_selection as fs

    g.export.add_source("permutation_feature_importance",
                        _sources(fs.performance, fs._FittedModel) + "\n\n\n" + _PFI_CODE)
    p = g.params
    args = [_one_input(g, "trained_model"), _one_input(g, "test_data"),
            repr(p["metric_for_measuring_performance"]), str(int(p["number_of_repeats"])),
            str(int(p["random_seed"]))]
    code = f"{g.out()} = {_wrap_call('permutation_feature_importance', args)}"
    return Step(code, helpers=("score_dataset",))


# -- text features ------------------------------------------------------------------------------
def _text_sources(g: NodeCode, name: str, *objects) -> None:
    from jupyter_designer.components.text_analytics import features as f

    g.export.add_source("as_text", _as_text_source())
    g.export.add_source("append_columns", _sources(f.append_columns))
    g.export.add_source(name, _sources(*objects))


@generator("feature_hashing")
def _feature_hashing(g: NodeCode) -> Step:
    from jupyter_designer.components.text_analytics import features as f

    names = g.columns("target_columns", "dataset")
    if not names:
        raise g.fail("the 'Target column(s)' parameter selects no column; select text columns.")
    _text_sources(g, "hashing_features", f.hashing_column, f.hashing_features)
    src = _one_input(g)
    args = [src, _names_list(names, 40), str(int(g.params["hashing_bitsize"])),
            str(int(g.params["n_grams"]))]
    code = f"{g.out()} = append_columns({src}, [], {_wrap_call('hashing_features', args, 4)})"
    return Step(code)


def _text_columns(g: NodeCode, key: str) -> list:
    names = g.columns(key, "dataset")
    schema = g.schema("dataset")
    for c in names:
        if schema.kind(c) != "string":
            raise g.fail(f"the column {c!r} of its '{g.spec.param(key).label}' parameter must "
                         f"hold text; it holds {schema.kind(c)} values. Choose a text column.")
    return names


@generator("latent_dirichlet_allocation")
def _latent_dirichlet_allocation(g: NodeCode) -> Step:
    from jupyter_designer.components.text_analytics import features as f

    names = _text_columns(g, "target_column_s")
    if not names:
        raise g.fail("the 'Target column(s)' parameter selects no column; select text columns.")
    _text_sources(g, "topic_shares", f.topic_column, f.joined_text, f.topic_shares,
                  f.feature_topic_matrix)
    vec, lda = f.lda_estimators(g.params, _run_seed(g))
    imports: set = set()
    base = _var(g.node.id)
    v, m = f"{base}_vectorizer", f"{base}_model"
    src, normalize = _one_input(g), bool(g.params["normalize"])
    cols = _names_list(names, 60)
    code = (f"{v} = {render_estimator(vec, imports, 0, g.title)}\n"
            f"{m} = {render_estimator(lda, imports, 0, g.title)}\n"
            f"{m}.fit({v}.fit_transform(joined_text({src}, {cols})))\n"
            f"{g.out('transformed_dataset')} = append_columns(\n"
            f"    {src}, [], topic_shares({src}, {cols}, {v}, {m}, {normalize}))\n"
            f"{g.out('feature_topic_matrix')} = feature_topic_matrix({v}, {m}, {normalize})")
    tr = g.outputs.get("lda_transformation")
    if tr:
        code += (f"\n# the LDA transformation: the topic columns of other text\n"
                 f"{tr} = lambda df: append_columns(\n"
                 f"    df, [], topic_shares(df, {cols}, {v}, {m}, {normalize}))")
    return Step(code, imports=tuple(imports))


@generator("convert_word_to_vector")
def _convert_word_to_vector(g: NodeCode) -> Step:
    from pathlib import Path

    from jupyter_designer.components.text_analytics import features as f

    col = _text_columns(g, "target_column")[0]
    p = g.params
    src, out = _one_input(g), g.out()
    base = _var(g.node.id)
    # names that no copied function has ("<node>_vectors" would be pretrained_vectors')
    words, vectors = f"{base}_words", f"{base}_word_vectors"
    g.export.add_source("as_text", _as_text_source())
    g.export.add_source("word_vectors", _sources(f._stable_hash, f.embedding_column,
                                                 f.pretrained_vectors, f.trained_vectors,
                                                 f.embeddings_table))
    sentences = f"{base}_sentences"
    imports = ["import zlib", "import gensim  # noqa: F401  (Convert Word to Vector)"]
    if p["word2vec_strategy"] == "Pretrained embedding file":
        path = Path(str(p["pretrained_embedding_file"] or "")).expanduser()
        if not str(p["pretrained_embedding_file"] or "").strip() or not path.is_file():
            raise g.fail(f"the pretrained embedding file {str(path)!r} does not exist; give the "
                         "path of a local word2vec-format file and export again.")
        name = g.export.add_file(f"{base}_{path.name}",
                                 lambda folder, path=path, base=base:
                                 _copy(path, folder / f"{base}_{path.name}"))
        imports.append("from gensim.models import KeyedVectors")
        code = (f"{sentences} = [t.split() for t in as_text({src}[{col!r}])]\n"
                f"# the pretrained embedding {str(path)!r}, copied next to the script\n"
                f"{base}_embedding = KeyedVectors.load_word2vec_format(\n"
                f"    str(HERE / {name!r}), binary={path.suffix == '.bin'})\n"
                f"{words}, {vectors} = pretrained_vectors({base}_embedding, {sentences}, "
                f"{int(p['maximum_vocabulary_size'])})")
    else:
        keys = ("word2vec_strategy", "word2vec_training_algorithm", "length_of_word_embedding",
                "context_window_size", "number_of_epochs", "maximum_vocabulary_size",
                "minimum_word_count")
        settings = ",\n".join(f"    {k!r}: {_lit(p[k])}" for k in keys)
        code = (f"{sentences} = [t.split() for t in as_text({src}[{col!r}])]\n"
                f"{words}, {vectors} = trained_vectors({sentences}, {{\n{settings},\n}}, "
                f"{_run_seed(g) or 1})  # seed")
    code += f"\n{out} = embeddings_table({words}, {vectors})"
    return Step(code, imports=tuple(imports))


def _copy(src, dest) -> None:
    import shutil

    shutil.copyfile(src, dest)


# -- Web Service Input / Output -----------------------------------------------------------------
@generator("web_service_input")
def _web_service_input(g: NodeCode) -> Step:
    if "dataset" not in g.inputs:
        raise g.fail(f"no dataset is connected to Web Service Input {g.params['name']!r}; "
                     "connect the dataset whose rows the script should read to its 'Dataset' "
                     "input.")
    return Step(f"{g.out()} = {g.inputs['dataset']}  # in a served request: the rows of "
                f"Inputs[{g.params['name']!r}]")


@generator("web_service_output")
def _web_service_output(g: NodeCode) -> Step:
    return Step(f"{g.out()} = {_one_input(g)}  # in a served request: the rows of "
                f"Results[{g.params['name']!r}]")
