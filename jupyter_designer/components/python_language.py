"""Python Language components: Execute Python Script and Create Python Model.

Scripts run in the node's process with the reference product's contract:

* Execute Python Script calls ``azureml_main(dataframe1, dataframe2)`` (``None`` for an
  unconnected port) and takes its return value, a sequence of one or two DataFrames, as the
  "Result dataset" and "Python device" outputs. ``print()`` writes to the node's log. A
  zip file (or folder) on the "Script bundle" port is unpacked into a folder named
  ``Script Bundle`` that is put on ``sys.path`` while the script runs; the script finds it
  as the global ``SCRIPT_BUNDLE`` too.
* Create Python Model takes a script defining ``class AzureMLModel`` with ``__init__``,
  ``train(df_train, df_label)`` and ``predict(df) -> DataFrame``. Its untrained model builds
  :class:`PythonScriptModel`, a scikit-learn compatible estimator running that class, so
  Train Model, Score Model, Cross Validate Model and Tune Model Hyperparameters accept it.

A failing script raises a :class:`ComponentError` naming the script's line and the error,
not the designer's own traceback; the script-only traceback goes to the node log.

A trained Python model holds an instance of a class that exists only in its script, so
skops cannot store it: the workspace keeps it in a pickle (which re-runs the script's
definitions on load) and loads it only in the workspace that wrote it.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import io
import linecache
import os
import shutil
import sys
import tempfile
import threading
import traceback
import zipfile

import numpy as np

from jupyter_designer.engine.component import component
from jupyter_designer.engine.errors import ComponentError
from jupyter_designer.engine.models import UntrainedModel
from jupyter_designer.engine.params import Enum, Script
from jupyter_designer.engine.ports import ANY, DATASET, UNTRAINED_MODEL, Port

CATEGORY = "Python Language"

DEFAULT_SCRIPT = '''\
# The script MUST contain a function named azureml_main
# which is the entry point for this component.

# imports up here can be used to
import pandas as pd

# The entry point function MUST have two input arguments.
# If the input port is not connected, the corresponding
# dataframe argument will be None.
#   Param<dataframe1>: a pandas.DataFrame
#   Param<dataframe2>: a pandas.DataFrame
def azureml_main(dataframe1 = None, dataframe2 = None):

    # Execution logic goes here
    print(f'Input pandas.DataFrame #1: {dataframe1}')

    # If a zip file is connected to the third input port,
    # it is unzipped under "./Script Bundle". This directory is added
    # to sys.path. Therefore, if your zip file contains a Python file
    # mymodule.py you can import it using:
    # import mymodule

    # Return value must be of a sequence of pandas.DataFrame
    # E.g.
    #   -  Single return value: return dataframe1,
    #   -  Two return values: return dataframe1, dataframe2
    return dataframe1,
'''

DEFAULT_MODEL_SCRIPT = '''\
# The script MUST define a class named AzureMLModel.
# This class MUST at least define the following three methods:
#     __init__: in which self.model must be assigned,
#     train: which trains self.model, the two input arguments must be pandas DataFrame,
#     predict: which generates prediction result, the input argument and the prediction
#              result MUST be pandas DataFrame.
# The signatures (method names and argument names) of all these methods MUST be exactly
# the same as the following example.

import pandas as pd
from sklearn.naive_bayes import GaussianNB


class AzureMLModel:
    # The __init__ method is only invoked in component "Create Python Model",
    # and will not be invoked again in the following components "Train Model" and "Score Model".
    # The attributes defined in the __init__ method are preserved and usable in the following two components.
    def __init__(self):
        # The AzureMLModel class can have any attributes, such as "model" here.
        self.model = GaussianNB()
        # Please specify feature column names in the following line.
        self.feature_column_names = list()

    # The "train" method is invoked in component "Train Model".
    # The parameter "df_train" is the dataframe of training features.
    # The parameter "df_label" is the dataframe of training labels.
    def train(self, df_train, df_label):
        # self.feature_column_names records the column names used for training.
        # It is recommended to set this attribute before training so that the
        # feature columns used in predict and train methods have the same names.
        self.feature_column_names = df_train.columns.tolist()
        self.model.fit(df_train, df_label.iloc[:, 0])

    # The "predict" method is invoked in component "Score Model".
    # The parameter "df" is the dataframe of the data to be scored.
    def predict(self, df):
        # The output of this method must be a pandas.DataFrame object.
        # The output DataFrame should have two columns named "Scored Labels" and
        # "Scored Probabilities" (classification) or only "Scored Labels" (regression).
        return pd.DataFrame(
            {'Scored Labels': self.model.predict(df[self.feature_column_names]),
             'Scored Probabilities': self.model.predict_proba(df[self.feature_column_names])[:, 1]}
        )
'''


# -- running a script -----------------------------------------------------------------
class ScriptError(ComponentError):
    """A user script failed; ``line`` is the script line (1-based) or ``None``."""

    def __init__(self, message: str, *, line: int | None = None, error_type: str = ""):
        super().__init__(message)
        self.line = line
        self.error_type = error_type


def _script_filename(source: str, what: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"<{what} {digest}>"


def _compile(source: str, filename: str, component: str, what: str):
    # Register the source so tracebacks of the script (in the node log) show its lines.
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    try:
        return compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        line = exc.lineno
        text = (exc.text or "").rstrip("\n")
        where = f" at line {line}" if line else ""
        shown = f"\n    {text.strip()}" if text.strip() else ""
        raise ScriptError(f"{component}: the {what} has a syntax error{where}: "
                          f"{type(exc).__name__}: {exc.msg}{shown}",
                          line=line, error_type=type(exc).__name__) from None


def _script_failure(exc: BaseException, filename: str, source: str, component: str,
                    what: str, during: str, logger=None) -> ScriptError:
    """A ScriptError naming the script line where ``exc`` was raised (or passed through)."""
    frames = traceback.extract_tb(exc.__traceback__)
    first = next((i for i, f in enumerate(frames) if f.filename == filename), None)
    script_frames = [f for f in frames if f.filename == filename]
    line = script_frames[-1].lineno if script_frames else None
    code = ""
    if line:
        src_lines = source.splitlines()
        if 0 < line <= len(src_lines):
            code = src_lines[line - 1].strip()
    kind = type(exc).__name__
    detail = str(exc)
    if isinstance(exc, SystemExit):
        detail = f"the script called exit({exc.code!r})" if exc.code is not None else \
            "the script called exit()"
    summary = f"{kind}: {detail}" if detail else kind
    where = f" at line {line}" if line else ""
    func = f" (in {script_frames[-1].name})" if script_frames and \
        script_frames[-1].name != "<module>" else ""
    message = f"{component}: the {what} failed{where}{func}{' ' + during if during else ''}: " \
        f"{summary}"
    if code:
        message += f"\n    {code}"
    if logger is not None and first is not None:
        # The user's traceback without the designer's frames around it.
        shown = traceback.format_list(frames[first:])
        text = "Traceback (most recent call last):\n" + "".join(shown) + \
            "".join(traceback.format_exception_only(type(exc), exc))
        logger.warning("%s", text.replace(filename, what))
    return ScriptError(message, line=line, error_type=kind)


def _in_script(exc: BaseException, ns: dict) -> bool:
    filename = ns.get("__designer_filename__")
    return any(f.filename == filename for f in traceback.extract_tb(exc.__traceback__))


def _load_namespace(source: str, component: str, what: str, logger=None) -> dict:
    """Execute ``source``'s top level and return its globals."""
    filename = _script_filename(source, what)
    code = _compile(source, filename, component, what)
    ns = {"__name__": "designer_script", "__builtins__": builtins, "__file__": filename}
    try:
        exec(code, ns)
    except (Exception, SystemExit) as exc:
        raise _script_failure(exc, filename, source, component, what,
                              "while running its top-level code", logger) from None
    ns["__designer_filename__"] = filename
    return ns


