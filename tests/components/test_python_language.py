"""Execute Python Script and Create Python Model."""

import copy
import logging
import pickle
import sys
import textwrap
import zipfile

import numpy as np
import pandas as pd
import pytest

from jupyter_designer.components import ml
from jupyter_designer.components import python_language as pl
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.errors import ComponentError
from jupyter_designer.engine.models import UntrainedModel
from jupyter_designer.engine.schema import get_roles, set_roles


def _run(name, inputs, params=None, logger=None):
    spec = REGISTRY.get(name)
    ctx = RunContext(spec, logger=logger)
    return spec.run(ctx, inputs, spec.resolve_params(params or {}))


def _script(body):
    return textwrap.dedent(body).lstrip("\n")


@pytest.fixture
def df():
    return pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0], "name": ["x", "y", "z"]})


# -- Execute Python Script -----------------------------------------------------------------
def test_declaration():
    spec = REGISTRY.get("Execute Python Script")
    assert spec.category == "Python Language"
    assert [p.label for p in spec.inputs] == ["Dataset1", "Dataset2", "Script bundle"]
    assert all(p.optional for p in spec.inputs)
    assert [p.label for p in spec.outputs] == ["Result dataset", "Python device"]
    script = spec.param("python_script")
    assert script.kind == "script" and script.language == "python"
    assert "def azureml_main(dataframe1 = None, dataframe2 = None):" in script.default
    assert "return dataframe1," in script.default


def test_default_template_returns_dataframe1_and_prints_it(df, capsys):
    out = _run("Execute Python Script", {"dataset1": df})
    pd.testing.assert_frame_equal(out["result_dataset"], df)
    assert isinstance(out["python_device"], pd.DataFrame) and out["python_device"].empty
    assert "Input pandas.DataFrame #1:" in capsys.readouterr().out


def test_two_outputs_and_unconnected_port_is_none(df):
    src = _script("""
        import pandas as pd
        def azureml_main(dataframe1 = None, dataframe2 = None):
            assert dataframe2 is None
            dataframe1["c"] = dataframe1["a"] * dataframe1["b"]
            return dataframe1, pd.DataFrame({"total": [dataframe1["c"].sum()]})
    """)
    out = _run("Execute Python Script", {"dataset1": df}, {"python_script": src})
    assert out["result_dataset"]["c"].tolist() == [4.0, 10.0, 18.0]
    assert out["python_device"]["total"].tolist() == [32.0]
    assert "c" not in df.columns  # the upstream frame is untouched


def test_scripts_cannot_change_the_upstream_frames(df):
    src = _script("""
        def azureml_main(dataframe1 = None, dataframe2 = None):
            del dataframe1["b"]
            dataframe1.loc[0, "a"] = 100.0
            dataframe2["new"] = 1
            return dataframe1, dataframe2
    """)
    other = df.copy()
    out = _run("Execute Python Script", {"dataset1": df, "dataset2": other}, {"python_script": src})
    assert list(out["result_dataset"].columns) == ["a", "name"]
    assert out["result_dataset"]["a"].tolist() == [100.0, 2.0, 3.0]
    assert list(df.columns) == ["a", "b", "name"] and df["a"].tolist() == [1.0, 2.0, 3.0]
    assert "new" not in other.columns


def test_both_datasets_reach_the_script(df):
    src = _script("""
        import pandas as pd
        def azureml_main(dataframe1 = None, dataframe2 = None):
            return pd.concat([dataframe1, dataframe2], ignore_index=True),
    """)
    out = _run("Execute Python Script", {"dataset1": df, "dataset2": df}, {"python_script": src})
    assert len(out["result_dataset"]) == 6


def test_runs_without_inputs_to_generate_data():
    src = _script("""
        import pandas as pd
        def azureml_main(dataframe1 = None, dataframe2 = None):
            return pd.DataFrame({"n": range(3)})
    """)
    out = _run("Execute Python Script", {}, {"python_script": src})
    assert out["result_dataset"]["n"].tolist() == [0, 1, 2]


