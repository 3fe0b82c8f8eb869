"""Export to Python: every built-in sample's run as a standalone script, executed in a fresh
virtual environment without jupyter-designer, prints the metrics the run recorded.

The environment is made once per test session with ``python -m venv --without-pip`` and holds
exactly the libraries a script may use (pandas, scikit-learn, LightGBM, the text components'
simplemma, stopwordsiso and vowpalwabbit, the recommenders' scikit-surprise and PyTorch,
pyarrow, and what they require),
linked from this interpreter's installation, so the versions are those installed here; it does
not see this interpreter's other packages, jupyter-designer among them.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from jupyter_designer.app.export import export
from jupyter_designer.catalog import load_sample, sample_pipelines
from jupyter_designer.engine.errors import DesignerError, NotFoundError
from jupyter_designer.export import FORMATS
from jupyter_designer.export.python_script import GENERATORS, ExportError
from jupyter_designer.store import Workspace

SAMPLES = [s["name"] for s in sample_pipelines()]


def _without_generator(name: str) -> list[str]:
    """The components of a sample pipeline that have no Python generator (learners excepted:
    every learner is written as the estimator it builds)."""
    p = load_sample(name)
    return sorted({n.spec.name for n in p.nodes.values() if n.kind != "dataset"
                   and not n.spec.learner and not n.spec.user and n.spec.id not in GENERATORS})


EXPORTABLE = [s for s in SAMPLES if not _without_generator(s)]
NOT_EXPORTABLE = [s for s in SAMPLES if s not in EXPORTABLE]
#: the samples of the classic palette (pandas, scikit-learn and LightGBM only): all exportable
CLASSIC_SAMPLES = ("Automobile price prediction (advanced)", "Automobile price prediction (basic)",
                   "Binary classification with feature selection",
                   "Cross validation for binary classification", "Custom Python script",
                   "Hyperparameter tuning", "Multiclass classification")
#: what an exported script may import (and what the fresh environment holds): the classic
#: palette's libraries, those of the text components, and pyarrow for data files
SCRIPT_LIBRARIES = ("pandas", "scikit-learn", "lightgbm", "simplemma", "stopwordsiso", "pyarrow",
                    "vowpalwabbit", "scikit-surprise", "torch", "gensim", "torchvision",
                    "pillow")
SCRIPT_MODULES = {"numpy", "pandas", "sklearn", "scipy", "lightgbm", "simplemma", "stopwordsiso",
                  "pyarrow", "vowpalwabbit", "surprise", "torch", "gensim", "torchvision", "PIL"}
_METRIC_LINE = re.compile(r"^\[(?P<node>[^\]]+)\] (?P<name>.+) = (?P<value>.+)$")


# -- the fresh environment ---------------------------------------------------------------------
def _distributions(names) -> dict:
    """The installed distributions ``names`` need, with their requirements (no extras)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    seen: dict = {}
    todo = list(names)
    wanted = set(names)
    while todo:
        name = todo.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            if name in wanted:
                raise
            continue  # a requirement not installed here (torch's CUDA libraries on a CPU build)
        key = dist.metadata["Name"].lower()
        if key in seen:
            continue
        seen[key] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


@pytest.fixture(scope="session")
def fresh_python(tmp_path_factory) -> str:
    """A new virtual environment's interpreter holding only the script libraries."""
    root = tmp_path_factory.mktemp("export-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")],
                   check=True)
    python = root / "venv" / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    for dist in _distributions(SCRIPT_LIBRARIES).values():
        base = Path(dist.locate_file(""))
        for top in sorted({Path(str(f)).parts[0] for f in dist.files or []}):
            if top in ("..", "__pycache__") or (site / top).exists():
                continue
            (site / top).symlink_to(base / top)
    probe = subprocess.run([str(python), "-c", "import jupyter_designer"], capture_output=True,
                           text=True, cwd=root, env=_clean_env())
    assert probe.returncode != 0, "the fresh environment must not see jupyter-designer"
    return str(python)


