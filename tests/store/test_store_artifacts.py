"""The artifact store: formats, trust, workspace-bound pickles, output keys, atomic writes."""

import json
import os
import threading
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from jupyter_designer.engine.models import EvaluationResult, TrainedModel, Transformation, UntrainedModel
from jupyter_designer.engine.schema import ROLES_ATTR, set_roles
from jupyter_designer.store import ArtifactError, StoredOutputs, Workspace
from jupyter_designer.store.artifacts import is_trusted_type


class NotTrusted:
    """A class skops can store but a workspace does not trust (it lives in a test module)."""

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, NotTrusted) and other.value == self.value


def _fmt(ws, artifact_id):
    return ws.artifact_info(artifact_id)["format"]


def _training_data(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"num": rng.normal(size=n), "cat": rng.choice(["a", "b", "c"], size=n)})
    X.loc[::7, "num"] = np.nan
    y = ((X["num"].fillna(0) > 0) ^ (X["cat"] == "b")).astype(int)
    return X, y


def _pipeline(model):
    ct = ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler())]), ["num"]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["cat"]),
    ])
    return Pipeline([("prep", ct), ("model", model)])


def test_dataframe_round_trip_keeps_roles_categoricals_and_dtypes(ws):
    df = pd.DataFrame({
        "a": [1, 2, 3],
        "cat": pd.Categorical(["x", "y", "x"], categories=["y", "x", "z"]),
        "ord": pd.Categorical(["lo", "hi", "lo"], categories=["lo", "hi"], ordered=True),
        "s": ["u", None, "w"],
        "f": [1.0, np.nan, 3.0],
        "t": pd.to_datetime(["2020-01-01", "2020-01-02", None]),
        "i": pd.array([1, None, 3], dtype="Int64"),
        "b": [True, False, True],
    })
    set_roles(df, {"a": "label", "f": "score"})
    aid = ws.put_artifact(df)
    assert _fmt(ws, aid) == "parquet" and ws.artifact_path(aid).suffix == ".parquet"
    back = ws.load_artifact(aid)
    pd.testing.assert_frame_equal(back, df)
    assert back.attrs[ROLES_ATTR] == {"a": "label", "f": "score"}
    assert list(back["cat"].cat.categories) == ["y", "x", "z"]
    assert back["ord"].cat.ordered


def test_reading_a_subset_of_columns(ws):
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [0.1, 0.2]})
    set_roles(df, {"a": "label", "c": "score"})
    aid = ws.put_artifact(df)
    sub = ws.load_artifact(aid, columns=["c", "b"])
    assert list(sub.columns) == ["c", "b"]
    assert sub.attrs[ROLES_ATTR] == {"c": "score"}
    with pytest.raises(ArtifactError, match="no column 'zz'. Its columns are: 'a', 'b', 'c'"):
        ws.load_artifact(aid, columns=["zz"])


def test_non_default_index_and_series(ws):
    df = pd.DataFrame({"v": [1.0, 2.0, 3.0]}, index=[10, 20, 40])
    pd.testing.assert_frame_equal(ws.load_artifact(ws.put_artifact(df)), df)
    s = pd.Series([1, 2, 3], name="counts")
    back = ws.load_artifact(ws.put_artifact(s))
    pd.testing.assert_series_equal(back, s)


def test_frames_parquet_cannot_hold_are_kept_in_the_workspace(ws):
    df = pd.DataFrame({"m": pd.Series([1, "x", 2.5], dtype=object)})
    aid = ws.put_artifact(df)
    assert _fmt(ws, aid) == "pickle"
    pd.testing.assert_frame_equal(ws.load_artifact(aid), df)
    assert list(ws.load_artifact(aid, columns=["m"]).columns) == ["m"]


def test_sklearn_pipeline_round_trips_with_skops(ws):
    X, y = _training_data()
    pipe = _pipeline(LogisticRegression()).fit(X, y)
    aid = ws.put_artifact(pipe)
    assert _fmt(ws, aid) == "skops"
    with zipfile.ZipFile(ws.artifact_path(aid)) as z:  # compressed
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
    back = ws.load_artifact(aid)
    np.testing.assert_array_equal(back.predict_proba(X), pipe.predict_proba(X))


def test_trained_model_with_column_transformer_and_trees(ws):
    X, y = _training_data()
    est = _pipeline(RandomForestClassifier(n_estimators=5, random_state=0)).fit(X, y)
    model = TrainedModel(estimator=est, task="binary", feature_columns=["num", "cat"],
                         label_column="y", classes=[0, 1], learner="Two-Class Decision Forest",
                         feature_kinds={"num": "double", "cat": "string"}, info={"trees": 5})
    aid = ws.put_artifact(model)
    assert _fmt(ws, aid) == "skops"
    # trees need sklearn.tree._tree.Tree trusted: it is, being a scikit-learn type
    assert "sklearn.tree._tree.Tree" in sio.get_untrusted_types(file=ws.artifact_path(aid))
    back = ws.load_artifact(aid)
    assert isinstance(back, TrainedModel)
    assert back.describe() == model.describe() and back.feature_kinds == model.feature_kinds
    np.testing.assert_array_equal(back.estimator.predict_proba(X), est.predict_proba(X))


