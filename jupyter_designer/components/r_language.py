"""R Language: Execute R Script.

The script runs in R (``Rscript``, e.g. from Debian's ``r-base-core``) with the reference
product's contract::

    azureml_main <- function(dataframe1, dataframe2){
      ...
      return(list(dataset1=dataframe1, dataset2=dataframe2))
    }

``dataframe1``/``dataframe2`` are the connected datasets (``NULL`` when a port is not
connected); the returned list's ``dataset1`` and ``dataset2`` become the "Result Dataset" and
"Result Dataset2" outputs. What the script prints goes to the node log.

Tables travel through CSV files in a temporary folder, each with a file of column types, so
types are kept both ways: integers (R's 32-bit integers; larger ones travel as numeric),
doubles (17 significant digits, Inf and NaN kept), logicals, strings, factors (pandas
categories) and date-times (UTC). Missing values travel as ``NA``; as with R's own
``read.csv``, a string that is exactly ``NA`` arrives as missing. Only base R is used, so no
CRAN package has to be installed.

A failing script raises an error naming the script line R reports (a syntax error's line, or
the line of the call that failed); R missing gives a message saying how to install it.
Which ``Rscript`` runs: ``$JUPYTER_DESIGNER_RSCRIPT`` if set, else the one on ``PATH``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.errors import ComponentError
from jupyter_designer.engine.params import Int, Script
from jupyter_designer.engine.ports import ANY, DATASET, Port

CATEGORY = "R Language"
RSCRIPT_SETTING = "JUPYTER_DESIGNER_RSCRIPT"
INSTALL_R = ("Install R, e.g. `apt-get install -y r-base-core` on Debian or Ubuntu, or set "
             f"{RSCRIPT_SETTING} to the path of an Rscript program, then run the node again.")

DEFAULT_SCRIPT = '''\
# R version: 4.2
# The script MUST contain a function named azureml_main,
# which is the entry point for this component.

# Please note that functions dependent on X11 library,
# such as "View", are not supported because X11 library
# is not pre-installed.

# The entry point function MUST have two input arguments.
# If the input port is not connected, the corresponding
# dataframe argument will be NULL.
#   Param<dataframe1>: a R DataFrame
#   Param<dataframe2>: a R DataFrame
azureml_main <- function(dataframe1, dataframe2){
  print("R script run.")

  # If a zip file is connected to the third input port, it is
  # unzipped under "./Script Bundle". This directory is the
  # working directory's subfolder, so you can source a file:
  # source("./Script Bundle/my_functions.R")

  # Return datasets as a Named List
  return(list(dataset1=dataframe1, dataset2=dataframe2))
}
'''

# The driver: reads the inputs, runs the script, checks and writes the result. Its own
# names start with ".designer" so they do not collide with the script's.
_DRIVER = r'''
.designer_dir <- commandArgs(trailingOnly = TRUE)[1]
.designer_path <- function(name) file.path(.designer_dir, name)
.designer_fail <- function(line, message) {
  writeLines(c(as.character(line), message), .designer_path("error.txt"), useBytes = TRUE)
  quit(save = "no", status = 3)
}
.designer_read <- function(name) {
  if (!file.exists(.designer_path(paste0(name, ".csv")))) return(NULL)
  types <- readLines(.designer_path(paste0(name, ".types")), encoding = "UTF-8")
  if (length(types) == 0) return(data.frame())
  classes <- ifelse(types %in% c("integer", "numeric", "logical", "factor"), types, "character")
  df <- utils::read.csv(.designer_path(paste0(name, ".csv")), colClasses = classes,
                        na.strings = "NA", check.names = FALSE, encoding = "UTF-8",
                        stringsAsFactors = FALSE)
  for (j in which(types == "POSIXct")) {
    df[[j]] <- as.POSIXct(df[[j]], format = "%Y-%m-%dT%H:%M:%OS", tz = "UTC")
  }
  df
}
.designer_write <- function(df, name) {
  types <- vapply(df, function(col) {
    if (inherits(col, "POSIXt")) "POSIXct" else if (inherits(col, "Date")) "Date"
    else if (is.factor(col)) "factor" else if (is.logical(col)) "logical"
    else if (is.integer(col)) "integer" else if (is.numeric(col)) "numeric" else "character"
  }, "")
  out <- df
  for (j in seq_along(out)) {
    col <- df[[j]]
    if (types[j] == "numeric") {
      text <- sprintf("%.17g", col)
      text[is.na(col) & !is.nan(col)] <- NA
      out[[j]] <- text
    } else if (types[j] == "POSIXct") {
      out[[j]] <- format(col, "%Y-%m-%dT%H:%M:%OS6", tz = "UTC")
    } else if (types[j] == "Date") {
      out[[j]] <- format(col, "%Y-%m-%d")
    } else if (!is.atomic(col) || !is.null(dim(col))) {
      .designer_fail("", paste0("column '", names(df)[j], "' of ", name, " is not a plain ",
                                "vector (it is a ", class(col)[1], "); return atomic columns."))
    } else {
      out[[j]] <- as.character(col)
    }
  }
  utils::write.csv(out, .designer_path(paste0(name, ".csv")), row.names = FALSE, na = "NA",
                   fileEncoding = "UTF-8")
  writeLines(unname(types), .designer_path(paste0(name, ".types")), useBytes = TRUE)
}
.designer_line <- function() {
  line <- ""
  for (cl in sys.calls()) {
    sr <- attr(cl, "srcref")
    if (!is.null(sr) && identical(attr(sr, "srcfile")$filename, .designer_script)) line <- sr[1]
  }
  line
}
.designer_script <- .designer_path("script.R")
.designer_exprs <- tryCatch(parse(file = .designer_script, keep.source = TRUE, encoding = "UTF-8"),
  error = function(e) {
    msg <- conditionMessage(e)
    m <- regmatches(msg, regexec("script\\.R:([0-9]+):", msg))[[1]]
    msg <- sub("^[^:]*script\\.R:", "", msg)
    .designer_fail(if (length(m) > 1) m[2] else "", paste("syntax error:", msg))
  })
.designer_seed <- Sys.getenv("DESIGNER_R_SEED")
if (nzchar(.designer_seed)) set.seed(as.integer(.designer_seed))
dataframe1 <- .designer_read("input1")
dataframe2 <- .designer_read("input2")
.designer_handler <- function(e) .designer_fail(.designer_line(), conditionMessage(e))
.designer_srcrefs <- attr(.designer_exprs, "srcref")
for (.designer_i in seq_along(.designer_exprs)) {
  .designer_top <- .designer_srcrefs[[.designer_i]][1]
  withCallingHandlers(eval(.designer_exprs[[.designer_i]], globalenv()),
    error = function(e) {
      line <- .designer_line()
      .designer_fail(if (nzchar(line)) line else .designer_top, conditionMessage(e))
    })
}
if (!exists("azureml_main", mode = "function")) {
  .designer_fail("", paste("the R script must define a function named azureml_main",
                           "<- function(dataframe1, dataframe2){ ... }, the entry point of",
                           "the component."))
}
.designer_result <- withCallingHandlers(azureml_main(dataframe1, dataframe2),
                                        error = .designer_handler)
if (is.data.frame(.designer_result)) .designer_result <- list(dataset1 = .designer_result)
if (!is.list(.designer_result)) {
  .designer_fail("", paste0("azureml_main must return a named list, e.g. ",
                            "return(list(dataset1=dataframe1, dataset2=dataframe2)); it returned ",
                            "a ", class(.designer_result)[1], "."))
}
for (.designer_name in c("dataset1", "dataset2")) {
  .designer_value <- .designer_result[[.designer_name]]
  if (is.null(.designer_value)) next
  if (!is.data.frame(.designer_value)) {
    .designer_value <- tryCatch(as.data.frame(.designer_value), error = function(e) NULL)
    if (is.null(.designer_value)) {
      .designer_fail("", paste0("the ", .designer_name, " element returned by azureml_main must ",
                                "be a data frame; it is a ",
                                class(.designer_result[[.designer_name]])[1], "."))
    }
  }
  .designer_write(.designer_value, .designer_name)
}
'''


def rscript() -> str:
    """The Rscript program to run, or a ComponentError saying how to get one."""
    given = os.environ.get(RSCRIPT_SETTING)
    if given:
        path = shutil.which(given)
        if path is None:
            raise ComponentError(f"Execute R Script needs R: {RSCRIPT_SETTING} is set to "
                                 f"{given!r}, which is not an Rscript program. {INSTALL_R}")
        return path
    path = shutil.which("Rscript")
    if path is None:
        raise ComponentError(f"Execute R Script needs R, which is not installed here (no "
                             f"Rscript program on PATH). {INSTALL_R}")
    return path


# -- tables to and from R -------------------------------------------------------------------
_INT32 = 2 ** 31 - 1


def _r_type(s: pd.Series) -> str:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return "factor"
    if pd.api.types.is_bool_dtype(s):
        return "logical"
    if pd.api.types.is_integer_dtype(s):
        v = s.dropna()
        return "integer" if v.empty or (v.abs().max() <= _INT32) else "numeric"
    if pd.api.types.is_numeric_dtype(s):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "POSIXct"
    return "character"


def _write_table(df: pd.DataFrame, folder: str, name: str) -> None:
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        raise ComponentError(f"Execute R Script: the dataset for {name} has duplicate column "
                             "names; rename them before the script.")
    types, cols = [], {}
    for c, key in zip(df.columns, names):
        s = df[c]
        t = _r_type(s)
        types.append(t)
        if t == "numeric":
            v = s.astype("float64")
            text = v.map(lambda x: "Inf" if x == np.inf else "-Inf" if x == -np.inf
                         else repr(float(x)))
            text[v.isna()] = None
            cols[key] = text
        elif t == "logical":
            cols[key] = s.map(lambda x: None if pd.isna(x) else ("TRUE" if x else "FALSE"))
        elif t == "POSIXct":
            v = pd.to_datetime(s)
            if getattr(v.dt, "tz", None) is not None:
                v = v.dt.tz_convert("UTC").dt.tz_localize(None)
            cols[key] = v.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").where(v.notna(), None)
        else:
            cols[key] = s.astype(object).where(s.notna(), None).map(
                lambda x: x if x is None else str(x))
    out = pd.DataFrame(cols, columns=names)
    out.to_csv(os.path.join(folder, f"{name}.csv"), index=False, na_rep="NA", encoding="utf-8")
    with open(os.path.join(folder, f"{name}.types"), "w", encoding="utf-8") as f:
        f.write("".join(t + "\n" for t in types))


def _read_table(folder: str, name: str) -> pd.DataFrame | None:
    path = os.path.join(folder, f"{name}.csv")
    if not os.path.exists(path):
        return None
    with open(os.path.join(folder, f"{name}.types"), encoding="utf-8") as f:
        types = f.read().split()
    if not types:
        return pd.DataFrame()
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=["NA"], encoding="utf-8")
    out = {}
    for c, t in zip(raw.columns, types):
        s = raw[c]
        if t == "integer":
            v = pd.to_numeric(s).astype("Int64")
            out[c] = v.astype("int64") if not v.isna().any() else v
        elif t == "numeric":
            out[c] = s.map(lambda x: np.nan if pd.isna(x) else float(x.replace("Inf", "inf")))
            out[c] = out[c].astype("float64")
        elif t == "logical":
            v = s.map({"TRUE": True, "FALSE": False})
            out[c] = v.astype(bool) if not v.isna().any() else v.astype("boolean")
        elif t == "factor":
            out[c] = s.astype("category")
        elif t in ("POSIXct", "Date"):
            out[c] = pd.to_datetime(s, format="ISO8601")
        else:  # pandas' own string type for text (str in pandas 3, object before)
            out[c] = pd.Series(s.astype(object).where(s.notna(), None).tolist(), index=s.index)
    return pd.DataFrame(out, columns=list(raw.columns))


def _unpack_bundle(bundle, folder: str) -> None:
    target = os.path.join(folder, "Script Bundle")
    if isinstance(bundle, (str, os.PathLike)) and os.path.isdir(bundle):
        shutil.copytree(bundle, target)
        return
    if not isinstance(bundle, (str, os.PathLike, bytes)) or \
            (isinstance(bundle, (str, os.PathLike)) and not os.path.exists(bundle)):
        raise ComponentError(f"Execute R Script: the script bundle {bundle!r} is not a .zip file "
                             "or folder that exists. Connect a .zip file of R files.")
    import io

    source = io.BytesIO(bundle) if isinstance(bundle, bytes) else bundle
    if not zipfile.is_zipfile(source):
        raise ComponentError(f"Execute R Script: the script bundle {bundle!r} is not a zip file.")
    with zipfile.ZipFile(source) as zf:
        zf.extractall(target)


def run_r_script(source: str, dataframe1=None, dataframe2=None, *, bundle=None, seed=None,
                 component: str = "Execute R Script", logger=None):
    """Run ``source``'s azureml_main in R; returns the (Result Dataset, Result Dataset2) pair
    (an empty DataFrame for an element the script did not return)."""
    program = rscript()
    folder = tempfile.mkdtemp(prefix="designer-r-")
    try:
        with open(os.path.join(folder, "script.R"), "w", encoding="utf-8") as f:
            f.write(source if source.endswith("\n") else source + "\n")
        with open(os.path.join(folder, "driver.R"), "w", encoding="utf-8") as f:
            f.write(_DRIVER)
        for name, df in (("input1", dataframe1), ("input2", dataframe2)):
            if df is not None:
                if not isinstance(df, pd.DataFrame):
                    raise ComponentError(f"{component}: the Dataset{name[-1]} input must be a "
                                         f"dataset; got {type(df).__name__}.")
                _write_table(df, folder, name)
        if bundle is not None:
            _unpack_bundle(bundle, folder)
        env = {**os.environ, "DESIGNER_R_SEED": "" if seed is None else str(int(seed))}
        proc = subprocess.run([program, "--vanilla", os.path.join(folder, "driver.R"), folder],
                              cwd=folder, env=env, capture_output=True, text=True,
                              encoding="utf-8", errors="replace")
        for stream, level in ((proc.stdout, "info"), (proc.stderr, "warning")):
            if stream.strip() and logger is not None:
                getattr(logger, level)("%s", stream.rstrip())
        error_file = os.path.join(folder, "error.txt")
        if os.path.exists(error_file):
            with open(error_file, encoding="utf-8", errors="replace") as f:
                line, *message = f.read().split("\n")
            text = "\n".join(message).strip()
            where = f" at line {line}" if line.strip() else ""
            code = ""
            if line.strip().isdigit():
                lines = source.splitlines()
                n = int(line)
                if 0 < n <= len(lines):
                    code = f"\n    {lines[n - 1].strip()}"
            raise ComponentError(f"{component}: the R script failed{where}: {text}{code}")
        if proc.returncode != 0:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
            raise ComponentError(f"{component}: R stopped with exit status {proc.returncode}: "
                                 f"{tail or 'no message'}")
        first = _read_table(folder, "dataset1")
        second = _read_table(folder, "dataset2")
        return (first if first is not None else pd.DataFrame(),
                second if second is not None else pd.DataFrame())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@component(
    "Execute R Script", category=CATEGORY,
    inputs=[Port("dataset1", DATASET, "Dataset1", optional=True,
                 description="Passed to azureml_main as dataframe1"),
            Port("dataset2", DATASET, "Dataset2", optional=True,
                 description="Passed to azureml_main as dataframe2"),
            Port("script_bundle", ANY, "Script Bundle", optional=True,
                 description="A .zip file (path) of R files, unzipped under ./Script Bundle")],
    outputs=[Port("result_dataset", DATASET, "Result Dataset",
                  description="The dataset1 element of the list azureml_main returns"),
             Port("result_dataset2", DATASET, "Result Dataset2",
                  description="The dataset2 element (empty if none)")],
    params=[Script("r_script", "R Script", default=DEFAULT_SCRIPT, language="r", allow_empty=False,
                   description="Defines azureml_main <- function(dataframe1, dataframe2) "
                               "returning list(dataset1=..., dataset2=...)"),
            Int("random_seed", "Random Seed", default=None, required=False, min=0, max=_INT32,
                description="Passed to set.seed() before the script runs")],
)
def execute_r_script(ctx, inputs, params):
    """Runs R code: azureml_main(dataframe1, dataframe2) returns the output tables."""
    first, second = run_r_script(params["r_script"], inputs.get("dataset1"), inputs.get("dataset2"),
                                 bundle=inputs.get("script_bundle"), seed=params.get("random_seed"),
                                 component=ctx.component, logger=ctx.logger)
    ctx.log("R returned %d and %d rows", len(first), len(second))
    return {"result_dataset": first, "result_dataset2": second}


# -- examples -------------------------------------------------------------------------------------
_EXAMPLE_SCRIPT = '''\
azureml_main <- function(dataframe1, dataframe2){
  dataframe1$ratio <- dataframe1$a / dataframe1$b
  summary <- data.frame(rows = nrow(dataframe1), mean_ratio = mean(dataframe1$ratio))
  return(list(dataset1=dataframe1, dataset2=summary))
}
'''

EXAMPLES = {
    "execute_r_script": lambda: (
        {"dataset1": pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 2.0, 4.0, 5.0],
                                   "name": ["w", "x", "y", "z"]})},
        {"r_script": _EXAMPLE_SCRIPT}),
}
