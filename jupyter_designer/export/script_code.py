"""The building blocks of the Python export: the error, what a generator returns and knows
(:class:`Step`, :class:`NodeCode`), the registry of generators (:data:`GENERATORS`,
:func:`generator`), literals and calls written as code, and learners written as the estimator
they build (:func:`render_estimator`)."""

from __future__ import annotations

import inspect
import keyword
import math
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from jupyter_designer.engine.errors import DesignerError

from . import script_helpers


class ExportError(DesignerError):
    """The pipeline cannot be exported in the format asked for."""


@dataclass
class Step:
    """What a generator returns: code lines, the helpers and imports they use, and the
    variable holding the node's metrics (printed at the end of the script)."""

    code: str
    helpers: tuple = ()
    imports: tuple = ()
    metrics: str | None = None


@dataclass
class DataFile:
    """A file the script reads, written next to it."""

    name: str
    write: Callable[[Path], None]


@dataclass
class NodeCode:
    """What a generator knows of its node: parameters (resolved), variable names of its
    inputs and outputs, the columns arriving at its input ports, upstream learners."""

    node: object
    spec: object
    params: dict
    inputs: dict                      # input port -> variable name
    outputs: dict                     # output port -> variable name
    schemas: dict                     # input port -> Schema | None
    values: dict                      # input port -> export-time value (untrained models)
    export: object                    # the script being written (python_script._Export)
    untrained: object = None          # a learner's untrained model
    sources: dict = field(default_factory=dict)   # input port -> (node id, output port)

    @property
    def title(self) -> str:
        return f"{self.node.title} [{self.node.id}]"

    def fail(self, message: str) -> ExportError:
        return ExportError(f"Cannot export node {self.title} to Python: {message}")

    def schema(self, port: str):
        schema = self.schemas.get(port)
        if schema is None:
            schema = self.export.run_schema(self.sources.get(port))
        if schema is None:
            raise self.fail(f"the columns arriving at its '{port}' input are not known before "
                            "running. Run the pipeline once and export the run instead.")
        return schema

    def columns(self, key: str, port: str) -> list:
        """The column names a column-selection parameter picks from the input's columns."""
        value = self.params[key]
        if isinstance(value, str) and self.schemas.get(port) is None \
                and self.export.run_schema(self.sources.get(port)) is None:
            return [value]  # a column named as such: known without the input's columns
        return list(self.spec.param(key).resolve(self.params[key], self.schema(port),
                                                 self.spec.name))

    def out(self, port: str | None = None) -> str:
        return self.outputs[port or self.spec.outputs[0].key]


GENERATORS: dict[str, Callable[[NodeCode], Step]] = {}


def generator(*component_ids: str):
    """Register a code generator for the components ``component_ids``."""
    def deco(fn):
        for cid in component_ids:
            GENERATORS[cid] = fn
        return fn
    return deco


def _lit(value) -> str:
    """A Python literal for ``value`` (numbers, text, lists, dicts)."""
    if isinstance(value, float):
        if math.isnan(value):
            return 'float("nan")'
        if math.isinf(value):
            return 'float("inf")' if value > 0 else '-float("inf")'
    if hasattr(value, "item") and not isinstance(value, (list, dict, tuple, str)):
        value = value.item()
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_lit(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _names_list(names, indent: int = 0, width: int = 95) -> str:
    """A list literal of column names, wrapped to ``width``."""
    one = _lit(list(names))
    if indent + len(one) <= width:
        return one
    lines, cur = [], ""
    for n in names:
        item = _lit(n) + ","
        if cur and len(cur) + 1 + len(item) > width - 4:
            lines.append(cur)
            cur = item
        else:
            cur = f"{cur} {item}" if cur else item
    lines.append(cur)
    return "[\n" + "".join(f"    {line}\n" for line in lines) + "]"


def _wrap_call(head: str, args: list[str], indent: int = 0, width: int = 95) -> str:
    one = f"{head}({', '.join(args)})"
    if indent + len(one) <= width or not args:
        return one
    pad = " " * (indent + 4)
    return f"{head}(\n" + "".join(f"{pad}{a},\n" for a in args) + " " * indent + ")"


# -- learners: the estimator a component builds, as code -------------------------------------
def _public_module(cls) -> str:
    """The shortest importable module path exposing ``cls`` (``sklearn.ensemble``)."""
    from importlib import import_module

    parts = cls.__module__.split(".")
    for i in range(1, len(parts) + 1):
        mod = ".".join(parts[:i])
        try:
            if getattr(import_module(mod), cls.__name__, None) is cls:
                return mod
        except ImportError:
            continue
    return cls.__module__


def render_estimator(est, imports: set, indent: int = 0, owner: str = "", add_source=None) -> str:
    """Code constructing ``est`` (a scikit-learn or LightGBM estimator) with the settings
    that differ from its class's defaults. An estimator class of the designer's own learners
    (:data:`OWN_ESTIMATOR_MODULES`) is copied into the script through ``add_source(name,
    code)``; without ``add_source`` it is refused."""
    cls = type(est)
    if cls.__module__.split(".")[0] == "jupyter_designer":
        if add_source is None or cls.__module__ not in OWN_ESTIMATOR_MODULES:
            raise ExportError(f"{owner or 'The learner'} builds {cls.__name__}, an estimator of "
                              "jupyter-designer itself, which a standalone script cannot use. "
                              "Export a pipeline with a scikit-learn or LightGBM learner.")
        add_source(cls.__name__, own_estimator_source(cls))
        for base in cls.__bases__:
            imports.add(f"from {_public_module(base)} import {base.__name__}")
    else:
        imports.add(f"from {_public_module(cls)} import {cls.__name__}")
    from sklearn.pipeline import Pipeline

    if isinstance(est, Pipeline):
        steps = [f"({name!r}, {render_estimator(step, imports, indent + 8, owner, add_source)})"
                 for name, step in est.steps]
        return "Pipeline([\n" + "".join(" " * (indent + 4) + s + ",\n" for s in steps) + \
            " " * indent + "])"
    try:
        defaults = {k: p.default for k, p in inspect.signature(cls.__init__).parameters.items()
                    if p.default is not inspect.Parameter.empty}
    except (TypeError, ValueError):
        defaults = {}
    args = []
    for key, value in sorted(est.get_params(deep=False).items()):
        if key in defaults and _same(value, defaults[key]):
            continue
        if hasattr(value, "get_params"):
            args.append(f"{key}={render_estimator(value, imports, indent + 4, owner, add_source)}")
        elif value is None or isinstance(value, (bool, int, float, str, tuple, list)):
            args.append(f"{key}={_lit(value)}")
        else:
            raise ExportError(f"{owner or 'The learner'}: the setting {key}={value!r} of "
                              f"{cls.__name__} cannot be written as code.")
    return _wrap_call(cls.__name__, args, indent)


#: modules whose estimator classes a script carries as their source (the designer's learners
#: built on numpy and scikit-learn only)
OWN_ESTIMATOR_MODULES = ("jupyter_designer.components.ml_algorithms",)
#: methods of those classes that serve the designer's endpoints only (ONNX conversion)
_ENDPOINT_METHODS = ("register_onnx_converter", "onnx_estimator")


def own_estimator_source(cls) -> str:
    """The source of one of the designer's estimator classes, for a script: without the
    methods that serve its endpoints."""
    import ast

    src = textwrap.dedent(inspect.getsource(cls)).rstrip()
    lines = src.splitlines()
    tree = ast.parse(src).body[0]
    drop = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in _ENDPOINT_METHODS:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            drop.update(range(start - 1, node.end_lineno))
    kept = [line for i, line in enumerate(lines) if i not in drop]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).rstrip()


