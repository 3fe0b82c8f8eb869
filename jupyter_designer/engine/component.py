"""Component specifications, the registry, and the decorators that declare components.

A built-in component is a function ``run(ctx, inputs, params)`` declared with
:func:`component`: its ports and parameters are data, so validation, the palette, the
properties panel, the CLI listing and the REST schema all read the same declaration.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import re
import threading
import typing
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from .errors import ComponentError, NotFoundError, ParameterError
from .params import Bool, Columns, Float, Int, Param, String, resolve_params
from .ports import ANY, DATASET, Port
from .schema import Schema

#: Palette categories, in the reference product's order.
CATEGORIES = (
    "Data Input and Output", "Data Transformation", "Feature Selection",
    "Statistical Functions", "Machine Learning Algorithms", "Model Training",
    "Model Scoring & Evaluation", "Python Language", "R Language", "Text Analytics",
    "Recommendation", "Computer Vision", "Web Service", "User Components",
)

#: what ``pip install`` adds the optional libraries of a component group
INSTALL_EXTRAS = {
    "text": "pip install 'jupyter-designer[text]'",
    "vision": "pip install 'jupyter-designer[vision]'",
    "recommenders": "pip install 'jupyter-designer[recommenders]'",
}


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@dataclass
class ComponentSpec:
    """Everything the designer knows about one component."""

    id: str
    name: str
    category: str
    run: Callable
    inputs: Sequence[Port] = ()
    outputs: Sequence[Port] = ()
    params: Sequence[Param] = ()
    version: str = "1"
    description: str = ""
    subcategory: str = ""
    schema: Callable | None = None
    #: removed when deriving an inference pipeline (Train Model, Split Data, Evaluate ...)
    training_only: bool = False
    #: output port carrying a fitted transformation (becomes a TD- node in inference)
    transformation_output: str | None = None
    #: output port carrying a trained model (becomes an MD- node in inference)
    model_output: str | None = None
    #: learners, whose untrained model is an input of Train Model
    learner: bool = False
    deterministic: bool = True
    user: bool = False
    extra: dict = field(default_factory=dict)
    #: importable modules the component needs beyond the main install (e.g. ``("gensim",)``)
    requires: Sequence[str] = ()
    #: the optional extra that installs them (a key of :data:`INSTALL_EXTRAS`)
    install_extra: str = ""

    def __post_init__(self):
        self.inputs = tuple(self.inputs)
        self.outputs = tuple(self.outputs)
        self.params = tuple(self.params)
        for group, what in ((self.inputs, "input"), (self.outputs, "output"), (self.params, "parameter")):
            keys = [x.key for x in group]
            if len(keys) != len(set(keys)):
                raise ValueError(f"{self.name}: duplicate {what} keys {keys}")

    # -- optional libraries ---------------------------------------------------------------
    def missing_requirements(self) -> list[str]:
        """The modules of :attr:`requires` that cannot be imported here."""
        return [m for m in self.requires if not _importable(m)]

    def install_hint(self) -> str:
        return INSTALL_EXTRAS.get(self.install_extra, "pip install " + " ".join(self.requires))

    def check_available(self) -> None:
        """Raise a clear error naming the install command when a required library is missing."""
        missing = self.missing_requirements()
        if missing:
            raise ComponentError(
                f"{self.name} needs {', '.join(missing)}, which is not installed. "
                f"Install it with `{self.install_hint()}` and restart the kernel.")

    # -- lookups -----------------------------------------------------------------------
    def input(self, key_or_label: str) -> Port:
        return self._port(self.inputs, key_or_label, "input")

    def output(self, key_or_label: str) -> Port:
        return self._port(self.outputs, key_or_label, "output")

    def _port(self, ports, key, what) -> Port:
        for p in ports:
            if p.key == key:
                return p
        for p in ports:
            if p.label.lower() == str(key).lower() or slug(p.label) == slug(str(key)):
                return p
        from .errors import PortError
        raise PortError(f"{self.name} has no {what} port {key!r}. Its {what} ports are: "
                        f"{', '.join(repr(p.label) for p in ports) or '(none)'}.")

    def param(self, key_or_label: str) -> Param:
        for p in self.params:
            if p.key == key_or_label:
                return p
        for p in self.params:
            if p.label.lower() == str(key_or_label).lower() or slug(p.label) == slug(str(key_or_label)):
                return p
        raise ParameterError(f"{self.name} has no parameter {key_or_label!r}. Its parameters are: "
                             f"{', '.join(p.key for p in self.params) or '(none)'}.",
                             component=self.name, parameter=str(key_or_label))

    def param_key(self, key_or_label: str) -> str:
        return self.param(key_or_label).key

    def resolve_params(self, values: dict, pipeline_values: dict | None = None) -> dict:
        values = {self.param_key(k) if k not in {p.key for p in self.params} else k: v
                  for k, v in values.items()}
        return resolve_params(self.params, values, self.name, pipeline_values=pipeline_values)

    def fingerprint(self) -> str:
        """Identity for output reuse: id, version and (for user components) the code."""
        h = hashlib.sha256(f"{self.id}:{self.version}".encode())
        if self.user:
            try:
                h.update(inspect.getsource(getattr(self.run, "__wrapped__", self.run)).encode())
            except (OSError, TypeError):
                h.update(self.run.__code__.co_code)
        return h.hexdigest()[:16]

    def infer_schema(self, input_schemas: dict, params: dict) -> dict:
        """Output schemas from input schemas (``None`` where unknown). Never raises."""
        if self.schema is None:
            return {p.key: None for p in self.outputs}
        try:
            out = self.schema(input_schemas, params) or {}
        except Exception:
            return {p.key: None for p in self.outputs}
        if isinstance(out, Schema):
            out = {self.outputs[0].key: out}
        return {p.key: out.get(p.key) for p in self.outputs}

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "category": self.category,
                "subcategory": self.subcategory, "version": self.version,
                "description": self.description,
                "inputs": [p.as_dict() for p in self.inputs],
                "outputs": [p.as_dict() for p in self.outputs],
                "parameters": [p.as_dict() for p in self.params],
                "training_only": self.training_only, "user": self.user,
                "available": not self.missing_requirements(),
                "requires": list(self.requires),
                "install": self.install_hint() if self.missing_requirements() else ""}


_IMPORTABLE: dict[str, bool] = {}


def _importable(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (cached per process)."""
    if module not in _IMPORTABLE:
        import importlib.util
        try:
            _IMPORTABLE[module] = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            _IMPORTABLE[module] = False
    return _IMPORTABLE[module]