def _clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def _run_script(python: str, path: Path, **env) -> dict:
    """Run an exported script (``env``: variables set for it); the metrics it printed,
    ``{(node id, name): value}``."""
    out = subprocess.run([python, str(path)], capture_output=True, text=True, cwd=path.parent,
                         env={**_clean_env(), **env}, timeout=600)
    assert out.returncode == 0, f"{path.name} failed:\n{out.stderr[-4000:]}"
    got = {}
    for line in out.stdout.splitlines():
        m = _METRIC_LINE.match(line)
        if m:
            got[(m["node"], m["name"])] = ast.literal_eval(m["value"])
    return got


def _run_metrics(rec) -> dict:
    return {(nid, name): value for nid, n in rec.nodes.items()
            for name, value in (n.metrics or {}).items()}


# -- every built-in sample -----------------------------------------------------------------------
class _SampleRuns(dict):
    """Sample name -> its completed run, each sample run when first asked for (so a test
    selection runs only the samples it needs)."""

    def __init__(self, ws):
        super().__init__()
        self.ws = ws

    def __missing__(self, name):
        from jupyter_designer.app import submit_run

        handle = submit_run(self.ws, name, experiment="export")
        rec = self.ws.get_run(handle.run_id)
        assert rec.status == "completed", (name, rec.error)
        self[name] = rec
        return rec


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory):
    """A workspace in which the built-in samples run once each: ``(workspace, {sample:
    run})``."""
    ws = Workspace(tmp_path_factory.mktemp("export-ws") / "ws")
    yield ws, _SampleRuns(ws)
    ws.close()


@pytest.mark.parametrize("sample", EXPORTABLE)
def test_sample_run_script_prints_the_runs_metrics(sample, sample_runs, fresh_python, tmp_path):
    ws, runs = sample_runs
    rec = runs[sample]
    result = export(ws, rec.id, format="python", folder=tmp_path)
    assert result.path.parent == tmp_path and result.path.suffix == ".py"
    text = result.path.read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert "jupyter_designer" not in imported
    libraries = imported - set(sys.stdlib_module_names)
    assert libraries <= SCRIPT_MODULES, libraries
    want = _run_metrics(rec)
    assert want, f"the sample {sample!r} reported no metrics"
    env = {}
    if "train_classifier(" in text:  # an image model trains and scores with the run's CPU
        env["OMP_NUM_THREADS"] = "1"    # threads, whatever the environment of the script says
    got = _run_script(fresh_python, result.path, **env)
    assert got == want


def test_every_classic_sample_is_exportable():
    assert set(CLASSIC_SAMPLES) <= set(SAMPLES)
    assert set(CLASSIC_SAMPLES) <= set(EXPORTABLE), {s: _without_generator(s) for s in CLASSIC_SAMPLES}


def test_every_sample_is_exportable():
    assert not NOT_EXPORTABLE, {s: _without_generator(s) for s in NOT_EXPORTABLE}


def test_a_component_without_generator_is_named_and_nothing_written(tmp_path, monkeypatch):
    """Never a silently wrong script: the export stops and names every component it cannot
    write (a component whose generator is taken away stands for one without)."""
    monkeypatch.delitem(GENERATORS, "clean_missing_data")
    monkeypatch.delitem(GENERATORS, "split_data")
    ws = Workspace(tmp_path / "ws")
    with pytest.raises(ExportError) as info:
        export(ws, "Automobile price prediction (basic)", folder=tmp_path)
    message = str(info.value)
    assert "no Python code generator for" in message
    assert "(Clean Missing Data)" in message and "(Split Data)" in message
    assert not list(tmp_path.glob("*.py"))
    ws.close()


def test_execute_r_script_runs_the_r_code_verbatim(sample_runs, tmp_path):
    """The R code is in the script as written, run by Rscript with the component's driver."""
    ws, runs = sample_runs
    rec = runs["Execute R Script"]
    code = next(n["params"]["r_script"] for n in rec.snapshot["nodes"]
                if n.get("component") == "execute_r_script")
    text = export(ws, rec.id, folder=tmp_path).path.read_text(encoding="utf-8")
    assert code in text
    assert re.search(r"(?m)^\w+, \w+ = run_r_script\(r_script_r_code, clean_missing_data\w*, None\)$",
                     text)
    assert '"--vanilla"' in text and "import jupyter_designer" not in text