def _same(a, b) -> bool:
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                       and not isinstance(a, bool) and not isinstance(b, bool)):
        return False
    try:
        return bool(a == b)
    except Exception:
        return False


def learner_code(untrained, imports: set, owner: str, overrides: dict | None = None,
                 add_source=None) -> str:
    """``{"task": ..., "make": lambda: Estimator(...)}`` for an untrained model."""
    try:
        est = untrained.make(overrides)
    except DesignerError:
        raise
    except Exception as exc:
        raise ExportError(f"{owner}: cannot build the learner {untrained.learner!r}: {exc}") from exc
    from jupyter_designer.components.python_language import PythonScriptModel

    if isinstance(est, PythonScriptModel):
        if add_source is None:
            raise ExportError(f"{owner}: a Create Python Model script can be exported only as "
                              "part of a whole pipeline.")
        name = python_model_name(est.python_script)
        add_source(name, "# the Create Python Model script as written in the designer\n"
                   + est.python_script.rstrip() + f"\n\n\n{name} = AzureMLModel")
        # its AzureMLModel does its own encoding: fit_learner and score_dataset hand it the
        # raw columns, as Train Model and Score Model do
        return f'{{"task": {untrained.task!r}, "python_model": True,\n "make": {name}}}'
    return (f'{{"task": {untrained.task!r},\n "make": lambda: '
            f'{render_estimator(est, imports, 1, owner, add_source)}}}')


def python_model_name(script: str) -> str:
    """The script's name of the AzureMLModel class of one Create Python Model script."""
    import hashlib

    return "AzureMLModel_" + hashlib.sha256(script.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def model_source(g: NodeCode) -> str | None:
    """The component id of the node whose output reaches the 'Trained model' input."""
    source = g.sources.get("trained_model")
    node = g.export.pipeline.nodes.get(source[0]) if source else None
    return node.spec.id if node is not None and node.kind != "dataset" else None


def one_input(g: NodeCode, port: str = "dataset") -> str:
    """The variable of the node's input ``port``, or an error saying to connect it."""
    if port not in g.inputs:
        raise g.fail(f"its '{port}' input is not connected.")
    return g.inputs[port]


def plain_source(src: str) -> str:
    """A component function's code without its run context, for a script: ``ctx`` arguments
    dropped, its errors raised as ``ValueError``, its log lines printed by ``log``."""
    src = textwrap.dedent(src).rstrip()
    src = src.replace("raise ctx.error(", "raise ValueError(").replace("ctx.log(", "log(")
    src = re.sub(r"\(ctx, ", "(", src)
    return re.sub(r", ctx(?=[,)])", "", src)


LOG_SOURCE = '''def log(message, *args):
    """What the component writes to its log, printed."""
    print(message % args)'''


# -- names of variables in the script ------------------------------------------------------------
_RESERVED = set(dir(script_helpers)) | {"np", "pd", "Path", "HERE", "METRICS", "print_metrics",
                                        "run_python_script"}
# modules a script may import: a node named like one must not hide it
_RESERVED |= set(sys.stdlib_module_names) | {
    "numpy", "pandas", "sklearn", "scipy", "lightgbm", "pyarrow", "simplemma", "stopwordsiso",
    "vowpalwabbit", "surprise", "torch", "torchvision", "PIL", "gensim"}


def _var(name: str) -> str:
    v = re.sub(r"\W+", "_", str(name)).strip("_") or "node"
    if v[0].isdigit():
        v = f"node_{v}"
    if keyword.iskeyword(v) or v in _RESERVED or v in dir(__builtins__):
        v = f"{v}_"
    return v
