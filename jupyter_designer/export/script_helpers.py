"""The functions an exported script carries with it, copied there verbatim.

Each function here imports only numpy, pandas and scikit-learn, and mirrors what the designer's
components do (``components/ml.py``, ``components/model_tuning.py``, ``components/
data_transformation/sampling.py``) step for step, so that the exported script computes the same
numbers as a run. :data:`NEEDS` says which other helpers each one calls; the script generator
copies a helper with everything it needs, and nothing else.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def column_kind(series):
    """The designer's kind of a column: categorical, boolean, integer, double or string."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "double"
    return "string"


def fit_learner(learner, df, label, features=None):
    """Fit ``learner`` on ``df``: text and categorical features one-hot encoded, numbers as
    they are; classes become label codes 0..k-1 of the sorted classes. A clustering or
    anomaly detection learner (``label`` None) is fitted on ``features``."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    if features is None:
        features = [c for c in df.columns
                    if c != label and c not in df.attrs.get("score_columns", ())]
    if learner.get("python_model"):  # a Create Python Model script: its own encoding
        model = learner["make"]()
        classes = None
        if learner["task"] in ("binary", "multiclass"):
            classes = [v.item() if isinstance(v, np.generic) else v
                       for v in np.unique(df[label].to_numpy())]
        model.train(df[features], df[[label]])
        return {"pipeline": model, "task": learner["task"], "features": features, "label": label,
                "classes": classes, "label_kind": column_kind(df[label]), "python_model": True}
    kinds = {c: column_kind(df[c]) for c in features}
    categorical = [str(c) for c in features if kinds[c] in ("string", "categorical", "boolean")]
    numeric = [str(c) for c in features if kinds[c] in ("integer", "double")]
    transformers = []
    if categorical:
        transformers.append(("categorical", OneHotEncoder(handle_unknown="ignore",
                                                          sparse_output=False), categorical))
    if numeric:
        transformers.append(("numeric", "passthrough", numeric))
    encode = ColumnTransformer(transformers, remainder="drop", verbose_feature_names_out=False)
    estimator = learner["make"]()
    steps = list(estimator.steps) if isinstance(estimator, Pipeline) else [("model", estimator)]
    pipeline = Pipeline([("encode", encode), *steps])
    classes = None
    if learner["task"] in ("clustering", "anomaly"):
        pipeline.fit(df[features].rename(columns=str))
        return {"pipeline": pipeline, "task": learner["task"], "features": features,
                "label": None, "classes": None, "label_kind": None}
    if learner["task"] == "regression":
        y = df[label].to_numpy(dtype=np.float64)
    else:
        classes = [v.item() if isinstance(v, np.generic) else v
                   for v in np.unique(df[label].to_numpy())]
        y = np.asarray(pd.Categorical(df[label].to_numpy(), categories=classes).codes,
                       dtype=np.int64)
    # str names: without pyarrow, pandas keeps numpy strings, which scikit-learn refuses
    pipeline.fit(df[features].rename(columns=str), y)
    return {"pipeline": pipeline, "task": learner["task"], "features": features, "label": label,
            "classes": classes, "label_kind": column_kind(df[label])}


def class_probabilities(estimator, X, k):
    """Class probabilities (or the logistic/softmax of the decision function)."""
    from scipy.special import expit, softmax

    if hasattr(estimator, "predict_proba"):
        try:
            p = np.asarray(estimator.predict_proba(X), dtype=np.float64)
            if p.ndim == 2 and p.shape[1] == k:
                return p
        except AttributeError:
            pass
    d = np.asarray(estimator.decision_function(X), dtype=np.float64)
    if d.ndim == 1:
        p1 = expit(np.asarray(d, dtype=np.float64))
        return np.column_stack([1.0 - p1, p1])
    return softmax(d, axis=1)


def score_dataset(model, df, label=None):
    """``df`` with the score columns: Scored Labels, and Scored Probabilities (two classes)
    or Scored Probabilities_<class> (more classes); Assignments and DistancesToClusterCenter
    no.<i> (clustering); Scored Labels (1 = anomaly) and Scored Probabilities (anomaly
    detection). ``label``: the column Evaluate Model compares with (the model's label)."""
    X = df[model["features"]].rename(columns=str)
    est = model["pipeline"]
    cols = {}
    if model.get("python_model"):  # AzureMLModel.predict: a DataFrame of the score columns
        pred = est.predict(df[model["features"]])
        if isinstance(pred, pd.Series):
            pred = pred.to_frame("Scored Labels")
        for c in pred.columns:
            cols[str(c)] = pred[c].to_numpy()
    elif model["task"] == "clustering":
        cols["Assignments"] = np.asarray(est.predict(X), dtype=np.int64)
        distances = np.asarray(est.transform(X), dtype=np.float64)
        for i in range(distances.shape[1]):
            cols[f"DistancesToClusterCenter no.{i}"] = distances[:, i]
    elif model["task"] == "anomaly":
        from scipy.special import expit

        d = np.asarray(est.decision_function(X), dtype=np.float64)
        cols["Scored Labels"] = (d < 0).astype(np.int64)
        cols["Scored Probabilities"] = expit(-d)
    elif model["task"] == "regression" and hasattr(est[-1], "predict_quantiles"):
        final = est[-1]  # a quantile forest: one column per quantile, no Scored Labels
        qs = final.predict_quantiles(est[:-1].transform(X))
        for j, q in enumerate(final.quantiles):
            cols[f"Quantile:{q:.3f}"] = qs[:, j]
    elif model["task"] == "regression":
        cols["Scored Labels"] = np.asarray(est.predict(X), dtype=np.float64).ravel()
    else:
        classes = np.asarray(model["classes"])
        proba = class_probabilities(est, X, len(classes))
        if model["task"] == "binary":
            p1 = proba[:, 1]
            cols["Scored Labels"] = classes[(p1 >= 0.5).astype(np.int64)]
            cols["Scored Probabilities"] = p1
        else:
            cols["Scored Labels"] = classes[np.argmax(proba, axis=1)]
            for j, c in enumerate(model["classes"]):
                cols[f"Scored Probabilities_{c}"] = proba[:, j]
    if model["label_kind"] == "categorical" and model["task"] != "regression" \
            and "Scored Labels" in cols:
        cols["Scored Labels"] = pd.Categorical(cols["Scored Labels"], categories=model["classes"])
    out = df.copy(deep=False)
    for name, values in cols.items():
        out[name] = values
    out.attrs["score_columns"] = list(cols)
    out.attrs["scored_by"] = {"task": model["task"], "label": label or model["label"],
                              "classes": model["classes"]}
    return out


def evaluate_scored(scored):
    """Evaluate Model's metrics of a scored dataset (regression, two-class or multiclass)."""
    meta = scored.attrs["scored_by"]
    if meta["task"] == "clustering":
        return evaluate_clustering(scored)
    label = meta["label"]
    if label is None or label not in scored.columns:
        raise ValueError("Evaluate Model: there is no label column in the scored dataset.")
    scored = scored[scored[label].notna()]
    if meta["task"] == "regression" and any(str(c).startswith("Quantile:") for c in scored.columns):
        return evaluate_quantiles(scored, label)
    if meta["task"] == "regression":
        return evaluate_regression(scored, label)
    if meta["task"] == "binary":
        return evaluate_binary(scored, label, meta["classes"])
    if meta["task"] == "anomaly":
        return evaluate_binary(scored, label, binary_classes(scored, label))
    return evaluate_multiclass(scored, label)


def binary_classes(df, label):
    """The two classes of an anomaly detector's evaluation, the positive (anomaly) last."""
    plain = (lambda v: v.item() if isinstance(v, np.generic) else v)
    values = pd.unique(pd.concat([df[label], df["Scored Labels"]], ignore_index=True).dropna())
    try:
        values = sorted(plain(v) for v in values)
    except TypeError:
        values = sorted((plain(v) for v in values), key=str)
    if set(values) <= {0, 1}:
        return [0, 1] if not any(isinstance(v, (bool, np.bool_)) for v in values) else [False, True]
    return values


def evaluate_clustering(df):
    """Evaluate Model's metrics of cluster assignments (distances to the centers)."""
    prefix = "DistancesToClusterCenter no."
    dist_cols = sorted((c for c in df.columns if str(c).startswith(prefix)),
                       key=lambda c: int(str(c)[len(prefix):]))
    D = df[dist_cols].to_numpy(dtype=np.float64)
    a = df["Assignments"].to_numpy()
    k = D.shape[1]
    rows = np.arange(len(a))
    valid = (a >= 0) & (a < k)
    own = np.full(len(a), np.nan)
    own[valid] = D[rows[valid], a[valid].astype(int)]
    other = (D.sum(axis=1) - np.nan_to_num(own)) / max(k - 1, 1)
    any_ = bool(valid.any())
    return {
        "Average Distance to Cluster Center": float(own[valid].mean()) if any_ else None,
        "Average Distance to Other Center": float(other[valid].mean()) if any_ and k > 1 else None,
        "Number of Points": int(valid.sum()),
        "Maximal Distance to Cluster Center": float(own[valid].max()) if any_ else None,
    }


def evaluate_regression(df, label):
    y = df[label].to_numpy(dtype=np.float64)
    s = df["Scored Labels"].to_numpy(dtype=np.float64)
    err = y - s
    dev = y - y.mean()
    sae, sse = float(np.abs(err).sum()), float((err ** 2).sum())
    dae, dse = float(np.abs(dev).sum()), float((dev ** 2).sum())
    rse = sse / dse if dse > 0 else None
    return {
        "Mean Absolute Error": float(np.abs(err).mean()),
        "Root Mean Squared Error": float(np.sqrt((err ** 2).mean())),
        "Relative Absolute Error": sae / dae if dae > 0 else None,
        "Relative Squared Error": rse,
        "Coefficient of Determination": 1.0 - rse if rse is not None else None,
    }


def evaluate_quantiles(df, label):
    """The quantile loss of each Quantile:<q> column, and their average."""
    y = df[label].to_numpy(dtype=np.float64)
    metrics, losses = {}, []
    for c in df.columns:
        c = str(c)
        if not c.startswith("Quantile:"):
            continue
        q = float(c[len("Quantile:"):])
        diff = y - df[c].to_numpy(dtype=np.float64)
        loss = float(np.mean(np.maximum(q * diff, (q - 1) * diff)))
        metrics[f"Quantile Loss:{q:.3f}"] = loss
        losses.append(loss)
    return {"Average Quantile Loss": float(np.mean(losses)), **metrics}


def evaluate_binary(df, label, classes, threshold=0.5):
    from sklearn.metrics import roc_auc_score

    positive = classes[-1]
    y = (df[label] == positive).to_numpy(dtype=bool, na_value=False).astype(np.int64)
    p = df["Scored Probabilities"].to_numpy(dtype=np.float64)
    pred = (p >= threshold).astype(np.int64)
    tp = int(((pred == 1) & (y == 1)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    tn = int(((pred == 0) & (y == 0)).sum())
    n = tp + fp + fn + tn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    both = 0 < y.sum() < len(y)
    auc = float(roc_auc_score(y, p)) if both else None
    pc = np.clip(p, 1e-15, 1 - 1e-15)
    log_loss = float(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc)))
    return {"Accuracy": (tp + tn) / n, "Precision": precision, "Recall": recall,
            "F1 Score": f1, "AUC": auc, "Average Log Loss": log_loss,
            "Threshold": float(threshold), "True Positive": tp, "False Negative": fn,
            "False Positive": fp, "True Negative": tn}


def evaluate_multiclass(df, label):
    from sklearn.metrics import confusion_matrix

    y_true, y_pred = df[label], df["Scored Labels"]
    if column_kind(y_true) != column_kind(y_pred):
        y_true, y_pred = y_true.astype(str), y_pred.astype(str)
    plain = (lambda v: v.item() if isinstance(v, np.generic) else v)
    yt = np.asarray([plain(v) for v in y_true.to_numpy()], dtype=object)
    yp = np.asarray([plain(v) for v in y_pred.to_numpy()], dtype=object)
    present = pd.unique(np.concatenate([yt, yp]))
    try:
        labels = sorted(present)
    except TypeError:
        labels = sorted(present, key=str)
    cm = confusion_matrix(yt, yp, labels=labels)
    n = int(cm.sum())
    tp = np.diag(cm).astype(np.float64)
    per_true = cm.sum(axis=1).astype(np.float64)
    per_pred = cm.sum(axis=0).astype(np.float64)
    prec_c = np.divide(tp, per_pred, out=np.zeros_like(tp), where=per_pred > 0)
    rec_c = np.divide(tp, per_true, out=np.zeros_like(tp), where=per_true > 0)
    class_acc = (n - per_true - per_pred + 2 * tp) / n
    metrics = {
        "Overall accuracy": float(tp.sum() / n),
        "Average accuracy": float(class_acc.mean()),
        "Micro-averaged precision": float(tp.sum() / per_pred.sum()),
        "Macro-averaged precision": float(prec_c.mean()),
        "Micro-averaged recall": float(tp.sum() / per_true.sum()),
        "Macro-averaged recall": float(rec_c.mean()),
    }
    prob_cols = {str(c)[len("Scored Probabilities_"):]: c for c in df.columns
                 if str(c).startswith("Scored Probabilities_")}
    truth = [str(v) for v in yt]
    if prob_cols and all(t in prob_cols for t in set(truth)):
        order = list(prob_cols)
        P = df[[prob_cols[k] for k in order]].to_numpy(dtype=np.float64)
        idx = np.asarray([order.index(t) for t in truth])
        pt = np.clip(P[np.arange(len(idx)), idx], 1e-15, 1.0)
        metrics["Average Log Loss"] = float(-np.mean(np.log(pt)))
    metrics["per_class"] = {"labels": labels, "precision": prec_c, "recall": rec_c}
    return metrics


def split_rows(df, fraction, seed, stratify_column=None, randomized=True):
    """Split Data (Split Rows): round(n * fraction) rows of each group go to the first output,
    shuffled with numpy.random.RandomState(seed)."""
    positions = np.arange(len(df))
    if stratify_column is None:
        groups = [positions]
    else:
        key = df[stratify_column]
        null = key.isna().to_numpy()
        groups = []
        if (~null).any():
            codes, uniques = pd.factorize(key[~null], sort=True)
            for code in range(len(uniques)):
                groups.append(positions[~null][codes == code])
        if null.any():
            groups.append(positions[null])
    rand = np.random.RandomState(seed) if randomized else None
    first, second = [], []
    for g in groups:
        n1 = int(round(len(g) * fraction))
        if rand is not None:
            g = g[rand.permutation(len(g))]
        first.append(g[:n1])
        second.append(g[n1:])
    first = np.concatenate(first) if first else np.array([], dtype="int64")
    second = np.concatenate(second) if second else np.array([], dtype="int64")
    if rand is not None:
        rand.shuffle(first)
        rand.shuffle(second)
    return (df.iloc[first.astype("int64")].reset_index(drop=True),
            df.iloc[second.astype("int64")].reset_index(drop=True))


def make_folds(df, label, task, n_folds, seed):
    """``[(train positions, test positions)]``: shuffled folds, stratified by class when every
    class has a row in every fold."""
    from sklearn.model_selection import KFold, StratifiedKFold

    k = min(n_folds, len(df))
    splitter = KFold(n_splits=k, shuffle=True, random_state=seed)
    y = None
    if task in ("binary", "multiclass"):
        counts = df[label].value_counts(dropna=True)
        if len(counts) >= 2 and counts.min() >= k:
            splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
            y = df[label].astype(str).to_numpy()
    return list(splitter.split(np.zeros((len(df), 1)), y))


def fold_metrics(scored):
    """Evaluate Model's metrics of one fold, without threshold and counts."""
    counts = {"Threshold", "True Positive", "False Negative", "False Positive", "True Negative"}
    m = evaluate_scored(scored)
    return {k: v for k, v in m.items()
            if k not in counts and (v is None or isinstance(v, (int, float)))}


def mean_of(values):
    vals = [float(v) for v in values if v is not None and not
            (isinstance(v, float) and np.isnan(v))]
    return float(np.mean(vals)) if vals else None


def cross_validate(learner, df, label, seed, n_folds=10):
    """Cross Validate Model: each fold scored by a model trained on the other folds; the mean
    of each metric over the folds."""
    folds = make_folds(df, label, learner["task"], n_folds, seed)
    per_fold = []
    for train, test in folds:
        model = fit_learner(learner, df.iloc[train], label)
        per_fold.append(fold_metrics(score_dataset(model, df.iloc[test])))
    table = pd.DataFrame([{"Number of examples in fold": len(test),
                           **{k: (np.nan if v is None else float(v)) for k, v in m.items()}}
                          for (_, test), m in zip(folds, per_fold)]).astype("float64")
    means = table.mean().to_dict()
    return {f"Mean {k}": float(v) for k, v in means.items()
            if k != "Number of examples in fold" and pd.notna(v)}


def sweep_metrics(scored, model):
    """The metrics a sweep ranks settings by."""
    m = evaluate_scored(scored)
    task = model["task"]
    if task == "binary":
        return {"Accuracy": m.get("Accuracy"), "Precision": m.get("Precision"),
                "Recall": m.get("Recall"), "F-Score": m.get("F1 Score"), "AUC": m.get("AUC"),
                "Average Log Loss": m.get("Average Log Loss")}
    if task == "multiclass":
        from sklearn.metrics import roc_auc_score

        per = m["per_class"]
        f1 = [2 * p * r / (p + r) if p + r else 0.0
              for p, r in zip(per["precision"], per["recall"])]
        classes = list(model["classes"] or [])
        y = scored[model["label"]].to_numpy()
        aucs = [roc_auc_score((y == c).astype(int),
                              scored[f"Scored Probabilities_{c}"].to_numpy(dtype=np.float64))
                for c in classes if 0 < (y == c).sum() < len(y)]
        present = [c for c in classes if (y == c).any()]
        return {"Accuracy": m.get("Overall accuracy"),
                "Precision": m.get("Macro-averaged precision"),
                "Recall": m.get("Macro-averaged recall"),
                "F-Score": float(np.mean(f1)) if f1 else None,
                "AUC": float(np.mean(aucs)) if aucs and len(present) >= 2 else None,
                "Average Log Loss": m.get("Average Log Loss")}
    return {k: m.get(k) for k in ("Mean Absolute Error", "Root Mean Squared Error",
                                  "Relative Absolute Error", "Relative Squared Error",
                                  "Coefficient of Determination")}


def tune_hyperparameters(settings, df, label, metric, lower_is_better, seed, n_folds=5):
    """Tune Model Hyperparameters without a validation dataset: every setting cross-validated
    on ``n_folds`` folds, the best by ``metric`` trained on all of ``df``."""
    task = settings[0][1]["task"]
    folds = make_folds(df, label, task, n_folds, seed)
    rows = []
    for _, learner in settings:
        parts = []
        for train, test in folds:
            model = fit_learner(learner, df.iloc[train], label)
            parts.append(sweep_metrics(score_dataset(model, df.iloc[test]), model))
        rows.append({name: mean_of(p.get(name) for p in parts) for name in parts[0]})

    def rank(i):
        v = rows[i][metric]
        if v is None:
            return (1, 0.0, i)
        return (0, v if lower_is_better else -v, i)

    best = sorted(range(len(settings)), key=rank)[0]
    print(f"Best setting by {metric}: {settings[best][0]}")
    model = fit_learner(settings[best][1], df, label)
    metrics = {m: float(v) for m, v in rows[best].items() if v is not None}
    return model, metrics


#: helper -> the helpers it calls
NEEDS = {
    "fit_learner": ["column_kind"],
    "score_dataset": ["class_probabilities"],
    "evaluate_scored": ["evaluate_regression", "evaluate_quantiles", "evaluate_binary",
                        "evaluate_multiclass", "binary_classes", "evaluate_clustering"],
    "evaluate_multiclass": ["column_kind"],
    "fold_metrics": ["evaluate_scored"],
    "cross_validate": ["make_folds", "fit_learner", "score_dataset", "fold_metrics"],
    "sweep_metrics": ["evaluate_scored"],
    "tune_hyperparameters": ["make_folds", "fit_learner", "score_dataset", "sweep_metrics", "mean_of"],
}


def run_python_script(azureml_main, dataframe1=None, dataframe2=None):
    """Call an Execute Python Script's azureml_main; its (Result dataset, Python device)."""
    result = azureml_main(dataframe1.copy(deep=False) if dataframe1 is not None else None,
                          dataframe2.copy(deep=False) if dataframe2 is not None else None)
    if isinstance(result, pd.DataFrame):
        return result, pd.DataFrame()
    first = result[0]
    second = result[1] if len(result) == 2 and result[1] is not None else pd.DataFrame()
    return first, second
