"""A pipeline as a standalone Python script (pandas, scikit-learn and the learners' libraries).

One code generator per component (:data:`GENERATORS`, component id -> function) returns the
readable code of that step with its parameters filled in; :func:`python_script` composes them
in the pipeline's topological order. Column selections are resolved when exporting (the script
names the columns), learners are written as the estimator their component builds, and the
steps that need more than a line (fitting with the designer's encoding, scoring, evaluating,
splitting, cross validation, sweeps) call the functions of :mod:`.script_helpers`, which the
script carries verbatim. Execute Python Script's code is copied into the script as written.

A component without a generator, or a setting a generator does not reproduce, stops the export
with an :class:`ExportError` naming the node and what to do: a script that would compute
something else than the run is never written.
"""

from __future__ import annotations

import inspect
import keyword
import math
import re
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
    export: "_Export"
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


def render_estimator(est, imports: set, indent: int = 0, owner: str = "") -> str:
    """Code constructing ``est`` (a scikit-learn or LightGBM estimator) with the settings
    that differ from its class's defaults."""
    cls = type(est)
    if cls.__module__.split(".")[0] == "jupyter_designer":
        raise ExportError(f"{owner or 'The learner'} builds {cls.__name__}, an estimator of "
                          "jupyter-designer itself, which a standalone script cannot use. "
                          "Export a pipeline with a scikit-learn or LightGBM learner.")
    module = _public_module(cls)
    imports.add(f"from {module} import {cls.__name__}")
    from sklearn.pipeline import Pipeline

    if isinstance(est, Pipeline):
        steps = [f"({name!r}, {render_estimator(step, imports, indent + 8, owner)})"
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
            args.append(f"{key}={render_estimator(value, imports, indent + 4, owner)}")
        elif value is None or isinstance(value, (bool, int, float, str, tuple, list)):
            args.append(f"{key}={_lit(value)}")
        else:
            raise ExportError(f"{owner or 'The learner'}: the setting {key}={value!r} of "
                              f"{cls.__name__} cannot be written as code.")
    return _wrap_call(cls.__name__, args, indent)


def _same(a, b) -> bool:
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                       and not isinstance(a, bool) and not isinstance(b, bool)):
        return False
    try:
        return bool(a == b)
    except Exception:
        return False


def learner_code(untrained, imports: set, owner: str, overrides: dict | None = None) -> str:
    """``{"task": ..., "make": lambda: Estimator(...)}`` for an untrained model."""
    try:
        est = untrained.make(overrides)
    except DesignerError:
        raise
    except Exception as exc:
        raise ExportError(f"{owner}: cannot build the learner {untrained.learner!r}: {exc}") from exc
    return (f'{{"task": {untrained.task!r},\n "make": lambda: '
            f'{render_estimator(est, imports, 1, owner)}}}')


# -- the export of one pipeline ---------------------------------------------------------------
_RESERVED = set(dir(script_helpers)) | {"np", "pd", "Path", "HERE", "METRICS", "print_metrics",
                                        "run_python_script"}


def _var(name: str) -> str:
    v = re.sub(r"\W+", "_", str(name)).strip("_") or "node"
    if v[0].isdigit():
        v = f"node_{v}"
    if keyword.iskeyword(v) or v in _RESERVED or v in dir(__builtins__):
        v = f"{v}_"
    return v