def test_roles_travel_with_the_returned_frame(df):
    set_roles(df, {"a": "label"})
    out = _run("Execute Python Script", {"dataset1": df},
               {"python_script": "def azureml_main(dataframe1=None, dataframe2=None):\n"
                                 "    return dataframe1,\n"})
    assert get_roles(out["result_dataset"]) == {"a": "label"}


def test_non_string_column_names_become_strings():
    src = "import pandas as pd\ndef azureml_main(d1=None, d2=None):\n    return pd.DataFrame([[1, 2]]),\n"
    out = _run("Execute Python Script", {}, {"python_script": src})
    assert list(out["result_dataset"].columns) == ["0", "1"]


@pytest.mark.parametrize("ret,match", [
    ("None", r"returned None.*return dataframe1,"),
    ("42", r"sequence of one or two pandas.DataFrame.*returned a int"),
    ("(dataframe1, 'text')", r"its second value is a str"),
    ("('text',)", r"its first value is a str"),
    ("dataframe1['a'],", r"first value is a Series \(use .to_frame\(\)"),
    ("dataframe1, dataframe1, dataframe1", r"returned 3 values"),
    ("()", r"returned 0 values"),
    ("dataframe1[['a', 'a']],", r"duplicate column names 'a'"),
])
def test_bad_return_values_get_clear_errors(df, ret, match):
    src = f"def azureml_main(dataframe1 = None, dataframe2 = None):\n    return {ret}\n"
    with pytest.raises(ComponentError, match=match) as info:
        _run("Execute Python Script", {"dataset1": df}, {"python_script": src})
    assert str(info.value).startswith("Execute Python Script: ")


def test_a_single_dataframe_without_tuple_is_accepted(df):
    src = "def azureml_main(dataframe1 = None, dataframe2 = None):\n    return dataframe1\n"
    out = _run("Execute Python Script", {"dataset1": df}, {"python_script": src})
    pd.testing.assert_frame_equal(out["result_dataset"], df)


def test_runtime_error_names_the_script_line_not_our_traceback(df, caplog):
    src = _script("""
        import pandas as pd

        def helper(frame):
            return frame["no such column"]

        def azureml_main(dataframe1 = None, dataframe2 = None):
            x = 1
            helper(dataframe1)
            return dataframe1,
    """)
    logger = logging.getLogger("test.python.script")
    with caplog.at_level(logging.WARNING, logger="test.python.script"):
        with pytest.raises(pl.ScriptError) as info:
            _run("Execute Python Script", {"dataset1": df}, {"python_script": src}, logger=logger)
    err = info.value
    assert err.line == 4 and err.error_type == "KeyError"
    msg = str(err)
    assert msg.startswith("Execute Python Script: the Python script failed at line 4 (in helper): "
                          "KeyError: 'no such column'")
    assert 'return frame["no such column"]' in msg
    assert "jupyter_designer" not in msg and "Traceback" not in msg
    assert err.__cause__ is None and err.__suppress_context__
    # the node log holds the script's own traceback, starting at the script
    log = "\n".join(r.getMessage() for r in caplog.records)
    assert "Traceback (most recent call last)" in log
    assert 'line 8, in azureml_main' in log and 'line 4, in helper' in log
    assert "python_language.py" not in log


def test_syntax_error_names_the_line():
    src = "def azureml_main(dataframe1 = None, dataframe2 = None):\n    x = (1,\n    return x\n"
    with pytest.raises(pl.ScriptError, match=r"syntax error at line \d+: SyntaxError") as info:
        _run("Execute Python Script", {}, {"python_script": src})
    assert info.value.line in (2, 3)