def test_automl_exports_the_winner_of_the_run(sample_runs, tmp_path):
    """Train AutoML Model: the learner the run's search chose, with its settings, trained as
    Train Model trains (no search in the script); the sample itself (not run) is refused."""
    from jupyter_designer.app.automl import best_model_info

    ws, runs = sample_runs
    rec = runs["AutoML"]
    _, info = best_model_info(ws, rec.id)
    text = export(ws, rec.id, folder=tmp_path).path.read_text(encoding="utf-8")
    assert f"the winner of the AutoML search of run {rec.id}: {info['learner']}" in text
    assert "import flaml" not in text and "from flaml" not in text
    assert "train_automl_model_trained_best_model = fit_learner(train_automl_model_learner, " \
           "split_data_1, 'Class')" in text
    with pytest.raises(ExportError, match=r"Train AutoML Model \[train_automl_model\].*Run the "
                                          r"pipeline and export the completed run instead"):
        export(ws, "AutoML", folder=tmp_path / "draft")
    assert not (tmp_path / "draft").exists() or not list((tmp_path / "draft").glob("*.py"))


def test_execute_python_script_appears_verbatim(sample_runs, tmp_path):
    ws, runs = sample_runs
    rec = runs["Custom Python script"]
    code = next(n["params"]["python_script"] for n in rec.snapshot["nodes"]
                if n.get("component") == "execute_python_script")
    result = export(ws, rec.id, folder=tmp_path)
    assert code.rstrip() in result.path.read_text(encoding="utf-8")


def test_a_pipeline_exports_without_a_run(tmp_path, fresh_python):
    """A sample pipeline (not run) whose columns are known before running: the script runs."""
    ws = Workspace(tmp_path / "ws")
    result = export(ws, "Automobile price prediction (basic)", folder=tmp_path / "out")
    assert [f.name for f in result.files] == ["automobile_price_data_raw.csv"]
    assert (tmp_path / "out" / "automobile_price_data_raw.csv").exists()
    got = _run_script(fresh_python, result.path)
    assert {name for _, name in got} == {"Mean Absolute Error", "Root Mean Squared Error",
                                         "Relative Absolute Error", "Relative Squared Error",
                                         "Coefficient of Determination"}
    ws.close()


def test_columns_known_only_after_running_ask_for_the_run(tmp_path):
    """A column rule after Filter Based Feature Selection (whose columns depend on the data):
    the draft cannot be exported, its run can."""
    from jupyter_designer.app import submit_run

    ws = Workspace(tmp_path / "ws")
    p = load_sample("Binary classification with feature selection", workspace=ws)
    p.set_param("train_model", "label_column",
                {"begin_with": "none", "rules": [{"action": "include", "by": "indices",
                                                  "values": ["1"]}]})  # the first: Class
    with pytest.raises(ExportError, match=r"Train Model \[train_model\].*export the run instead"):
        export(ws, p, folder=tmp_path)
    rec = ws.get_run(submit_run(ws, p).run_id)
    assert rec.status == "completed", rec.error
    assert "fit_learner(learner, split_data_1, 'Class')" in \
        export(ws, rec.id, folder=tmp_path).path.read_text(encoding="utf-8")
    ws.close()


# -- registered datasets, user components, what has no generator ---------------------------------
def _user_component_module(folder: Path) -> str:
    src = '''
import numpy as np
import pandas as pd


def add_ratio(data: pd.DataFrame, numerator: str = "a", denominator: str = "c") -> pd.DataFrame:
    """Adds the ratio of two columns."""
    out = data.copy()
    out["ratio"] = np.round(out[numerator] / out[denominator], 3)
    return out
'''
    (folder / "export_user_component.py").write_text(src, encoding="utf-8")
    return src