class _Export:
    def __init__(self, pipeline, parameters: dict, *, workspace=None, source: str = "",
                 script_name: str = "pipeline.py", run=None):
        self.pipeline = pipeline
        self.run = run
        self._run_schemas: dict = {}
        self.parameters = parameters
        self.workspace = workspace
        self.source = source
        self.script_name = script_name
        self.files: list[DataFile] = []
        self.imports: set = set()
        self.helpers: list[str] = []

    def run_schema(self, source):
        """The columns a run's node output had (``None`` without a run or that output)."""
        if self.run is None or source is None or self.workspace is None:
            return None
        if source not in self._run_schemas:
            from jupyter_designer.engine.schema import Schema

            schema = None
            rec = self.run.nodes.get(source[0])
            aid = rec.outputs.get(source[1]) if rec is not None else None
            if aid:
                try:
                    value = self.workspace.load_artifact(aid)
                    import pandas as pd

                    if isinstance(value, pd.DataFrame):
                        schema = Schema.from_frame(value)
                except Exception:  # an output no longer stored: as if unknown
                    schema = None
            self._run_schemas[source] = schema
        return self._run_schemas[source]

    def add_helpers(self, names) -> None:
        for name in names:
            for dep in script_helpers.NEEDS.get(name, ()):
                self.add_helpers([dep])
            if name not in self.helpers:
                self.helpers.append(name)

    def add_file(self, name: str, write) -> str:
        if name not in {f.name for f in self.files}:
            self.files.append(DataFile(name, write))
        return name

    def build(self) -> str:
        from jupyter_designer.engine.errors import PipelineError

        p = self.pipeline
        try:
            order = p.topological_order()
        except PipelineError as exc:
            raise ExportError(f"Cannot export the pipeline: {exc}") from exc
        if not order:
            raise ExportError("The pipeline is empty: add a dataset and components, then export.")
        missing = []
        for nid in order:
            node = p.nodes[nid]
            if node.kind != "dataset":
                spec = node.spec
                if spec.id not in GENERATORS and not spec.user and not spec.learner:
                    missing.append(f"{node.title} [{nid}] ({node.spec.name})")
        if missing:
            raise ExportError(
                "Cannot export to Python: there is no Python code generator for "
                + "; ".join(missing) + ". Components with a generator: "
                + ", ".join(sorted(_component_names())) + ".")
        schemas = p.schemas()
        names: dict = {}
        values: dict = {}
        sections, metric_vars = [], []
        for nid in order:
            node = p.nodes[nid]
            base = _var(nid)
            if node.kind == "dataset":
                port = node.outputs[0].key
                names[(nid, port)] = base
                sections.append(self._dataset(node, base))
                continue
            spec = node.spec
            if spec.user and base == getattr(getattr(spec.run, "__wrapped__", None), "__name__", ""):
                base = f"{base}_result"  # the function keeps its name in the script
            outs = {}
            for port in spec.outputs:
                if len(spec.outputs) == 1:
                    outs[port.key] = base
                else:
                    digit = re.search(r"(\d+)$", port.key)
                    outs[port.key] = f"{base}_{digit.group(1) if digit else port.key}"
            names.update({(nid, k): v for k, v in outs.items()})
            ins, in_schemas, in_values = {}, {}, {}
            for port, source in p.inputs_of(nid).items():
                ins[port] = names[source]
                in_schemas[port] = schemas.get(source)
                if source in values:
                    in_values[port] = values[source]
            params = spec.resolve_params(node.params, self.parameters)
            ctx = NodeCode(node, spec, params, ins, outs, in_schemas, in_values, self,
                           sources=dict(p.inputs_of(nid)))
            if spec.learner:  # its untrained model (no data needed) feeds sweeps
                from jupyter_designer.engine.execution.task import run_node

                result = run_node(spec, in_values, params, node_id=nid)
                values.update({(nid, k): v for k, v in result.items()})
                ctx.untrained = result.get("untrained_model")
            gen = GENERATORS.get(spec.id) or (_learner_generator if spec.learner
                                              else _user_component)
            step = gen(ctx)
            self.add_helpers(step.helpers)
            self.imports.update(step.imports)
            header = f"# -- {node.title} [{nid}] "
            sections.append(header + "-" * max(3, 95 - len(header)) + "\n" + step.code.rstrip())
            if step.metrics:
                metric_vars.append((nid, node.title, step.metrics))
        return self._compose(sections, metric_vars)

    def _compose(self, sections, metric_vars) -> str:
        p = self.pipeline
        head = [f'"""{p.name}: exported from jupyter-designer as a standalone script.',
                ""]
        if p.description:
            head += textwrap.wrap(p.description, 95) + [""]
        if self.source:
            head.append(f"Source: {self.source}.")
        needs = sorted({"pandas", "scikit-learn"} | {_package(i) for i in self.imports})
        head += [f"Needs: {', '.join(needs)}. Run it with `python {self.script_name}`; it prints",
                 "the metrics the designer reported for the run.", '"""', ""]
        imports = {"import numpy as np", "import pandas as pd", "from pathlib import Path"}
        imports |= {i for i in self.imports if i.startswith("import ")}
        froms = sorted(i for i in self.imports if i.startswith("from "))
        lines = head + sorted(imports, key=lambda s: (s.startswith("from"), s)) + froms + [""]
        lines += ["HERE = Path(__file__).resolve().parent", "", ""]
        if self.helpers:
            lines.append("# == Helpers: what the designer's components do, step for step "
                         + "=" * 31)
            for name in self.helpers:
                lines += [inspect.getsource(getattr(script_helpers, name)).rstrip(), "", ""]
        lines.append(_PRINT_METRICS)
        lines += ["", "", "# == The pipeline " + "=" * 77]
        for s in sections:
            lines += [s, ""]
        lines.append("# == Metrics " + "=" * 82)
        lines.append("print_metrics({")
        for nid, title, var in metric_vars:
            lines.append(f"    {nid!r}: {var},  # {title}")
        lines.append("})")
        return "\n".join(lines) + "\n"

    # -- datasets ---------------------------------------------------------------------------
    def _dataset(self, node, var: str) -> str:
        from jupyter_designer.engine.execution.inputs import bind_data_node
        from jupyter_designer.store import samples

        data = bind_data_node(node.data, self.parameters)
        header = f"# -- {node.title} [{node.id}] "
        header += "-" * max(3, 95 - len(header)) + "\n"
        if data.get("type", "dataset") != "dataset" or data.get("artifact"):
            raise ExportError(f"Cannot export node {node.title} [{node.id}] to Python: it holds "
                              "a stored model or output, not a dataset. Export the training "
                              "pipeline instead.")
        name = canonical = samples.canonical_name(data.get("name", ""))
        if canonical is not None:
            sample = samples.SAMPLES[canonical]
            fn = sample.load
            if fn is samples._automobile:
                csv = samples.DATA_DIR / "automobile_price_data_raw.csv"
                fname = self.add_file(csv.name, lambda folder, csv=csv: _copy(csv, folder))
                return header + f"{var} = pd.read_csv(HERE / {fname!r})"
            if fn.__module__ == samples.__name__ and _self_contained(fn):
                src = textwrap.dedent(inspect.getsource(fn)).rstrip()
                loader = f"load_{_var(fn.__name__.strip('_'))}"
                src = re.sub(r"^def \w+\(", f"def {loader}(", src, count=1)
                return header + src + f"\n\n\n{var} = {loader}()"
        if self.workspace is None:
            raise ExportError(f"Cannot export node {node.title} [{node.id}]: the dataset "
                              f"{data.get('name')!r} needs a workspace to read it from.")
        df = self.workspace.get_dataset(data["name"], data.get("version"))
        fname = f"{Path(self.script_name).stem}_{_var(node.id)}.parquet"

        def write(folder, df=df, fname=fname):
            out = df.copy(deep=False)
            out.attrs = {}
            out.to_parquet(folder / fname, index=False)
        self.add_file(fname, write)
        self.imports.add("import pyarrow  # noqa: F401  (reads the Parquet file)")
        label = name or data["name"]
        return header + f"# the dataset {label!r} as the run read it\n" \
            f"{var} = pd.read_parquet(HERE / {fname!r})"