def test_error_in_top_level_code_names_the_line():
    src = "import pandas as pd\nx = 1 / 0\ndef azureml_main(a=None, b=None):\n    return a,\n"
    with pytest.raises(pl.ScriptError, match=r"failed at line 2 while running its top-level "
                                             r"code: ZeroDivisionError: division by zero\n    x = 1 / 0"):
        _run("Execute Python Script", {}, {"python_script": src})


def test_exit_in_script_is_an_error_not_an_exit(df):
    src = "import sys\ndef azureml_main(a=None, b=None):\n    sys.exit(3)\n"
    with pytest.raises(pl.ScriptError, match=r"line 3.*SystemExit: the script called exit\(3\)"):
        _run("Execute Python Script", {"dataset1": df}, {"python_script": src})


def test_missing_entry_point_and_wrong_arity(df):
    with pytest.raises(ComponentError, match="must define a function named azureml_main"):
        _run("Execute Python Script", {}, {"python_script": "x = 1\n"})
    with pytest.raises(ComponentError, match="azureml_main must take two arguments"):
        _run("Execute Python Script", {"dataset1": df},
             {"python_script": "def azureml_main(df):\n    return df,\n"})


def test_empty_script_is_refused_as_a_parameter():
    from jupyter_designer.engine.errors import ParameterError

    with pytest.raises(ParameterError, match="'Python script' parameter of Execute Python Script"):
        REGISTRY.get("Execute Python Script").resolve_params({"python_script": "  "})


# -- script bundle -----------------------------------------------------------------------------
def _bundle(tmp_path, name="bundle.zip", module="designer_bundle_mod"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{module}.py", "def double(df):\n    return df * 2\n")
        zf.writestr("my_sample.txt", "hello from the bundle")
    return path


BUNDLE_SCRIPT = _script("""
    import os
    import pandas as pd
    from designer_bundle_mod import double

    def azureml_main(dataframe1 = None, dataframe2 = None):
        with open(os.path.join(SCRIPT_BUNDLE, "my_sample.txt")) as f:
            text = f.read()
        return double(dataframe1[["a"]]), pd.DataFrame({"Sample": [text]})
""")


def test_script_bundle_zip_is_importable_and_cleaned_up(df, tmp_path):
    path = _bundle(tmp_path)
    before = list(sys.path)
    out = _run("Execute Python Script", {"dataset1": df, "script_bundle": str(path)},
               {"python_script": BUNDLE_SCRIPT})
    assert out["result_dataset"]["a"].tolist() == [2.0, 4.0, 6.0]
    assert out["python_device"]["Sample"].tolist() == ["hello from the bundle"]
    assert sys.path == before
    assert "designer_bundle_mod" not in sys.modules
    # a second run with another bundle imports its own version of the module
    path2 = tmp_path / "other.zip"
    with zipfile.ZipFile(path2, "w") as zf:
        zf.writestr("designer_bundle_mod.py", "def double(df):\n    return df * 3\n")
        zf.writestr("my_sample.txt", "second")
    out2 = _run("Execute Python Script", {"dataset1": df, "script_bundle": path2},
                {"python_script": BUNDLE_SCRIPT})
    assert out2["result_dataset"]["a"].tolist() == [3.0, 6.0, 9.0]


def test_script_bundle_folder_and_bytes(df, tmp_path):
    folder = tmp_path / "bundle_dir"
    folder.mkdir()
    (folder / "designer_bundle_mod.py").write_text("def double(df):\n    return df * 2\n")
    (folder / "my_sample.txt").write_text("folder")
    out = _run("Execute Python Script", {"dataset1": df, "script_bundle": str(folder)},
               {"python_script": BUNDLE_SCRIPT})
    assert out["python_device"]["Sample"].tolist() == ["folder"]
    data = _bundle(tmp_path).read_bytes()
    out = _run("Execute Python Script", {"dataset1": df, "script_bundle": data},
               {"python_script": BUNDLE_SCRIPT})
    assert out["python_device"]["Sample"].tolist() == ["hello from the bundle"]


def test_bad_script_bundles(df, tmp_path):
    not_zip = tmp_path / "notes.txt"
    not_zip.write_text("plain text")
    with pytest.raises(ComponentError, match="is not a zip file"):
        _run("Execute Python Script", {"dataset1": df, "script_bundle": str(not_zip)})
    with pytest.raises(ComponentError, match="does not exist"):
        _run("Execute Python Script", {"dataset1": df, "script_bundle": str(tmp_path / "nope.zip")})
    with pytest.raises(ComponentError, match="must be the path of a .zip file.*Got a DataFrame"):
        _run("Execute Python Script", {"dataset1": df, "script_bundle": df})


# -- Create Python Model ----------------------------------------------------------------------
def _binary_frame(n=60, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 2))
    return pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1],
                         "y": np.where(X[:, 0] + 0.3 * rng.normal(size=n) > 0, "pos", "neg")})