def test_registered_dataset_and_user_component(tmp_path):
    """A registered dataset travels as a Parquet file next to the script; a user component is
    copied as written and called with the node's parameters."""
    from jupyter_designer.engine.component import REGISTRY, user_component
    from jupyter_designer.engine.pipeline import Pipeline

    src = _user_component_module(tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        import export_user_component as mod

        user_component(mod.add_ratio)
        ws = Workspace(tmp_path / "ws")
        frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": list("wxyz"), "c": [2, 4, 5, 8]})
        ws.register_dataset("ratios data", frame)
        p = Pipeline("Ratios", workspace=ws)
        data = p.add_dataset("ratios data")
        ratio = p.add_component("Add Ratio", {"numerator": "a", "denominator": "c"})
        p.connect(data, None, ratio, None)
        result = export(ws, p, output=tmp_path / "out" / "ratios.py")
        text = result.path.read_text(encoding="utf-8")
        assert "def add_ratio(" in text and src.split("def add_ratio", 1)[1].strip() in text
        assert [f.suffix for f in result.files] == [".parquet"]
        assert f"pd.read_parquet(HERE / {result.files[0].name!r})" in text
        var = re.search(r"(?m)^(\w+) = add_ratio\(data=\w+, numerator='a', denominator='c'\)$",
                        text).group(1)
        # pyarrow reads the data file: run it with this interpreter (it has pyarrow)
        code = text + f"\nprint({var}.to_json(orient='records'))\n"
        (tmp_path / "out" / "ratios_check.py").write_text(code, encoding="utf-8")
        out = subprocess.run([sys.executable, "ratios_check.py"], cwd=tmp_path / "out",
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        rows = json.loads(out.stdout.strip().splitlines()[-1])
        assert [r["ratio"] for r in rows] == [0.5, 0.5, 0.6, 0.5]
        ws.close()
    finally:
        sys.path.remove(str(tmp_path))
        REGISTRY.remove("add_ratio")


def test_a_setting_without_generator_is_named(tmp_path):
    ws = Workspace(tmp_path / "ws")
    p = load_sample("Automobile price prediction (basic)", workspace=ws)
    r = p.add_component("Execute R Script")
    p.connect("split_data", "results_dataset1", r, "dataset1")
    p.connect("split_data", "results_dataset2", r, "script_bundle")
    with pytest.raises(ExportError, match=r"Execute R Script \[execute_r_script_1\].*"
                                          r"script bundle"):
        export(ws, p, folder=tmp_path)
    ws.close()


# -- the command line and the API ------------------------------------------------------------------
def test_cli_export_python(sample_runs, tmp_path, capsys):
    from jupyter_designer.cli import main

    ws, runs = sample_runs
    rec = runs["Multiclass classification"]
    target = tmp_path / "iris.py"
    code = main(["--workspace", str(ws.path), "export", rec.id, "--format", "python",
                 "--output", str(target)])
    out = capsys.readouterr().out
    assert code == 0 and target.exists()
    assert f"Wrote {target}" in out and "python" in out
    assert "split_rows(" in target.read_text(encoding="utf-8")


def test_cli_export_bad_run_id(sample_runs, capsys):
    from jupyter_designer.cli import main

    ws, _ = sample_runs
    code = main(["--workspace", str(ws.path), "export", "20990101-000000-000000-abcdef",
                 "--format", "python"])
    err = capsys.readouterr().err
    assert code == 2
    assert "There is no run '20990101-000000-000000-abcdef' in this workspace" in err


def test_cli_export_unknown_source_and_format(sample_runs, capsys):
    from jupyter_designer.cli import main

    ws, _ = sample_runs
    assert main(["--workspace", str(ws.path), "export", "no such pipeline", "-f", "python"]) == 2
    assert "no run, pipeline file, draft or sample named 'no such pipeline'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--workspace", str(ws.path), "export", "x", "--format", "cobol"])
    assert "invalid choice: 'cobol'" in capsys.readouterr().err