def _copy(src: Path, folder: Path) -> None:
    import shutil

    shutil.copyfile(src, folder / src.name)


def _self_contained(fn) -> bool:
    """Whether a sample loader uses nothing of its module but its own imports."""
    code = fn.__code__
    return not [n for n in code.co_names if n.isupper() or n.startswith("_ADULT")] and \
        "DATA_DIR" not in code.co_names


def _package(import_line: str) -> str:
    mod = import_line.split()[1].split(".")[0]
    return {"sklearn": "scikit-learn"}.get(mod, mod)


def _component_names() -> list[str]:
    from jupyter_designer.engine.component import REGISTRY

    out = []
    for cid in GENERATORS:
        try:
            out.append(REGISTRY.get(cid).name)
        except DesignerError:
            continue
    return out


_PRINT_METRICS = '''def print_metrics(metrics_by_node):
    """Print each node's metrics as the designer reports them: ``[node id] name = value``."""
    for node, metrics in metrics_by_node.items():
        for name, value in metrics.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                print(f"[{node}] {name} = {value!r}")'''


def python_script(pipeline, parameters: dict | None = None, *, workspace=None, source: str = "",
                  script_name: str = "pipeline.py", run=None) -> tuple[str, list[DataFile]]:
    """The script of ``pipeline`` with pipeline parameter values ``parameters`` (the
    defaults where not given) and the data files it reads, to write next to it. ``run`` (a
    run record of this pipeline) tells the columns its nodes saw where they are only known
    after running."""
    pvalues = {k: p.default for k, p in pipeline.parameters.items()}
    pvalues.update(parameters or {})
    ex = _Export(pipeline, pvalues, workspace=workspace, source=source, script_name=script_name,
                 run=run)
    return ex.build(), ex.files


