"""Execute R Script, run by the real R (Debian's r-base-core): two data frames in and out with
their types, the script line named when it fails, and the message when R is missing."""

import logging
import os
import textwrap
import zipfile

import numpy as np
import pandas as pd
import pytest

from jupyter_designer.components import r_language as rl
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.errors import ComponentError


def _run(inputs, script, logger=None, **params):
    spec = REGISTRY.get("Execute R Script")
    ctx = RunContext(spec, logger=logger)
    return spec.run(ctx, inputs, spec.resolve_params({"r_script": script, **params}))


def _script(body):
    return textwrap.dedent(body).lstrip("\n")


TYPED = pd.DataFrame({
    "count": [1, 2, 3],
    "big": [1, 2, 3_000_000_000],            # beyond R's 32-bit integers
    "x": [0.1, np.nan, -np.inf],
    "precise": [1 / 3, 1e-300, 123456789.123456789],
    "flag": [True, False, True],
    "name": ["a", None, 'comma, "quote" and \u00e9'],
    "level": pd.Categorical(["low", "high", "low"]),
    "when": pd.to_datetime(["2024-01-01 10:00:00.250", None, "2020-02-29 00:00:00.000"]),
    "maybe": pd.array([1, None, 3], dtype="Int64"),
    "yes": pd.array([True, None, False], dtype="boolean"),
})


def test_declaration_mirrors_execute_python_script():
    spec = REGISTRY.get("Execute R Script")
    assert spec.category == "R Language"
    assert [p.label for p in spec.inputs] == ["Dataset1", "Dataset2", "Script Bundle"]
    assert all(p.optional for p in spec.inputs)
    assert [p.label for p in spec.outputs] == ["Result Dataset", "Result Dataset2"]
    script = spec.param("r_script")
    assert script.kind == "script" and script.language == "r"
    assert "azureml_main <- function(dataframe1, dataframe2){" in script.default
    assert "return(list(dataset1=dataframe1, dataset2=dataframe2))" in script.default


def test_two_frames_in_and_out_keep_their_types():
    other = pd.DataFrame({"k": [1.5, 2.5]})
    out = _run({"dataset1": TYPED, "dataset2": other}, rl.DEFAULT_SCRIPT)
    got = out["result_dataset"]
    want = TYPED.assign(big=TYPED["big"].astype("float64"))  # travels as R numeric
    assert list(got.columns) == list(want.columns)
    for col in want.columns:
        assert got[col].dtype == want[col].dtype, (col, got[col].dtype, want[col].dtype)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    pd.testing.assert_frame_equal(out["result_dataset2"], other, check_exact=True)


def test_r_computes_and_returns_a_second_table():
    script = _script("""
        azureml_main <- function(dataframe1, dataframe2){
          stopifnot(is.integer(dataframe1$count), is.logical(dataframe1$flag),
                    is.factor(dataframe1$level), inherits(dataframe1$when, "POSIXct"),
                    is.null(dataframe2))
          dataframe1$double_count <- dataframe1$count * 2L
          summary <- data.frame(rows = nrow(dataframe1), mean = mean(dataframe1$precise),
                                first_day = as.Date("2024-03-01"))
          return(list(dataset1 = dataframe1[, c("count", "double_count")], dataset2 = summary))
        }
    """)
    out = _run({"dataset1": TYPED}, script)
    assert out["result_dataset"]["double_count"].tolist() == [2, 4, 6]
    assert out["result_dataset"]["double_count"].dtype == "int64"
    summary = out["result_dataset2"]
    assert summary["rows"].tolist() == [3]
    assert summary["mean"].iloc[0] == TYPED["precise"].mean()
    assert summary["first_day"].iloc[0] == pd.Timestamp("2024-03-01")


def test_dataset1_only_and_output_goes_to_the_log(caplog):
    script = _script("""
        azureml_main <- function(dataframe1, dataframe2){
          print(paste("rows:", nrow(dataframe1)))
          cat("done\\n")
          return(list(dataset1 = dataframe1))
        }
    """)
    logger = logging.getLogger("test.r")
    with caplog.at_level(logging.INFO, logger="test.r"):
        out = _run({"dataset1": TYPED[["count"]]}, script, logger=logger)
    assert out["result_dataset2"].empty
    assert '[1] "rows: 3"' in caplog.text and "done" in caplog.text