_BUNDLE_LOCK = threading.RLock()


@contextlib.contextmanager
def _script_bundle(bundle, component: str):
    """Unpack a script bundle (zip path, zip bytes or folder) onto ``sys.path``.

    Yields the bundle folder (or ``None``). ``sys.path`` is process-wide, so scripts with a
    bundle run one at a time; modules imported from the bundle are forgotten afterwards so
    the next run imports its own bundle's version.
    """
    if bundle is None:
        yield None
        return
    tmp = None
    try:
        if isinstance(bundle, (bytes, bytearray)):
            bundle = io.BytesIO(bytes(bundle))
            source_name = "the connected bytes"
        elif isinstance(bundle, (str, os.PathLike)):
            source_name = os.fspath(bundle)
            if os.path.isdir(source_name):
                folder = os.path.abspath(source_name)
            elif not os.path.exists(source_name):
                raise ComponentError(f"{component}: the script bundle {source_name!r} does not "
                                     "exist. Connect a .zip file (or a folder) of Python files.")
        else:
            raise ComponentError(
                f"{component}: the 'Script bundle' input must be the path of a .zip file or of a "
                f"folder. Got a {type(bundle).__name__} instead.")
        if not (isinstance(bundle, (str, os.PathLike)) and os.path.isdir(bundle)):
            if not zipfile.is_zipfile(bundle):
                raise ComponentError(f"{component}: the script bundle {source_name!r} is not a "
                                     "zip file. Zip the Python files and connect the .zip file.")
            tmp = tempfile.mkdtemp(prefix="designer-bundle-")
            folder = os.path.join(tmp, "Script Bundle")
            with zipfile.ZipFile(bundle) as zf:
                zf.extractall(folder)  # extractall drops absolute and '..' member paths
        with _BUNDLE_LOCK:
            before = set(sys.modules)
            sys.path.insert(0, folder)
            try:
                yield folder
            finally:
                with contextlib.suppress(ValueError):
                    sys.path.remove(folder)
                for name in set(sys.modules) - before:
                    mod = sys.modules.get(name)
                    path = getattr(mod, "__file__", None) or ""
                    if path and os.path.abspath(path).startswith(folder + os.sep):
                        del sys.modules[name]
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _check_result_frame(value, position: str, component: str):
    import pandas as pd

    if not isinstance(value, pd.DataFrame):
        hint = " (use .to_frame() to turn a Series into a DataFrame)" \
            if isinstance(value, pd.Series) else ""
        raise ComponentError(
            f"{component}: azureml_main must return a sequence of pandas.DataFrame, e.g. "
            f"`return dataframe1,`; its {position} value is a {type(value).__name__}{hint}.")
    names = list(value.columns)
    if any(not isinstance(n, str) for n in names):
        value = value.set_axis([str(n) for n in names], axis=1)
        names = list(value.columns)
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        raise ComponentError(
            f"{component}: the {position} DataFrame returned by azureml_main has duplicate "
            f"column names {', '.join(repr(d) for d in dups)}; rename them.")
    return value