class RunContext:
    """What a running component may use besides its inputs and parameters."""

    def __init__(self, spec: ComponentSpec, *, node_id: str = "", seed: int = 0,
                 logger: logging.Logger | None = None, workspace=None, compute=None):
        self.spec = spec
        self.component = spec.name
        self.node_id = node_id
        self.seed = seed
        self.workspace = workspace
        self.compute = compute  # the node's compute target (fan-out for sweeps)
        self.logger = logger or logging.getLogger(f"jupyter_designer.node.{node_id or spec.id}")
        self.metrics: dict[str, Any] = {}

    def log(self, message: str, *args) -> None:
        self.logger.info(message, *args)

    def warn(self, message: str, *args) -> None:
        self.logger.warning(message, *args)

    def error(self, message: str) -> ComponentError:
        """An error to raise for bad input: ``raise ctx.error("...")``."""
        return ComponentError(f"{self.component}: {message}")

    def log_metric(self, name: str, value) -> None:
        self.metrics[name] = value

    def parallel(self):
        """A joblib parallel-backend context for fanning inner work out (sweeps, folds)."""
        if self.compute is not None and hasattr(self.compute, "joblib_backend"):
            return self.compute.joblib_backend()
        import contextlib
        return contextlib.nullcontext()

    def fan_out(self, calls: list) -> list:
        """Run independent units ``[(fn, *args), ...]`` over the node's compute target (a
        sweep's fits, the folds of a cross validation); their results, in order."""
        if self.compute is not None and hasattr(self.compute, "fan_out"):
            return self.compute.fan_out(calls)
        from .fanout import SequentialInside

        return [SequentialInside(fn)(*args) for fn, *args in calls]

    def n_jobs(self) -> int:
        if self.compute is not None and hasattr(self.compute, "n_jobs"):
            return self.compute.n_jobs
        return 1