def test_untrained_model_evaluation_and_transformation(ws):
    um = UntrainedModel(learner="Two-Class Logistic Regression", task="binary",
                        params={"C": 1.0}, grid={"C": [0.1, 1.0]}, seed=7,
                        factory="jupyter_designer.components.ml_algorithms.make_lr")
    ev = EvaluationResult(results=[{"task": "binary", "metrics": {"AUC": 0.75, "Accuracy": 0.5},
                                    "curves": {"roc": [[0.0, 0.0], [1.0, 1.0]]}}])
    tr = Transformation()
    tr.source = "Normalize Data"
    tr.columns = ["a", "b"]
    tr.scaler = StandardScaler().fit(np.array([[1.0, 2.0], [3.0, 5.0]]))
    for value in (um, ev):
        aid = ws.put_artifact(value)
        assert _fmt(ws, aid) == "skops"
        assert ws.load_artifact(aid) == value
    aid = ws.put_artifact(tr)
    assert _fmt(ws, aid) == "skops"
    back = ws.load_artifact(aid)
    assert isinstance(back, Transformation) and back.source == "Normalize Data"
    assert back.columns == ["a", "b"]
    np.testing.assert_array_equal(back.scaler.mean_, tr.scaler.mean_)


def test_lightgbm_estimator(ws):
    lightgbm = pytest.importorskip("lightgbm")
    X, y = _training_data(200)
    m = lightgbm.LGBMClassifier(n_estimators=5, verbose=-1, random_state=0).fit(X[["num"]], y)
    aid = ws.put_artifact(m)
    assert _fmt(ws, aid) == "skops"
    np.testing.assert_allclose(ws.load_artifact(aid).predict_proba(X[["num"]]), m.predict_proba(X[["num"]]))


def test_trust_policy():
    for name in ("jupyter_designer.engine.models.TrainedModel", "sklearn.tree._tree.Tree",
                 "numpy.dtype", "scipy.sparse._csr.csr_matrix", "lightgbm.basic.Booster",
                 "collections.OrderedDict"):
        assert is_trusted_type(name)
    for name in ("builtins.eval", "os.system", "pandas.core.frame.DataFrame", "test_x.Thing",
                 "jupyter_designerx.Evil", "subprocess.Popen"):
        assert not is_trusted_type(name)


def test_a_skops_file_with_untrusted_types_is_refused(ws):
    aid = "sk-" + "ab" * 16
    path = ws.artifact_path(aid)
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(NotTrusted(3), path)
    with pytest.raises(ArtifactError, match="does not trust: .*NotTrusted"):
        ws.load_artifact(aid)


def test_objects_skops_cannot_trust_fall_back_to_a_workspace_bound_pickle(ws, tmp_path):
    value = TrainedModel(estimator=NotTrusted(5), task="regression", feature_columns=["a"])
    aid = ws.put_artifact(value)
    assert _fmt(ws, aid) == "pickle"
    marker = json.loads((ws.artifact_path(aid).parent / (ws.artifact_path(aid).name + ".marker")).read_text())
    assert marker["workspace_id"] == ws.id and marker["serializer"] == "pickle"
    back = ws.load_artifact(aid)
    assert back.estimator == NotTrusted(5)

    fn = ws.put_artifact(lambda v: v * 3)  # needs cloudpickle
    assert ws.load_artifact(fn)(2) == 6

    # the same files copied into another workspace are refused
    other = Workspace(tmp_path / "other")
    for suffix in ("", ".marker"):
        src = ws.artifact_path(aid)
        dst = other.artifact_path(aid)
        dst.parent.mkdir(parents=True, exist_ok=True)
        (dst.parent / (dst.name + suffix)).write_bytes((src.parent / (src.name + suffix)).read_bytes())
    with pytest.raises(ArtifactError, match="written by another workspace"):
        other.load_artifact(aid)
    other.close()


def test_tampered_or_unmarked_pickles_are_refused(ws):
    aid = ws.put_artifact(NotTrusted(1))
    path = ws.artifact_path(aid)
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(ArtifactError, match="modified after"):
        ws.load_artifact(aid)
    (path.parent / (path.name + ".marker")).unlink()
    with pytest.raises(ArtifactError, match="without a valid marker"):
        ws.load_artifact(aid)


def test_json_values_and_other_plain_values(ws):
    for value in ("text", 3, 2.5, True, None, [1, "a", None], {"a": {"b": [1.5]}}):
        aid = ws.put_artifact(value)
        assert _fmt(ws, aid) == "json"
        back = ws.load_artifact(aid)
        assert back == value and type(back) is type(value)
    for value in ((1, 2), {1: "a"}, float("nan"), np.arange(4), {"a": (1,)}):
        aid = ws.put_artifact(value)
        assert _fmt(ws, aid) == "skops"
        back = ws.load_artifact(aid)
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(back, value)
        elif isinstance(value, float):
            assert np.isnan(back)
        else:
            assert back == value and type(back) is type(value)