def _unpack_result(result, component: str):
    import pandas as pd

    if isinstance(result, pd.DataFrame):
        return _check_result_frame(result, "first", component), None
    if result is None:
        raise ComponentError(f"{component}: azureml_main returned None; it must return a "
                             "sequence of one or two pandas.DataFrame, e.g. `return dataframe1,`.")
    if not isinstance(result, (tuple, list)):
        raise ComponentError(
            f"{component}: azureml_main must return a sequence of one or two pandas.DataFrame, "
            f"e.g. `return dataframe1,` or `return dataframe1, dataframe2`; it returned a "
            f"{type(result).__name__}.")
    if not 1 <= len(result) <= 2:
        raise ComponentError(
            f"{component}: azureml_main must return one or two pandas.DataFrame (the Result "
            f"dataset and the Python device output); it returned {len(result)} values.")
    first = _check_result_frame(result[0], "first", component)
    second = None
    if len(result) == 2 and result[1] is not None:
        second = _check_result_frame(result[1], "second", component)
    return first, second


def execute_script(source: str, dataframe1=None, dataframe2=None, *, bundle=None,
                   component: str = "Execute Python Script", logger=None):
    """Run an Execute Python Script script; returns the (Result dataset, Python device) pair."""
    import inspect

    import pandas as pd

    what = "Python script"
    # Scripts add and drop columns in place: give them their own frame objects (shallow,
    # copy-on-write copies) so the upstream outputs stay as they were.
    if isinstance(dataframe1, pd.DataFrame):
        dataframe1 = dataframe1.copy(deep=False)
    if isinstance(dataframe2, pd.DataFrame):
        dataframe2 = dataframe2.copy(deep=False)
    with _script_bundle(bundle, component) as folder:
        ns = _load_namespace(source, component, what, logger)
        ns["SCRIPT_BUNDLE"] = folder
        main = ns.get("azureml_main")
        if not callable(main):
            raise ComponentError(f"{component}: the Python script must define a function named "
                                 "azureml_main(dataframe1 = None, dataframe2 = None), the entry "
                                 "point of the component.")
        try:
            inspect.signature(main).bind(dataframe1, dataframe2)
        except TypeError:
            raise ComponentError(f"{component}: azureml_main must take two arguments "
                                 "(dataframe1 = None, dataframe2 = None), even when they are "
                                 "unused.") from None
        except ValueError:  # no signature (a builtin): just call it
            pass
        try:
            result = main(dataframe1, dataframe2)
        except (Exception, SystemExit) as exc:
            raise _script_failure(exc, ns["__designer_filename__"], source, component, what,
                                  "" if _in_script(exc, ns) else "when azureml_main was called",
                                  logger) from None
    first, second = _unpack_result(result, component)
    return first, (second if second is not None else pd.DataFrame())