def test_random_seed_repeats():
    script = _script("""
        azureml_main <- function(dataframe1, dataframe2){
          return(list(dataset1 = data.frame(x = runif(3))))
        }
    """)
    a = _run({}, script, random_seed=7)["result_dataset"]
    b = _run({}, script, random_seed=7)["result_dataset"]
    c = _run({}, script, random_seed=8)["result_dataset"]
    assert a.equals(b) and not a.equals(c)


def test_script_bundle_is_unzipped_next_to_the_script(tmp_path):
    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.writestr("helpers.R", "triple <- function(x) 3 * x\n")
    script = _script("""
        source("./Script Bundle/helpers.R")
        azureml_main <- function(dataframe1, dataframe2){
          return(list(dataset1 = data.frame(y = triple(dataframe1$count))))
        }
    """)
    out = _run({"dataset1": TYPED, "script_bundle": str(bundle)}, script)
    assert out["result_dataset"]["y"].tolist() == [3, 6, 9]


@pytest.mark.parametrize("script,line,needle", [
    ("""
     azureml_main <- function(dataframe1, dataframe2){
       x <- 1
       stop("the input has no price column")
     }
     """, 3, 'the input has no price column\n    stop("the input has no price column")'),
    ("""
     azureml_main <- function(dataframe1, dataframe2){
       z <- dataframe1$count + "a"
       list(dataset1 = z)
     }
     """, 2, "non-numeric argument to binary operator"),
    ("""
     # a comment
     helper <- function(v) {
       log(v, base = "ten")
     }
     azureml_main <- function(dataframe1, dataframe2){
       return(list(dataset1 = data.frame(y = helper(dataframe1$count))))
     }
     """, 3, "non-numeric argument to mathematical function"),
    ("""
     library(stats)
     y <- undefined_function(3)
     """, 2, 'could not find function "undefined_function"'),
    ("""
     azureml_main <- function(dataframe1, dataframe2){
       x <- c(1, 2
       return(list(dataset1 = dataframe1))
     }
     """, 3, "syntax error"),
])
def test_a_failing_script_names_its_line(script, line, needle):
    with pytest.raises(ComponentError) as err:
        _run({"dataset1": TYPED}, _script(script))
    message = str(err.value)
    assert message.startswith(f"Execute R Script: the R script failed at line {line}: "), message
    assert needle in message
    assert "Traceback" not in message


@pytest.mark.parametrize("script,needle", [
    ("x <- 1\n", "must define a function named azureml_main"),
    ("azureml_main <- function(dataframe1, dataframe2){ 42 }\n",
     "azureml_main must return a named list, e.g. return(list(dataset1=dataframe1, "
     "dataset2=dataframe2)); it returned a numeric."),
    ("azureml_main <- function(dataframe1, dataframe2){ list(dataset1 = mean) }\n",
     "the dataset1 element returned by azureml_main must be a data frame; it is a function"),
])
def test_contract_errors(script, needle):
    with pytest.raises(ComponentError, match="Execute R Script: ") as err:
        _run({"dataset1": TYPED}, script)
    assert needle in str(err.value)


def test_r_missing_gives_the_install_message(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no Rscript
    monkeypatch.delenv(rl.RSCRIPT_SETTING, raising=False)
    with pytest.raises(ComponentError) as err:
        _run({"dataset1": TYPED}, rl.DEFAULT_SCRIPT)
    assert "Execute R Script needs R, which is not installed here (no Rscript program on PATH)" \
        in str(err.value)
    assert "apt-get install -y r-base-core" in str(err.value)
    monkeypatch.setenv(rl.RSCRIPT_SETTING, str(tmp_path / "nowhere" / "Rscript"))
    with pytest.raises(ComponentError, match=f"{rl.RSCRIPT_SETTING} is set to .*nowhere.*, which "
                                             "is not an Rscript program"):
        _run({"dataset1": TYPED}, rl.DEFAULT_SCRIPT)


def test_rscript_setting_picks_the_program(monkeypatch):
    real = rl.rscript()
    monkeypatch.setenv("PATH", os.path.dirname(os.__file__))  # no R on PATH
    monkeypatch.setenv(rl.RSCRIPT_SETTING, real)
    out = _run({"dataset1": TYPED[["count"]]}, rl.DEFAULT_SCRIPT)
    assert out["result_dataset"]["count"].tolist() == [1, 2, 3]
