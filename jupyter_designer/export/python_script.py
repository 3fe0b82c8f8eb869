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
import re
import sys
import textwrap
from pathlib import Path

from jupyter_designer.engine.errors import DesignerError

from . import script_helpers
# the generators of the other palettes register themselves when imported
from . import (generators_columns, generators_extra, generators_models,  # noqa: F401
               generators_recommend, generators_rows, generators_text, generators_vision)
# every mode of the core tabular components
from . import generators_cleaning, generators_features  # noqa: F401
from .generators import _learner_generator, _user_component
from .script_code import GENERATORS, DataFile, ExportError, NodeCode, _var


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
        self.sources: dict[str, str] = {}   # helper name -> its code, made when exporting

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

    def add_source(self, name: str, code: str) -> None:
        """A helper whose code is made when exporting (written once, after the others)."""
        self.sources.setdefault(name, code)

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
        needs = sorted({"pandas", "scikit-learn"} | {_package(i) for i in self.imports}
                       - set(sys.stdlib_module_names))
        if "run_r_script" in self.sources:
            needs.append("R (its Rscript program)")
        head += [f"Needs: {', '.join(needs)}. Run it with `python {self.script_name}`; it prints",
                 "the metrics the designer reported for the run.", '"""', ""]
        imports = {"import numpy as np", "import pandas as pd", "from pathlib import Path"}
        imports |= {i for i in self.imports if i.startswith("import ")}
        froms = sorted(i for i in self.imports if i.startswith("from "))
        lines = head + sorted(imports, key=lambda s: (s.startswith("from"), s)) + froms + [""]
        lines += ["HERE = Path(__file__).resolve().parent", "", ""]
        if self.helpers or self.sources:
            lines.append("# == Helpers: what the designer's components do, step for step "
                         + "=" * 31)
            for name in self.helpers:
                lines += [inspect.getsource(getattr(script_helpers, name)).rstrip(), "", ""]
        for code in self.sources.values():
            lines += [code.rstrip(), "", ""]
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
    return {"sklearn": "scikit-learn", "surprise": "scikit-surprise"}.get(mod, mod)


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