class Registry:
    """Components by id; names (as shown in the palette) are looked up case-insensitively."""

    def __init__(self):
        self._by_id: dict[str, ComponentSpec] = {}
        self._lock = threading.Lock()
        self._builtins_loaded = False
        #: called with a missing name before a lookup fails (workspaces load their user
        #: components this way); each returns True if it registered something
        self.loaders: list[Callable[[str], bool]] = []

    def add(self, spec: ComponentSpec, *, replace: bool = False) -> ComponentSpec:
        with self._lock:
            if spec.id in self._by_id and not replace and self._by_id[spec.id].run is not spec.run:
                if not spec.user:
                    raise ValueError(f"a component with id {spec.id!r} is already registered")
            self._by_id[spec.id] = spec
        return spec

    def remove(self, id_: str) -> None:
        self._by_id.pop(id_, None)

    def _ensure(self):
        if not self._builtins_loaded:
            self._builtins_loaded = True
            import jupyter_designer.components  # noqa: F401  (registers the built-ins)

    def get(self, name_or_id: str) -> ComponentSpec:
        self._ensure()
        if isinstance(name_or_id, ComponentSpec):
            return name_or_id
        spec = self._by_id.get(name_or_id) or self._by_id.get(slug(str(name_or_id)))
        if spec is None:
            for loader in list(self.loaders):
                try:
                    if loader(str(name_or_id)):
                        spec = self._by_id.get(name_or_id) or self._by_id.get(slug(str(name_or_id)))
                except Exception:  # a broken user component must not hide the real error
                    spec = None
                if spec is not None:
                    return spec
            import difflib
            names = [s.name for s in self._by_id.values()]
            close = difflib.get_close_matches(str(name_or_id), names, n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else \
                " List the components with `jupyter designer list components`."
            raise NotFoundError(f"Unknown component {name_or_id!r}.{hint}")
        return spec

    def __contains__(self, name_or_id) -> bool:
        self._ensure()
        return name_or_id in self._by_id or slug(str(name_or_id)) in self._by_id

    def all(self) -> list[ComponentSpec]:
        self._ensure()
        order = {c: i for i, c in enumerate(CATEGORIES)}
        return sorted(self._by_id.values(),
                      key=lambda s: (order.get(s.category, len(order)), s.subcategory, s.name))

    def __len__(self):
        self._ensure()
        return len(self._by_id)


REGISTRY = Registry()


def component(name: str, *, category: str, inputs=(), outputs=(), params=(), id: str | None = None,
              registry: Registry | None = None, **kw) -> Callable:
    """Declare a built-in component: ``@component("Clean Missing Data", category=..., ...)``."""

    def deco(fn):
        spec = ComponentSpec(id=id or slug(name), name=name, category=category, run=fn,
                             inputs=inputs, outputs=outputs, params=params,
                             description=kw.pop("description", None) or inspect.getdoc(fn) or "",
                             **kw)
        (registry or REGISTRY).add(spec)
        fn.spec = spec
        return fn

    return deco


# -- user components from typed functions ----------------------------------------------
def _hint_to_port_or_param(name: str, hint, default):
    import pandas as pd

    import types

    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    optional = False
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        optional = True
        hint = next(a for a in args if a is not type(None))
    if hint is pd.DataFrame:
        return Port(name, DATASET, optional=optional or default is None and default is not inspect.Parameter.empty)
    has_default = default is not inspect.Parameter.empty
    d = default if has_default else None
    required = not has_default and not optional
    if hint is bool:
        return Bool(name, default=d, required=required)
    if hint is int:
        return Int(name, default=d, required=required)
    if hint is float:
        return Float(name, default=d, required=required)
    if hint is str:
        return String(name, default=d, required=required)
    if typing.get_origin(hint) is typing.Literal:
        from .params import Enum
        return Enum(name, default=d, choices=typing.get_args(hint), required=required)
    if hint is list or typing.get_origin(hint) is list:
        inner = typing.get_args(hint)
        if inner and inner[0] is str:
            return Columns(name, default=d, required=required)
        from .params import List
        return List(name, default=d, required=required)
    if hint is inspect.Parameter.empty or hint is typing.Any:
        return Port(name, ANY, optional=optional)
    raise TypeError(f"cannot turn parameter {name!r} with type {hint!r} into a port or "
                    "parameter; use pandas.DataFrame, int, float, bool, str, list[str] or Literal")


def user_component(fn: Callable | None = None, *, name: str | None = None,
                   category: str = "User Components", outputs: Sequence[str] | None = None,
                   description: str | None = None, registry: Registry | None = None):
    """Turn a typed Python function into a component.

    ``pandas.DataFrame`` arguments become input ports (``Optional`` ones optional); ``int``,
    ``float``, ``bool``, ``str``, ``Literal[...]`` and ``list[str]`` (a column selection)
    arguments become parameters, their defaults the parameters' defaults. The function
    returns a DataFrame, or a tuple of DataFrames named by ``outputs``::

        @user_component
        def add_ratio(data: pd.DataFrame, numerator: str = "a", denominator: str = "b") -> pd.DataFrame:
            ...
    """

    def deco(f):
        hints = typing.get_type_hints(f)
        sig = inspect.signature(f)
        ports, params = [], []
        for pname, p in sig.parameters.items():
            item = _hint_to_port_or_param(pname, hints.get(pname, inspect.Parameter.empty), p.default)
            (ports if isinstance(item, Port) else params).append(item)
        out_names = list(outputs or ["Results dataset"])
        out_ports = [Port(slug(o), DATASET, label=o) for o in out_names]
        port_keys = [p.key for p in ports]
        col_params = [p for p in params if isinstance(p, Columns)]

        def run(ctx, inputs, values):
            kwargs = {k: inputs.get(k) for k in port_keys}
            for p in params:
                v = values.get(p.key)
                if isinstance(p, Columns) and v is not None:
                    src = next((inputs[k] for k in port_keys if inputs.get(k) is not None), None)
                    v = p.resolve(v, Schema.from_frame(src), ctx.component) if src is not None else v
                kwargs[p.key] = v
            result = f(**kwargs)
            if len(out_ports) == 1:
                return {out_ports[0].key: result}
            if not isinstance(result, tuple) or len(result) != len(out_ports):
                raise ComponentError(f"{comp_name} must return {len(out_ports)} DataFrames "
                                     f"({', '.join(out_names)}); it returned {type(result).__name__}")
            return dict(zip([p.key for p in out_ports], result))

        run.__wrapped__ = f
        comp_name = name or f.__name__.replace("_", " ").title()
        spec = ComponentSpec(id=slug(comp_name), name=comp_name, category=category, run=run,
                             inputs=ports, outputs=out_ports, params=params,
                             description=description or inspect.getdoc(f) or "", user=True,
                             extra={"module": f.__module__, "qualname": f.__qualname__})
        del col_params
        (registry or REGISTRY).add(spec, replace=True)
        f.spec = spec
        return f

    return deco(fn) if fn is not None else deco


def component_source(fn: Callable) -> str:
    """A self-contained module source for a user component function: the imports of the
    modules and names it uses, then its definition under a decorator that re-declares it
    with the same name, category and outputs. The workspace stores it so other processes
    (the Jupyter server, CLI runs, workers) can load the component."""
    import re as _re
    import textwrap
    import types

    f = getattr(fn, "__wrapped__", fn)
    spec = fn.spec
    src = textwrap.dedent(inspect.getsource(f))
    lines = src.splitlines()
    start = next(i for i, line in enumerate(lines) if _re.match(r"\s*(async\s+)?def\s", line))
    body = "\n".join(lines[start:])
    g = f.__globals__
    imports = []
    for name in sorted(set(_re.findall(r"[A-Za-z_][A-Za-z0-9_]*", body))):
        if name not in g or name == f.__name__:
            continue
        obj = g[name]
        if isinstance(obj, types.ModuleType):
            imports.append(f"import {obj.__name__} as {name}" if obj.__name__ != name else f"import {name}")
            continue
        mod = getattr(obj, "__module__", None)
        if mod and mod not in ("__main__", "builtins") and not mod.startswith("__") \
                and getattr(obj, "__name__", None) == name:
            imports.append(f"from {mod} import {name}")
    outputs = [p.label for p in spec.outputs]
    deco = (f"@_user_component(name={spec.name!r}, category={spec.category!r}, "
            f"outputs={outputs!r}, description={spec.description!r})")
    return "\n".join(["from jupyter_designer.engine.component import user_component as _user_component",
                      *imports, "", "", deco, body, ""])