def _python_model(params=None):
    return _run("Create Python Model", {}, params)["untrained_model"]


def test_create_python_model_declaration_and_output():
    spec = REGISTRY.get("Create Python Model")
    assert spec.category == "Python Language" and spec.learner
    assert "class AzureMLModel" in spec.param("python_script").default
    u = _python_model()
    assert isinstance(u, UntrainedModel)
    assert u.task == "binary" and u.learner == "Create Python Model" and u.grid == {}
    assert isinstance(u.make(), pl.PythonScriptModel)
    assert _python_model({"task": "Regression"}).task == "regression"
    assert _python_model({"task": "Multiclass classification"}).task == "multiclass"


def test_default_python_model_agrees_with_gaussian_nb_by_hand():
    from sklearn.naive_bayes import GaussianNB

    df = _binary_frame()
    model = ml.fit_model(_python_model(), df, "y")
    assert model.classes == ["neg", "pos"]
    scored = ml.score_frame(model, df)
    nb = GaussianNB().fit(df[["x1", "x2"]], df["y"])
    np.testing.assert_allclose(scored["Scored Probabilities"], nb.predict_proba(df[["x1", "x2"]])[:, 1])
    assert scored["Scored Labels"].tolist() == nb.predict(df[["x1", "x2"]]).tolist()
    assert get_roles(scored)["Scored Probabilities"] == "score"
    metrics = ml.evaluate_scored(scored)["metrics"]  # Evaluate Model reads it like any model
    assert metrics["Accuracy"] == pytest.approx(float((nb.predict(df[["x1", "x2"]]) == df["y"]).mean()))


def test_python_regression_model_gets_raw_frames():
    src = _script("""
        import pandas as pd
        from sklearn.linear_model import LinearRegression

        class AzureMLModel:
            def __init__(self):
                self.model = LinearRegression()

            def train(self, df_train, df_label):
                assert isinstance(df_train, pd.DataFrame) and isinstance(df_label, pd.DataFrame)
                self.columns = list(df_train.columns)
                self.model.fit(df_train, df_label.iloc[:, 0])

            def predict(self, df):
                return pd.DataFrame({"Scored Labels": self.model.predict(df[self.columns])})
    """)
    rng = np.random.RandomState(1)
    df = pd.DataFrame({"a": rng.normal(size=30), "b": rng.normal(size=30)})
    df["t"] = 2 * df["a"] - df["b"] + 1
    model = ml.fit_model(_python_model({"python_script": src, "task": "Regression"}), df, "t")
    scored = ml.score_frame(model, df)
    np.testing.assert_allclose(scored["Scored Labels"], df["t"], atol=1e-9)
    assert ml.evaluate_scored(scored)["metrics"]["Coefficient of Determination"] == pytest.approx(1.0)


MODEL_TEMPLATE = _script("""
    import pandas as pd

    class AzureMLModel:
        def __init__(self):
            self.ready = True

        def train(self, df_train, df_label):
            self.n = len(df_train)
    {train_extra}
        def predict(self, df):
    {predict_body}
""")