@component(
    "Execute Python Script", category=CATEGORY,
    inputs=[Port("dataset1", DATASET, "Dataset1", optional=True,
                 description="Passed to azureml_main as dataframe1"),
            Port("dataset2", DATASET, "Dataset2", optional=True,
                 description="Passed to azureml_main as dataframe2"),
            Port("script_bundle", ANY, "Script bundle", optional=True,
                 description="A .zip file (path) of Python modules and files the script uses")],
    outputs=[Port("result_dataset", DATASET, "Result dataset"),
             Port("python_device", DATASET, "Python device",
                  description="The second DataFrame returned by azureml_main (empty if none)")],
    params=[Script("python_script", "Python script", default=DEFAULT_SCRIPT, language="python",
                   allow_empty=False,
                   description="Defines azureml_main(dataframe1, dataframe2) returning a "
                               "sequence of one or two DataFrames")],
)
def execute_python_script(ctx, inputs, params):
    """Runs Python code: azureml_main(dataframe1, dataframe2) returns the output tables."""
    first, second = execute_script(params["python_script"], inputs.get("dataset1"),
                                   inputs.get("dataset2"), bundle=inputs.get("script_bundle"),
                                   component=ctx.component, logger=ctx.logger)
    return {"result_dataset": first, "python_device": second}


# -- Create Python Model --------------------------------------------------------------------
MODEL_TASKS = {"Two-class classification": "binary", "Multiclass classification": "multiclass",
               "Regression": "regression"}
_MODEL_WHAT = "Python model script"


def _model_class(source: str, component: str, logger=None):
    ns = _load_namespace(source, component, _MODEL_WHAT, logger)
    cls = ns.get("AzureMLModel")
    if not isinstance(cls, type):
        raise ComponentError(f"{component}: the script must define a class named AzureMLModel "
                             "with the methods __init__(self), train(self, df_train, df_label) "
                             "and predict(self, df).")
    missing = [m for m in ("train", "predict") if not callable(getattr(cls, m, None))]
    if missing:
        raise ComponentError(f"{component}: the AzureMLModel class must define "
                             f"{' and '.join(m + '()' for m in missing)}: train(self, df_train, "
                             "df_label) and predict(self, df) returning a pandas.DataFrame.")
    return cls, ns["__designer_filename__"]


class PythonScriptModel:
    """A scikit-learn compatible estimator running a Create Python Model script.

    ``fit(X, y)`` creates ``AzureMLModel()`` and calls ``train(X, y as a one-column
    DataFrame)``; ``predict(X)`` returns the DataFrame of ``AzureMLModel.predict`` (its columns
    become the score columns, e.g. "Scored Labels" and "Scored Probabilities"). It takes the raw
    feature DataFrame (``accepts_dataframe``): the script does its own encoding.

    Pickling keeps the script and the instance's attributes; unpickling runs the script's
    definitions again to recreate its class.
    """

    accepts_dataframe = True
    _component = "Python model"

    def __init__(self, python_script: str = DEFAULT_MODEL_SCRIPT, task: str = "binary"):
        self.python_script = python_script
        self.task = task

    # scikit-learn's estimator protocol (clone, get_params) without subclassing BaseEstimator,
    # whose pickling hooks would bypass ours.
    def get_params(self, deep: bool = True) -> dict:
        return {"python_script": self.python_script, "task": self.task}

    def set_params(self, **params):
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def _call(self, method: str, during: str, *args):
        try:
            return getattr(self.model_, method)(*args)
        except (Exception, SystemExit) as exc:
            raise _script_failure(exc, self._filename, self.python_script, self._component,
                                  _MODEL_WHAT, during) from None

    def fit(self, X, y=None):
        import pandas as pd

        cls, self._filename = _model_class(self.python_script, self._component)
        try:
            self.model_ = cls()
        except (Exception, SystemExit) as exc:
            raise _script_failure(exc, self._filename, self.python_script, self._component,
                                  _MODEL_WHAT, "while creating AzureMLModel()") from None
        if y is None:
            label = None
        elif isinstance(y, pd.Series):
            label = y.to_frame()
        else:
            label = pd.DataFrame({"label": np.asarray(y)})
        self._call("train", "while training", X, label)
        if self.task in ("binary", "multiclass") and y is not None:
            self.classes_ = np.unique(np.asarray(y))
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        import pandas as pd

        if not hasattr(self, "model_"):
            raise ComponentError(f"{self._component}: the model is not trained; connect it to "
                                 "Train Model first.")
        out = self._call("predict", "while scoring", X)
        if isinstance(out, pd.Series):
            out = out.to_frame("Scored Labels")
        if not isinstance(out, pd.DataFrame):
            raise ComponentError(f"{self._component}: AzureMLModel.predict must return a "
                                 f"pandas.DataFrame (e.g. with a 'Scored Labels' column); it "
                                 f"returned a {type(out).__name__}.")
        if len(out) != len(X):
            raise ComponentError(f"{self._component}: AzureMLModel.predict returned {len(out)} "
                                 f"rows for {len(X)} rows to score.")
        clash = [c for c in out.columns if c in X.columns]
        if clash:
            raise ComponentError(f"{self._component}: the columns returned by AzureMLModel.predict "
                                 f"({', '.join(repr(c) for c in clash)}) must differ from the "
                                 "input columns; name them e.g. 'Scored Labels'.")
        return out.reset_index(drop=True)

    # Pickling (and copies, and process / Dask backends) go through __reduce__: the script
    # and the attribute values of its AzureMLModel instance; loading runs the script's
    # definitions again. skops asks for __getstate__ instead, which refuses, so the workspace
    # falls back to a pickle that only the workspace that wrote it loads: running a script
    # must never be what loading a skops file does.
    def __reduce__(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("model_", "_filename")}
        if "model_" in self.__dict__:
            state["model_state_"] = dict(self.model_.__dict__)
        return (_restore_python_model, (state,))

    def __getstate__(self):
        raise TypeError("a Python model holds an instance of a class defined by its script; "
                        "it can only be pickled, not stored with skops")

    def __repr__(self) -> str:
        return f"PythonScriptModel(task={self.task!r})"