def test_cli_export_choices_come_from_the_format_table():
    from jupyter_designer.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    fmt = next(a for a in sub.choices["export"]._actions if a.dest == "format")
    assert set(fmt.choices) == set(FORMATS) and {"pipeline", "python"} <= set(fmt.choices)
    assert fmt.default == "pipeline"


def test_api_export(sample_runs, tmp_path):
    import jupyter_designer.api as api

    ws, runs = sample_runs
    rec = runs["Cross validation for binary classification"]
    result = api.export(rec.id, output=tmp_path / "cv.py", workspace=ws)
    assert result.path == tmp_path / "cv.py" and result.format == "python"
    assert "cross_validate(" in result.path.read_text(encoding="utf-8")
    with pytest.raises(NotFoundError, match="There is no run '20990101-000000-000000-abcdef'"):
        api.export("20990101-000000-000000-abcdef", output=tmp_path / "x.py", workspace=ws)
    with pytest.raises(DesignerError, match="There is no export format 'cobol'"):
        api.export(rec.id, format="cobol", workspace=ws)


# -- the canvas toolbar -------------------------------------------------------------------------
@pytest.fixture
def dummy_comm():
    from ipywidgets.widgets.tests.utils import setup_test_comm, teardown_test_comm

    setup_test_comm()
    yield
    teardown_test_comm()


def test_toolbar_export_writes_the_draft_and_says_where(dummy_comm, tmp_path):
    from jupyter_designer.widgets import Designer

    ws = Workspace(tmp_path / "ws")
    d = Designer(load_sample("Multiclass classification", workspace=ws), ws)
    button = d.buttons["export"]
    assert button.description == "Export" and button in d.toolbar.children
    cwd = os.getcwd()
    os.chdir(tmp_path)  # the notebook's folder
    try:
        button.click()
    finally:
        os.chdir(cwd)
    target = tmp_path / "multiclass_classification.py"
    assert target.exists()
    assert "The draft exported to" in d.status_text and str(target) in d.status_text
    ws.close()


def test_toolbar_export_of_a_run_view(dummy_comm, sample_runs, tmp_path):
    from jupyter_designer.widgets import Designer

    ws, runs = sample_runs
    rec = runs["Automobile price prediction (basic)"]
    d = Designer.from_run(rec.id, ws)
    result = d.export_script(folder=tmp_path)
    assert result is not None and result.path.exists()
    assert f"Run {rec.id} exported to {result.path}" in d.status_text
    assert f"run {rec.id}" in result.path.read_text(encoding="utf-8")
    # a failing export goes to the status line, not a traceback
    p = load_sample("Automobile price prediction (basic)", workspace=ws)
    r = p.add_component("Execute R Script")
    p.connect("split_data", "results_dataset1", r, "dataset1")
    p.connect("split_data", "results_dataset2", r, "script_bundle")
    d2 = Designer(p, ws)
    assert d2.export_script(folder=tmp_path / "x") is None
    assert "a script bundle input has no Python generator yet" in d2.status_text
    assert not (tmp_path / "x").exists()


def test_output_naming_a_folder_writes_the_script_in_it(tmp_path):
    """``--output DIR`` (an existing folder, or a path ending with a slash) writes the script
    under the pipeline's name in that folder, with its data files."""
    ws = Workspace(tmp_path / "ws")
    result = export(ws, "Automobile price prediction (basic)", output=tmp_path)
    assert result.path == tmp_path / "automobile_price_prediction_basic.py"
    assert result.path.is_file() and (tmp_path / "automobile_price_data_raw.csv").is_file()
    fresh = export(ws, "Automobile price prediction (basic)", output=f"{tmp_path / 'new'}/")
    assert fresh.path == tmp_path / "new" / "automobile_price_prediction_basic.py"
    ws.close()