def _model_script(train_extra="", predict_body="        return pd.DataFrame({'Scored Labels': [0.0] * len(df)})"):
    return MODEL_TEMPLATE.format(train_extra=train_extra, predict_body=predict_body)


def test_python_model_errors_name_the_script_line():
    df = _binary_frame()
    bad_train = _model_script(train_extra="        raise ValueError('cannot learn this')\n")
    u = _python_model({"python_script": bad_train, "task": "Regression"})
    with pytest.raises(pl.ScriptError, match=r"line 9 \(in train\) while training: ValueError: "
                                             r"cannot learn this") as info:
        ml.fit_model(u, df.assign(y=1.0), "y")
    assert info.value.line == 9
    bad_predict = _model_script(predict_body="        return [1, 2]")
    model = ml.fit_model(_python_model({"python_script": bad_predict, "task": "Regression"}),
                          df.assign(y=1.0), "y")
    with pytest.raises(ComponentError, match="predict must return a pandas.DataFrame.*returned a list"):
        ml.score_frame(model, df)
    short = _model_script(predict_body="        return pd.DataFrame({'Scored Labels': [1.0]})")
    model = ml.fit_model(_python_model({"python_script": short, "task": "Regression"}),
                          df.assign(y=1.0), "y")
    with pytest.raises(ComponentError, match="returned 1 rows for 60 rows"):
        ml.score_frame(model, df)


def test_create_python_model_checks_the_script_up_front():
    with pytest.raises(ComponentError, match="must define a class named AzureMLModel"):
        _python_model({"python_script": "x = 1\n"})
    with pytest.raises(ComponentError, match=r"must define train\(\) and predict\(\)"):
        _python_model({"python_script": "class AzureMLModel:\n    pass\n"})
    src = "class AzureMLModel:\n    def __init__(self):\n        import not_a_module_xyz\n" \
          "    def train(self, a, b): pass\n    def predict(self, d): pass\n"
    with pytest.raises(pl.ScriptError, match=r"line 3 \(in __init__\) while creating "
                                             r"AzureMLModel\(\): ModuleNotFoundError"):
        _python_model({"python_script": src})
    with pytest.raises(pl.ScriptError, match="syntax error at line 1"):
        _python_model({"python_script": "class AzureMLModel(:\n"})


def test_trained_python_model_pickles_but_refuses_skops():
    import skops.io as sio

    df = _binary_frame()
    model = ml.fit_model(_python_model(), df, "y")
    expected = ml.score_frame(model, df)
    for clone in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        pd.testing.assert_frame_equal(ml.score_frame(clone, df), expected)
    with pytest.raises(TypeError, match="only be pickled, not stored with skops"):
        sio.dumps(model)


def test_workspace_stores_a_python_model_as_a_workspace_bound_pickle(tmp_path):
    from jupyter_designer.store import Workspace

    df = _binary_frame()
    model = ml.fit_model(_python_model(), df, "y")
    with Workspace(tmp_path / "ws") as ws:
        ids = ws.put_outputs("python-model", {"trained_model": model})
        assert ids["trained_model"].startswith("pk-")
        loaded = ws.load_artifact(ids["trained_model"])
        pd.testing.assert_frame_equal(ml.score_frame(loaded, df), ml.score_frame(model, df))
        untrained_id = ws.put_outputs("python-untrained", {"m": _python_model()})["m"]
        assert untrained_id.startswith("sk-")  # the untrained model is data: skops stores it


def test_python_model_cross_validates():
    from jupyter_designer.engine.component import RunContext as Ctx

    spec = REGISTRY.get("Cross Validate Model")
    out = spec.run(Ctx(spec), {"untrained_model": _python_model(), "dataset": _binary_frame(80)},
                   spec.resolve_params({"label_column": "y"}))
    table = out["evaluation_results_by_fold"]
    assert list(table["Fold Number"][-2:]) == ["Mean", "Standard Deviation"]
    assert table["Accuracy"].iloc[:10].between(0.5, 1.0).all()