# == generators ===================================================================================
def _one_input(g: NodeCode, port: str = "dataset") -> str:
    if port not in g.inputs:
        raise g.fail(f"its '{port}' input is not connected.")
    return g.inputs[port]


@generator("select_columns_in_dataset")
def _select_columns(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation.columns import resolve_without_labels

    names = resolve_without_labels(g.spec.param("select_columns"), g.params["select_columns"],
                                   g.schema("dataset"), g.params.get("label_columns"),
                                   g.spec.name)
    src = _one_input(g)
    everything = g.schema("dataset").names
    dropped = [c for c in everything if c not in names]
    if names == [c for c in everything if c in names] and len(dropped) < len(names):
        return Step(f"{g.out()} = {src}.drop(columns={_names_list(dropped, len(g.out()) + 20)})")
    return Step(f"{g.out()} = {src}[{_names_list(names, len(g.out()) + 4)}]")


@generator("clean_missing_data")
def _clean_missing_data(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation import cleaning as c

    mode = g.params["cleaning_mode"]
    if mode not in (c.REMOVE_ROW, c.REMOVE_COLUMN):
        raise g.fail(f"the cleaning mode {mode!r} has no Python generator yet; the modes "
                     f"exported are {c.REMOVE_ROW!r} and {c.REMOVE_COLUMN!r}.")
    src, out = _one_input(g), g.out("cleaned_dataset")
    cols = g.columns("columns_to_be_cleaned", "dataset")
    lo, hi = g.params["minimum_missing_value_ratio"], g.params["maximum_missing_value_ratio"]
    if cols == list(g.schema("dataset").names):
        lines = [f"columns = list({src}.columns)"]
    else:
        lines = [f"columns = {_names_list(cols, 10)}"]
    if (lo, hi) != (0.0, 1.0):
        lines += [f"# only columns whose ratio of missing values lies in [{lo}, {hi}]",
                  f"ratios = {{c: {src}[c].isna().sum() / len({src}) if len({src}) else 0.0 "
                  "for c in columns}",
                  f"columns = [c for c in columns if {lo!r} <= ratios[c] <= {hi!r}]"]
    if mode == c.REMOVE_ROW:
        lines += [f"keep = ~{src}[columns].isna().any(axis=1).to_numpy() if columns else None",
                  f"{out} = {src}[keep].reset_index(drop=True) "
                  f"if keep is not None and not keep.all() else {src}"]
    else:
        lines += [f"{out} = {src}.drop(columns=[c for c in columns if {src}[c].isna().any()])"]
    return Step("\n".join(lines))


@generator("split_data")
def _split_data(g: NodeCode) -> Step:
    p = g.params
    if p["splitting_mode"] != "Split Rows":
        raise g.fail(f"the splitting mode {p['splitting_mode']!r} has no Python generator yet; "
                     "use 'Split Rows'.")
    args = [_one_input(g), _lit(p["fraction_of_rows_in_the_first_output_dataset"]),
            f"seed={p['random_seed']}"]
    if p["stratified_split"] == "True":
        key = g.columns("stratification_key_column", "dataset")[0]
        args.append(f"stratify_column={key!r}")
    if not p["randomized_split"]:
        args.append("randomized=False")
    first, second = g.out("results_dataset1"), g.out("results_dataset2")
    return Step(f"{first}, {second} = {_wrap_call('split_rows', args)}", helpers=("split_rows",))


@generator("normalize_data")
def _normalize_data(g: NodeCode) -> Step:
    method = g.params["transformation_method"]
    if method not in ("ZScore", "MinMax"):
        raise g.fail(f"the transformation method {method!r} has no Python generator yet; the "
                     "methods exported are ZScore and MinMax.")
    cols = g.columns("columns_to_transform", "dataset")
    src, out = _one_input(g), g.out("transformed_dataset")
    fill = "0.0" if g.params["use_0_for_constant_columns_when_checked"] else "np.nan"
    if method == "ZScore":
        fit = ['mean, std = float(np.mean(fitted)), float(np.std(fitted))  # population std',
               "scaled = (x - mean) / std"]
    else:
        fit = ["low, high = float(np.min(fitted)), float(np.max(fitted))",
               "scale = 1.0 / (high - low)",
               "scaled = x * scale - low * scale"]
    body = "\n".join("        " + line for line in fit)
    code = f"""new_columns = {{}}
with np.errstate(all="ignore"):
    for column in {_names_list(cols, 18).replace(chr(10), chr(10) + "    ")}:
        x = {src}[column].to_numpy(dtype="float64", na_value=np.nan)
        fitted = x[np.isfinite(x)]
        if len(fitted) == 0:
            continue  # all values missing: left as is
        x = np.where(np.isinf(x), np.nan, x)
        if float(np.std(fitted)) < 1e-9:  # a constant column
            new_columns[column] = np.where(np.isnan(x), np.nan, {fill})
            continue
{body}
        new_columns[column] = scaled
{out} = {src}.assign(**new_columns) if new_columns else {src}[list({src}.columns)]"""
    return Step(code)


@generator("filter_based_feature_selection")
def _feature_selection(g: NodeCode) -> Step:
    from jupyter_designer.components import feature_selection as fsel

    p = g.params
    if p["feature_scoring_method"] != "Pearson Correlation":
        raise g.fail(f"the scoring method {p['feature_scoring_method']!r} has no Python generator "
                     "yet; Pearson Correlation is exported.")
    schema = g.schema("dataset")
    target = fsel._fbfs_target(p, schema, g.spec.name)
    candidates = fsel._candidates(schema, target, p["operate_on_feature_columns_only"])
    if schema.kind(target) not in ("integer", "double", "boolean"):
        raise g.fail(f"Pearson Correlation against the non-numeric target {target!r} has no "
                     "Python generator yet.")
    src, out = _one_input(g), g.out("filtered_dataset")
    code = f"""target = {target!r}
candidates = {_names_list(candidates, 13)}
y_all = {src}[target].astype("float64").to_numpy(dtype="float64", na_value=np.nan)
scores = {{}}
for column in candidates:
    x = {src}[column].astype("float64").to_numpy(dtype="float64", na_value=np.nan)
    ok = ~np.isnan(x) & ~np.isnan(y_all)
    x, y = x[ok], y_all[ok]
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        scores[column] = 0.0
    else:
        scores[column] = abs(float(np.corrcoef(x, y)[0, 1]))  # |Pearson r|
    if np.isnan(scores[column]):
        scores[column] = 0.0
ranked = sorted(candidates, key=lambda c: -scores[c])  # ties keep the dataset's order
chosen = ranked[:{int(p['number_of_desired_features'])}]
print("Features kept:", ", ".join(chosen))
{out} = {src}[[target] + chosen]"""
    features = g.outputs.get("features")
    if features:
        code += (f"\n{features} = pd.DataFrame({{c: [scores[c]] for c in ranked}}, "
                 "columns=ranked).astype(\"float64\")")
    return Step(code)


def _learner_generator(g: NodeCode) -> Step:
    """Any learner: the estimator its component builds."""
    untrained = g.untrained
    imports: set = set()
    code = f"{g.out()} = " + learner_code(untrained, imports, g.title).replace("\n", "\n" + " " * (len(g.out()) + 3))
    return Step(code, imports=tuple(imports))


def _label(g: NodeCode, key: str, port: str) -> str:
    if g.params.get(key) is None:
        raise g.fail("set its 'Label column' parameter.")
    return g.columns(key, port)[0]


@generator("train_model")
def _train_model(g: NodeCode) -> Step:
    label = _label(g, "label_column", "dataset")
    return Step(f"{g.out()} = fit_learner({_one_input(g, 'untrained_model')}, "
                f"{_one_input(g)}, {label!r})", helpers=("fit_learner",))


@generator("score_model")
def _score_model(g: NodeCode) -> Step:
    code = f"{g.out()} = score_dataset({_one_input(g, 'trained_model')}, {_one_input(g)})"
    if not g.params["append_score_columns_to_output"]:
        code += (f"\n{g.out()} = {g.out()}[{g.out()}.attrs[\"score_columns\"]]"
                 "  # the score columns only")
    return Step(code, helpers=("score_dataset",))


@generator("evaluate_model")
def _evaluate_model(g: NodeCode) -> Step:
    out = g.out()
    left = _one_input(g, "scored_dataset")
    right = g.inputs.get("scored_dataset_to_compare")
    if right is None:
        code = f"{out} = evaluate_scored({left})"
    else:
        code = (f"{out} = {{f\"left: {{k}}\": v for k, v in evaluate_scored({left}).items()}}\n"
                f"{out}.update({{f\"right: {{k}}\": v for k, v in evaluate_scored({right}).items()}})")
    return Step(code, helpers=("evaluate_scored",), metrics=out)


@generator("cross_validate_model")
def _cross_validate(g: NodeCode) -> Step:
    label = _label(g, "label_column", "dataset")
    out = g.out("evaluation_results_by_fold")
    code = (f"{out} = cross_validate({_one_input(g, 'untrained_model')}, {_one_input(g)}, "
            f"{label!r}, seed={g.params['random_seed']})")
    return Step(code, helpers=("cross_validate",), metrics=out)


@generator("tune_model_hyperparameters")
def _tune(g: NodeCode) -> Step:
    from jupyter_designer.components import model_tuning as mt

    if "optional_validation_dataset" in g.inputs:
        raise g.fail("a sweep scored on a validation dataset has no Python generator yet; "
                     "leave the validation input unconnected (cross validation).")
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
        code = learner_code(untrained, imports, g.title, overrides=s).replace("\n", "\n     ")
        rows.append(f"    ({_lit(shown)},\n     {code}),")
    model, metrics = g.out("trained_best_model"), f"{_var(g.node.id)}_metrics"
    code = (f"# the settings the sweep tries ({p['specify_parameter_sweeping_mode']})\n"
            f"settings = [\n" + "\n".join(rows) + "\n]\n"
            f"{model}, {metrics} = tune_hyperparameters(\n"
            f"    settings, {_one_input(g, 'training_dataset')}, {label!r}, metric={metric!r},\n"
            f"    lower_is_better={metric in mt.LOWER_IS_BETTER}, seed={p['random_seed']})")
    return Step(code, helpers=("tune_hyperparameters",), imports=tuple(imports), metrics=metrics)


@generator("execute_python_script")
def _execute_python_script(g: NodeCode) -> Step:
    if "script_bundle" in g.inputs:
        raise g.fail("a script bundle input has no Python generator yet; put the bundle's code "
                     "into the script.")
    main = f"{_var(g.node.id)}_main"
    args = [g.inputs.get("dataset1", "None"), g.inputs.get("dataset2", "None")]
    code = ("# the script as written in the designer\n"
            f"{g.params['python_script'].rstrip()}\n\n\n"
            f"{main} = azureml_main\n"
            f"{g.out('result_dataset')}, {g.out('python_device')} = "
            f"run_python_script({main}, {', '.join(args)})")
    return Step(code, helpers=("run_python_script",))


def _user_component(g: NodeCode) -> Step:
    """A user component: its function copied as written (with the imports it uses), called
    with the node's inputs and parameters."""
    import types

    from jupyter_designer.engine.params import Columns

    f = getattr(g.spec.run, "__wrapped__", None)
    try:
        src = textwrap.dedent(inspect.getsource(f)) if f is not None else None
    except (OSError, TypeError):
        src = None
    if not src:
        raise g.fail(f"the source of the user component {g.spec.name!r} cannot be read; define "
                     "it in a file or notebook cell and export again.")
    lines = src.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\s*(async\s+)?def\s", line))
    body = "\n".join(lines[start:])
    imports = []
    for name in sorted(set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", body))):
        obj = f.__globals__.get(name)
        if obj is None or name == f.__name__:
            continue
        if isinstance(obj, types.ModuleType):
            mod = obj.__name__
            line = f"import {mod} as {name}" if mod != name else f"import {name}"
        else:
            mod = getattr(obj, "__module__", None)
            if not mod or mod in ("__main__", "builtins") or mod.startswith("__") \
                    or getattr(obj, "__name__", None) != name:
                continue
            line = f"from {mod} import {name}"
        if mod.split(".")[0] == "jupyter_designer":
            raise g.fail(f"the user component {g.spec.name!r} uses {name} of jupyter-designer, "
                         "which a standalone script cannot import.")
        if line not in ("import numpy as np", "import pandas as pd"):
            imports.append(line)
    kwargs = []
    for port in g.spec.inputs:
        kwargs.append(f"{port.key}={g.inputs.get(port.key, 'None')}")
    for p in g.spec.params:
        v = g.params.get(p.key)
        if isinstance(p, Columns) and v is not None:
            v = g.columns(p.key, next(iter(g.inputs)))
        kwargs.append(f"{p.key}={_lit(v)}")
    outs = [g.outputs[p.key] for p in g.spec.outputs]
    code = ("# the user component as written\n" + body.rstrip() + "\n\n\n"
            + f"{', '.join(outs)} = {_wrap_call(f.__name__, kwargs)}")
    return Step(code, imports=tuple(imports))
