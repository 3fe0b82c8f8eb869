"""Code generators of the Python export for Normalize Data and Filter Based Feature Selection,
every method, and Tune Model Hyperparameters (cross validated, or scored on a validation
dataset).

The script carries the components' own functions (``normalize_stats``, ``normalize_frame``,
``score_features``, ``select_features``, ...), copied from their modules when exporting, so the
script and the components never drift apart. Normalize Data's transformation is, in the script,
a function of a DataFrame (see :mod:`.generators_columns`): its statistics are fitted once on
the training data, and Apply Transformation calls it on other data.
"""

from __future__ import annotations

from .generators_columns import _add, _as_float, _src
from .script_code import NodeCode, Step, _lit, _names_list, _var, generator, learner_code
from .script_code import one_input as _one_input


# -- Normalize Data ------------------------------------------------------------------------------
@generator("normalize_data")
def _normalize_data(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import scaling

    method = g.params["transformation_method"]
    if method not in scaling.NORMALIZE_METHODS:
        raise g.fail(f"unknown transformation method {method!r}; choose one of "
                     + ", ".join(scaling.NORMALIZE_METHODS) + ".")
    cols = g.columns("columns_to_transform", "dataset")
    if not cols:
        raise g.fail("the 'Columns to transform' parameter selects no column. Select the numeric "
                     "columns to normalize.")
    _as_float(g)
    _add(g, "normalize_frame", [f"_CONSTANT_TOL = {scaling._CONSTANT_TOL!r}"]
         + _src(scaling.normalize_stats, scaling.normalize_values, scaling.normalize_frame))
    src, out = _one_input(g), g.out("transformed_dataset")
    tf = g.out("transformation_function")
    use_zero = bool(g.params["use_0_for_constant_columns_when_checked"])
    base = _var(g.node.id)
    code = f"""{base}_columns = {_names_list(cols, len(base) + 11)}
{base}_stats = normalize_stats({method!r}, {src}, {base}_columns)


def {tf}(df):
    \"\"\"Normalize Data ({method}) with the statistics fitted on {src}, applied to df.\"\"\"
    return normalize_frame(df, {method!r}, {base}_columns, {base}_stats, {use_zero!r})


{out} = {tf}({src})"""
    return Step(code)


# -- Filter Based Feature Selection --------------------------------------------------------------
def _selection_source() -> list[str]:
    from jupyter_designer.components import feature_selection as fsel

    consts = [f"_NUMERIC_ONLY = {fsel._NUMERIC_ONLY!r}", f"_CHI2_BINS = {fsel._CHI2_BINS!r}"]
    parts = _src(fsel._is_numeric, fsel._float_values, fsel._codes, fsel.has_classes,
                 fsel._binned, fsel._pearson, fsel._rank_corr, fsel._fisher, fsel._chi2,
                 fsel._count_based, fsel.score_features, fsel._mutual_information,
                 fsel.select_features)
    parts = [p.replace("ComponentError(", "ValueError(") for p in parts]
    return ["\n".join(consts)] + parts


@generator("filter_based_feature_selection")
def _feature_selection(g: NodeCode) -> Step:
    from jupyter_designer.components import feature_selection as fsel

    p = g.params
    method = p["feature_scoring_method"]
    schema = g.schema("dataset")
    try:
        target = fsel._fbfs_target(p, schema, g.spec.name)
    except Exception as exc:
        raise g.fail(str(exc)) from exc
    candidates = fsel._candidates(schema, target, p["operate_on_feature_columns_only"])
    if not candidates:
        raise g.fail(f"the dataset has no feature columns to score besides the target {target!r}. "
                     "Connect a dataset with feature columns, or uncheck 'Operate on feature "
                     "columns only' if they are marked as label or score.")
    _add(g, "select_features", _selection_source())
    src, out = _one_input(g), g.out("filtered_dataset")
    features = g.outputs.get("features") or f"{_var(g.node.id)}_features"
    chosen = f"{_var(g.node.id)}_chosen"
    code = (f"# {method} of every candidate against the target {target!r}\n"
            f"{out}, {features}, {chosen} = select_features(\n"
            f"    {src}, {_names_list(candidates, 4)},\n"
            f"    {target!r}, {method!r}, {int(p['number_of_desired_features'])}, log=print)\n"
            f"print(\"Features kept:\", \", \".join({chosen}))")
    return Step(code, imports=("from pandas.api import types as pdt",))


# -- Tune Model Hyperparameters ------------------------------------------------------------------
_TUNE_ON_VALIDATION = '''def tune_on_validation(settings, df, validation, label, metric, lower_is_better):
    """Tune Model Hyperparameters with a validation dataset: every setting trained on all of
    ``df`` and scored on ``validation``; the best by ``metric`` (trained on ``df``)."""
    df = df.drop(columns=[FOLD_COLUMN], errors="ignore")
    validation = validation.drop(columns=[FOLD_COLUMN], errors="ignore")
    if label not in validation.columns:
        raise ValueError(f"the validation dataset has no label column {label!r}; connect a "
                         "validation dataset with the same columns as the training dataset.")
    rows, models = [], []
    for _, learner in settings:
        model = fit_learner(learner, df, label)
        rows.append(sweep_metrics(score_dataset(model, validation), model))
        models.append(model)
    if metric not in rows[0]:  # quantile regression reports its own loss
        metric = next(iter(rows[0]))
        lower_is_better = metric in LOWER_IS_BETTER

    def rank(i):
        v = rows[i][metric]
        if v is None:
            return (1, 0.0, i)
        return (0, v if lower_is_better else -v, i)

    best = sorted(range(len(settings)), key=rank)[0]
    if rows[best][metric] is None:
        raise ValueError(f"the metric {metric!r} could not be computed for any setting (e.g. a "
                         "validation dataset with a single class). Choose another metric or "
                         "provide more data.")
    print(f"Best setting by {metric}: {settings[best][0]}")
    metrics = {m: float(v) for m, v in rows[best].items() if v is not None}
    return models[best], metrics'''


@generator("tune_model_hyperparameters")
def _tune(g: NodeCode) -> Step:
    from jupyter_designer.components import model_tuning as mt

    from .generators import _label

    untrained = g.values.get("untrained_model")
    if untrained is None:
        raise g.fail("its 'Untrained model' input must come from a learner.")
    p = g.params
    if not untrained.grid and mt.default_grid(untrained):
        raise g.fail(mt._single_mode_message(f"the learner {untrained.learner}"))
    settings = mt.sweep_settings(untrained.grid, p["specify_parameter_sweeping_mode"],
                                 p["maximum_number_of_runs_on_random_sweep"], p["random_seed"])
    if untrained.task == "regression":
        metric = mt.METRIC_COLUMNS[p["metric_for_measuring_performance_for_regression"]]
    else:
        metric = mt.METRIC_COLUMNS[p["metric_for_measuring_performance_for_classification"]]
    label = _label(g, "label_column", "training_dataset")
    imports: set = set()
    rows = []
    for s in settings:
        shown = {mt._param_label(untrained.learner, k): mt._plain(v) for k, v in s.items()}
        code = learner_code(untrained, imports, g.title, overrides=s,
                            add_source=g.export.add_source).replace("\n", "\n     ")
        rows.append(f"    ({_lit(shown)},\n     {code}),")
    model, metrics = g.out("trained_best_model"), f"{_var(g.node.id)}_metrics"
    head = (f"# the settings the sweep tries ({p['specify_parameter_sweeping_mode']})\n"
            f"settings = [\n" + "\n".join(rows) + "\n]\n")
    train = _one_input(g, "training_dataset")
    validation = g.inputs.get("optional_validation_dataset")
    if validation is None:
        code = head + (
            f"{model}, {metrics} = tune_hyperparameters(\n"
            f"    settings, {train}, {label!r}, metric={metric!r},\n"
            f"    lower_is_better={metric in mt.LOWER_IS_BETTER}, seed={p['random_seed']})")
        return Step(code, helpers=("tune_hyperparameters",), imports=tuple(imports),
                    metrics=metrics)
    g.export.add_source("tune_on_validation",
                        f"FOLD_COLUMN = {mt.FOLD_COLUMN!r}\n"
                        f"LOWER_IS_BETTER = {_lit(tuple(sorted(mt.LOWER_IS_BETTER)))}\n\n\n"
                        + _TUNE_ON_VALIDATION)
    code = head + (
        f"{model}, {metrics} = tune_on_validation(\n"
        f"    settings, {train}, {validation}, {label!r}, metric={metric!r},\n"
        f"    lower_is_better={metric in mt.LOWER_IS_BETTER})")
    return Step(code, helpers=("fit_learner", "score_dataset", "sweep_metrics"),
                imports=tuple(imports), metrics=metrics)