def test_values_that_cannot_be_stored(ws, store_files):
    before = store_files(ws)
    with pytest.raises(ArtifactError, match="cannot be serialized"):
        ws.put_outputs("k", {"a": pd.DataFrame({"x": [1]}), "lock": threading.Lock()})
    assert not ws.has_outputs("k") and ws.get_outputs("k") is None
    # the table written before the failure is an orphan no key refers to
    assert len(store_files(ws)) == len(before) + 1


def test_outputs_by_key(ws):
    df = pd.DataFrame({"a": [1, 2]})
    X, y = _training_data()
    model = _pipeline(LogisticRegression()).fit(X, y)
    ids = ws.put_outputs("node-key-1", {"results_dataset": df, "model": model, "info": {"n": 2}})
    assert list(ids) == ["results_dataset", "model", "info"]
    assert all(ws.artifact_path(i).exists() for i in ids.values())
    assert ws.has_outputs("node-key-1") and ws.get_output_ids("node-key-1") == ids
    outs = ws.get_outputs("node-key-1")
    assert isinstance(outs, StoredOutputs) and outs.artifact_ids == ids
    assert list(outs) == ["results_dataset", "model", "info"] and len(outs) == 3
    assert "model" in outs and "nope" not in outs
    assert outs._values == {}  # nothing loaded yet
    pd.testing.assert_frame_equal(outs["results_dataset"], df)
    assert outs["info"] == {"n": 2}
    assert set(outs._values) == {"results_dataset", "info"}
    assert outs["results_dataset"] is outs["results_dataset"]
    with pytest.raises(KeyError):
        outs["nope"]
    assert dict(outs)["model"].predict(X).shape == (len(X),)

    # a key whose artifact went missing is not reusable
    os.unlink(ws.artifact_path(ids["info"]))
    assert not ws.has_outputs("node-key-1") and ws.get_outputs("node-key-1") is None

    # any string is a valid key; a later put replaces the key's outputs
    weird = "a/b:c d?" + "x" * 300
    ws.put_outputs(weird, {"x": 1})
    ws.put_outputs(weird, {"x": 2})
    assert ws.get_outputs(weird)["x"] == 2
    assert ws.get_outputs("a/b:c d?") is None
    ws.delete_outputs(weird)
    assert not ws.has_outputs(weird)


def test_a_key_is_visible_only_once_its_manifest_is_written(ws, monkeypatch):
    from jupyter_designer.store import artifacts

    real = artifacts.atomic_write
    seen = []

    def spy(target, data):
        seen.append(str(target))
        if "outputs" in str(target):
            assert not ws.has_outputs("k2")  # every port is on disk, the key not yet
            assert all(ws.artifact_path(os.path.basename(p).split(".")[0]).exists()
                       for p in seen[:-1])
        return real(target, data)

    monkeypatch.setattr(artifacts, "atomic_write", spy)
    ws.put_outputs("k2", {"a": pd.DataFrame({"x": [1]}), "b": "text"})
    assert "outputs" in seen[-1]
    assert ws.has_outputs("k2")


def test_atomic_write_leaves_nothing_on_failure(tmp_path, monkeypatch):
    from jupyter_designer import fileio as _fs

    target = tmp_path / "f.json"
    _fs.atomic_write(target, "old")

    def fail(f):
        f.write(b"partial")
        raise OSError("disk full")

    with pytest.raises(OSError):
        _fs.atomic_write(target, fail)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["f.json"]

    def no_replace(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(_fs.os, "replace", no_replace)
    with pytest.raises(OSError):
        _fs.atomic_write(target, "new")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["f.json"]


def test_bad_artifact_ids(ws):
    with pytest.raises(ArtifactError, match="is not an artifact id"):
        ws.load_artifact("../../etc/passwd")
    with pytest.raises(ArtifactError, match="does not exist"):
        ws.load_artifact("pq-" + "0" * 32)
    with pytest.raises(KeyError):  # also a NotFoundError
        ws.load_artifact("js-" + "0" * 32)


def test_collect_garbage_keeps_what_is_referenced(ws):
    keep = ws.put_outputs("k", {"a": pd.DataFrame({"x": [1]})})["a"]
    orphan = ws.put_artifact(pd.DataFrame({"y": [2]}))
    ds = ws.register_dataset("d", pd.DataFrame({"z": [3]})).artifact_id
    stale = ws.artifact_path(orphan).with_name(".tmp-999999999-abc-x.parquet")
    stale.write_bytes(b"partial")
    assert ws.collect_garbage(min_age=3600) == {"artifacts": 0, "temporary": 0, "bytes": 0}
    stats = ws.collect_garbage(min_age=0, dry_run=True)
    assert stats["artifacts"] == 1 and stats["temporary"] == 1
    assert ws.artifact_path(orphan).exists()
    ws.collect_garbage(min_age=0)
    assert not ws.artifact_path(orphan).exists() and not stale.exists()
    assert ws.artifact_path(keep).exists() and ws.artifact_path(ds).exists()