def _restore_python_model(state: dict) -> PythonScriptModel:
    state = dict(state)
    model_state = state.pop("model_state_", None)
    est = PythonScriptModel.__new__(PythonScriptModel)
    est.__dict__.update(state)
    if model_state is not None:
        cls, est._filename = _model_class(est.python_script, est._component)
        model = cls.__new__(cls)
        model.__dict__.update(model_state)
        est.model_ = model
    return est


def build_python_model(params: dict, seed: int) -> PythonScriptModel:
    """The estimator of a Create Python Model untrained model (``UntrainedModel.factory``)."""
    del seed  # the script seeds its own learner
    return PythonScriptModel(params["python_script"], params.get("task", "binary"))


@component(
    "Create Python Model", category=CATEGORY,
    outputs=[Port("untrained_model", UNTRAINED_MODEL, "Untrained model")],
    params=[Script("python_script", "Python script", default=DEFAULT_MODEL_SCRIPT,
                   language="python", allow_empty=False,
                   description="Defines class AzureMLModel with __init__, train(df_train, "
                               "df_label) and predict(df) -> DataFrame"),
            Enum("task", "Task", default="Two-class classification", choices=tuple(MODEL_TASKS),
                 description="What the model predicts, so Score Model and Evaluate Model know "
                             "how to read its output")],
    learner=True,
)
def create_python_model(ctx, inputs, params):
    """Creates an untrained model from a Python script defining class AzureMLModel."""
    source = params["python_script"]
    cls, filename = _model_class(source, ctx.component, ctx.logger)
    try:  # the reference runs __init__ here: report its errors before training
        cls()
    except (Exception, SystemExit) as exc:
        raise _script_failure(exc, filename, source, ctx.component, _MODEL_WHAT,
                              "while creating AzureMLModel()", ctx.logger) from None
    task = MODEL_TASKS[params["task"]]
    return {"untrained_model": UntrainedModel(
        learner="Create Python Model", task=task,
        params={"python_script": source, "task": task}, grid={}, seed=ctx.seed,
        factory=f"{__name__}.build_python_model")}


# -- examples ---------------------------------------------------------------------------------
_EXAMPLE_SCRIPT = '''\
import pandas as pd

def azureml_main(dataframe1 = None, dataframe2 = None):
    print(f"rows: {len(dataframe1)}")
    dataframe1["ratio"] = dataframe1["a"] / dataframe1["b"]
    summary = pd.DataFrame({"rows": [len(dataframe1)], "mean_ratio": [dataframe1["ratio"].mean()]})
    return dataframe1, summary
'''


def _example_frame():
    import pandas as pd

    return pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 2.0, 4.0, 5.0],
                         "name": ["w", "x", "y", "z"]})


EXAMPLES = {
    "execute_python_script": lambda: ({"dataset1": _example_frame()},
                                      {"python_script": _EXAMPLE_SCRIPT}),
    "create_python_model": lambda: ({}, {"task": "Two-class classification"}),
}