def test_the_designers_own_estimators_are_carried_into_the_script(tmp_path, fresh_python):
    """Poisson Regression and Fast Forest Quantile Regression build estimator classes of the
    designer: the script carries their code (without the endpoint-only ONNX methods), scores
    the quantile forest's quantiles, and prints the run's metrics exactly."""
    from jupyter_designer.app import submit_run
    from jupyter_designer.engine.pipeline import Pipeline

    ws = Workspace(tmp_path / "ws")
    p = Pipeline("own estimators", workspace=ws)
    data = p.add_dataset("Automobile price data (Raw)")
    cols = p.add_component("Select Columns in Dataset", {"select_columns": [
        "make", "body-style", "horsepower", "engine-size", "city-mpg", "price"]}, id="cols")
    p.connect(data, None, cols, None)
    clean = p.add_component("Clean Missing Data", {"cleaning_mode": "Remove entire row",
                                                   "columns_to_be_cleaned": {"begin_with": "all",
                                                                             "rules": []}},
                            id="clean")
    p.connect(cols, None, clean, None)
    split = p.add_component("Split Data", {"fraction_of_rows_in_the_first_output_dataset": 0.7},
                            id="split")
    p.connect(clean, None, split, None)
    for learner, params in (("Poisson Regression", {}),
                            ("Fast Forest Quantile Regression",
                             {"number_of_trees": 20, "quantiles_to_be_estimated": "0.1; 0.5; 0.9",
                              "random_number_seed": 7})):
        key = learner.split()[0].lower()
        node = p.add_component(learner, params, id=key)
        train = p.add_component("Train Model", {"label_column": "price"}, id=f"train_{key}")
        p.connect(node, None, train, "untrained_model")
        p.connect(split, "results_dataset1", train, "dataset")
        score = p.add_component("Score Model", id=f"score_{key}")
        p.connect(train, None, score, "trained_model")
        p.connect(split, "results_dataset2", score, "dataset")
        evaluate = p.add_component("Evaluate Model", id=f"evaluate_{key}")
        p.connect(score, None, evaluate, "scored_dataset")
    rec = ws.get_run(submit_run(ws, p, experiment="export").run_id)
    assert rec.status == "completed", rec.error
    want = _run_metrics(rec)
    assert ("evaluate_fast", "Average Quantile Loss") in want and ("evaluate_poisson", "Mean Absolute Error") in want
    result = export(ws, rec.id, format="python", folder=tmp_path / "out")
    text = result.path.read_text(encoding="utf-8")
    assert "class PoissonRegression(RegressorMixin, BaseEstimator):" in text
    assert "class QuantileForestRegressor(RegressorMixin, BaseEstimator):" in text
    assert "onnx" not in text.lower()
    assert _run_script(fresh_python, result.path) == want
    ws.close()


def test_a_node_named_like_a_module_does_not_hide_it(tmp_path):
    """Node ids become variable names: one named like a module the script imports (csv, re,
    math, time, torch) gets another name, so the module stays usable below it."""
    import ast as _ast

    from jupyter_designer.engine.pipeline import Pipeline

    ws = Workspace(tmp_path / "ws")
    p = Pipeline("modules", workspace=ws)
    data = p.add_dataset("Automobile price data (Raw)")
    prev = data
    for nid in ("csv", "re", "math", "time"):
        node = p.add_component("Select Columns in Dataset",
                               {"select_columns": ["make", "price", "horsepower"]}, id=nid)
        p.connect(prev, None, node, None)
        prev = node
    out = p.add_component("Convert to CSV", id="torch")
    p.connect(prev, None, out, None)
    text = export(ws, p, folder=tmp_path).path.read_text(encoding="utf-8")
    tree = _ast.parse(text)
    imported = {(a.asname or a.name).split(".")[0] for n in _ast.walk(tree)
                if isinstance(n, (_ast.Import, _ast.ImportFrom)) for a in n.names}
    assigned = {t.id for n in tree.body if isinstance(n, _ast.Assign) for t in n.targets
                if isinstance(t, _ast.Name)}
    assert {"csv_", "re_", "math_", "time_", "torch_"} <= assigned, assigned
    assert not imported & assigned, imported & assigned
    ws.close()
