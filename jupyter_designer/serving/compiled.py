"""A real-time inference pipeline compiled once, when an endpoint loads, for scoring requests.

At load time everything that does not depend on the request is done: data nodes are loaded
(``MD-`` models, ``TD-`` transformations, lookup datasets), components that do not depend
on the request rows are run once, parameters are resolved. A request then runs only the
components between the Web Service Inputs and Outputs, in order, on the request rows.

That is the *faithful* path: each component's own ``run`` function on DataFrames, exactly
what a pipeline run does. On top of it :mod:`.fast` builds, when it can, a *fast* path (plain
numpy columns through precomputed steps, the model through ONNX Runtime), checked against
the faithful path on sample rows before it is used.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass

import pandas as pd

from jupyter_designer.engine.errors import DesignerError
from jupyter_designer.engine.execution.inputs import load_data_node
from jupyter_designer.engine.execution.task import run_node
from jupyter_designer.engine.inference import LABEL_COLUMNS_PARAMETER, web_service_io
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.engine.schema import Schema, kind_of_dtype

from . import tables
from .errors import RequestError, ScoringFailure, ServingError
from .rows import _EMPTY, line_up
from .tables import ColumnSpec, TableSpec

log = logging.getLogger("jupyter_designer.serving")

#: rows of the training data kept to check the fast path and to build example requests
SAMPLE_ROWS = 50


_DTYPES = {"integer": "int64", "double": "float64", "boolean": "bool", "string": object,
           "categorical": object}


@dataclass
class Step:
    node_id: str
    title: str
    spec: object
    params: dict
    inputs: dict          # input port -> (source node id, source port)


class CompiledPipeline:
    """A real-time inference pipeline ready to score requests.

    ``specs`` describes each input table (:class:`~.tables.TableSpec`), ``output_names`` the
    response tables. :meth:`score` takes checked request columns and returns each output as
    ``(column names, per-column value lists)``.
    """

    def __init__(self, pipeline: Pipeline | dict, workspace, *, fast: bool = True,
                 sample_rows: int = SAMPLE_ROWS, samples: dict | None = None,
                 removed_rows: str = "error", verified_fast: str | None = None,
                 verified_note: str = ""):
        from .rows import check_removed_rows

        t0 = time.perf_counter()
        #: what a request gets when the pipeline removes some of its rows (see .rows)
        self.removed_rows = check_removed_rows(removed_rows)
        if isinstance(pipeline, dict):
            pipeline = Pipeline.from_dict(pipeline, workspace=workspace)
        self.pipeline = pipeline
        self.workspace = workspace
        issues = pipeline.validate()
        if issues:
            raise ServingError("The inference pipeline is not valid:\n" +
                               "\n".join(f"  - {i}" for i in issues))
        io = web_service_io(pipeline)
        if not io["inputs"] or not io["outputs"]:
            raise ServingError(
                f"{pipeline.name!r} is not a real-time inference pipeline: it needs a Web Service "
                "Input where request rows enter and a Web Service Output returning the results. "
                "Create one from a training run (create_realtime_inference).")
        self.io = io
        self.pvalues = {k: p.default for k, p in pipeline.parameters.items()}
        self.input_nodes = {i["name"]: i["node_id"] for i in io["inputs"]}
        self.output_nodes = {o["name"]: o["node_id"] for o in io["outputs"]}
        self.output_names = [o["name"] for o in io["outputs"]]
        wsi = set(self.input_nodes.values())

        edges_in = {nid: pipeline.inputs_of(nid) for nid in pipeline.nodes}
        order = pipeline.topological_order()
        outputs = set(self.output_nodes.values())
        needed = pipeline.ancestors(outputs, stop=wsi) | outputs
        dependent = (wsi | pipeline.descendants(wsi)) & (needed | wsi)
        # the data reaching a Web Service Input gives the input's dtypes and sample rows,
        # unless they are given (an endpoint keeps them, so it loads without the dataset)
        sample_sources = pipeline.ancestors(wsi) - needed if samples is None else set()
        constant = (needed | sample_sources) - dependent

        # constants: loaded or computed once
        self._const: dict[str, dict] = {}
        for nid in order:
            if nid not in constant:
                continue
            node = pipeline.nodes[nid]
            if node.kind == "dataset":
                port = node.outputs[0].key
                try:
                    self._const[nid] = {port: load_data_node(workspace, node.data, self.pvalues)}
                except DesignerError as exc:
                    if nid in needed:
                        raise ServingError(f"{node.title} cannot be loaded: {exc}") from exc
                continue
            ins = {}
            missing = False
            for port, (src, sport) in edges_in[nid].items():
                if src not in self._const:
                    missing = True
                    break
                ins[port] = self._const[src][sport]
            if missing:
                if nid in needed:
                    raise ServingError(f"{node.title} cannot run: its inputs are not available.")
                continue
            spec = node.spec
            params = spec.resolve_params(node.params, self.pvalues)
            try:
                self._const[nid] = self._run_step(Step(nid, node.title, spec, params, {}), ins)
            except ServingError:
                if nid in needed:
                    raise
        # the request-dependent steps
        self.steps: list[Step] = []
        for nid in order:
            if nid not in dependent or nid in wsi or nid not in needed:
                continue
            node = pipeline.nodes[nid]
            spec = node.spec
            self.steps.append(Step(nid, node.title, spec, spec.resolve_params(node.params, self.pvalues),
                                   dict(edges_in[nid])))
        # a fitted transformation is held as the inference pipeline applies it to request
        # rows, the label columns passed through, so the fast path compiles that version
        for step in self.steps:
            labels = step.params.get(LABEL_COLUMNS_PARAMETER)
            src, sport = step.inputs.get("transformation", (None, None))
            held = self._const.get(src, {}).get(sport)
            if labels and hasattr(held, "for_scoring"):
                self._const[src] = {**self._const[src], sport: held.for_scoring(labels)}

        # input tables: request schema + the training data's dtypes; sample rows
        self.specs: dict[str, TableSpec] = {}
        self.samples: dict[str, pd.DataFrame] = {}
        for info in io["inputs"]:
            feed = edges_in[info["node_id"]].get("dataset")
            frame = None
            if samples is not None:
                frame = samples.get(info["name"])
            elif feed is not None and feed[0] in self._const:
                frame = self._const[feed[0]].get(feed[1])
            self.specs[info["name"]] = self._table_spec(info, frame)
            if isinstance(frame, pd.DataFrame):
                self.samples[info["name"]] = frame.head(sample_rows)
        # the training data itself is no longer needed
        for nid in sample_sources:
            self._const.pop(nid, None)

        self.output_columns: dict[str, list] = {}
        self.fast = None
        self.fast_reason = "disabled"
        self.compile_seconds = 0.0
        if self.samples and len(self.samples) == len(self.specs):
            try:
                outs = self.run_frames(self._sample_request_frames())
                labels = {c.name for s in self.specs.values() for c in s.labels}
                self.output_columns = {k: [{"name": str(c), "kind": kind_of_dtype(v[c].dtype)}
                                           for c in v.columns if c not in labels]
                                       for k, v in outs.items()}
            except ServingError as exc:
                log.info("the inference pipeline %r fails on its own sample rows: %s",
                         pipeline.name, exc)
        if fast:
            from .fast import build_fast_path

            # verified_fast: the fast path kind a deployment verified (see build_fast_path)
            self.fast, self.fast_reason = build_fast_path(self, verified_fast, verified_note)
        self.compile_seconds = time.perf_counter() - t0

    # -- inputs ----------------------------------------------------------------------------
    def _table_spec(self, info: dict, frame) -> TableSpec:
        labels = list(info.get("label_columns") or [])
        schema = info.get("schema")
        dtypes = {}
        if isinstance(frame, pd.DataFrame):
            dtypes = {str(c): frame[c].dtype for c in frame.columns}
            if schema is None:
                schema = [{"name": c.name, "kind": c.kind} for c in Schema.from_frame(frame).columns
                          if c.name not in labels]
        if schema is None:
            return TableSpec(info["name"], [], open=True)
        cols = [ColumnSpec(c["name"], c["kind"], dtypes.get(c["name"])) for c in schema]
        by = {c.name: c for c in cols}
        # training order: request columns and label columns as they were in the data
        ordered = []
        names = list(dtypes) if dtypes else [c["name"] for c in schema] + labels
        for name in names:
            if name in by:
                ordered.append(by.pop(name))
            elif name in labels:
                kind = kind_of_dtype(dtypes[name]) if name in dtypes else "string"
                ordered.append(ColumnSpec(name, kind, dtypes.get(name), required=False,
                                          placeholder=_placeholder(frame, name, kind)))
        ordered.extend(by.values())
        return TableSpec(info["name"], ordered)

    def _sample_request_frames(self) -> dict:
        out = {}
        for name, df in self.samples.items():
            spec = self.specs[name]
            cols = {c.name: tables.series_values(df[c.name]) for c in spec.request_columns
                    if c.name in df.columns}
            out[name] = self.request_frame(name, cols, len(df))[0]
        return out

    def request_frame(self, name: str, cols: dict, n: int) -> tuple[pd.DataFrame, list]:
        spec = self.specs[name]
        cols, filled = tables.fill_labels(spec, dict(cols), n)
        return tables.frame_from_columns(spec, cols, n), filled

    # -- running -----------------------------------------------------------------------------
    def _run_step(self, step: Step, ins: dict) -> dict:
        try:
            return run_node(step.spec, ins, step.params, node_id=step.node_id,
                            workspace=self.workspace, logger=log)
        except DesignerError as exc:
            raise RequestError(str(exc), details={"node": step.title}) from None
        except Exception:
            log.error("%s failed while scoring a request:\n%s", step.title, traceback.format_exc())
            raise ScoringFailure(f"The pipeline failed to score the request ({step.title} "
                                 "failed). The server log has the details.") from None

    def run_frames(self, frames: dict, *, trace: bool = False) -> dict:
        """Run the request-dependent steps on input DataFrames; returns output DataFrames
        (with ``trace``, every node's outputs instead)."""
        values: dict[str, dict] = {}
        for name, nid in self.input_nodes.items():
            values[nid] = {"dataset": frames[name]}
        const = self._const
        for step in self.steps:
            ins = {}
            empty = False
            for port, (src, sport) in step.inputs.items():
                source = values.get(src)
                if source is None:
                    source = const[src]
                ins[port] = v = source[sport]
                empty |= v is _EMPTY or (isinstance(v, pd.DataFrame) and len(v) == 0
                                         and src not in const)
            if empty:
                # every request row was filtered out (e.g. by Clean Missing Data's row removal):
                # the rows that remain are none, whatever follows
                values[step.node_id] = {p.key: _EMPTY for p in step.spec.outputs}
                continue
            values[step.node_id] = self._run_step(step, ins)
        if trace:
            return values
        out = {}
        for name, nid in self.output_nodes.items():
            v = values[nid]["dataset"]
            if v is _EMPTY:
                v = pd.DataFrame({c["name"]: pd.Series(dtype=_DTYPES.get(c["kind"], object))
                                  for c in self.output_columns.get(name) or []})
            out[name] = v
        return out

    def score_without_fast(self, given: dict) -> dict:
        """The faithful path's raw answer (rows removed by the pipeline left out, as they are),
        which the fast path's verification compares with."""
        return self.score(given, use_fast=False, check_rows=False)

    def score(self, given: dict, *, use_fast: bool = True, check_rows: bool = True) -> dict:
        """Score checked request columns: ``given = {input name: (columns dict, n rows)}``.

        Returns ``{output name: (column names, [per-column values])}``, one row per request
        row, in order (else a 400 naming the row, see :mod:`.rows`; ``check_rows=False``
        gives the pipeline's answer as it is).
        """
        check = line_up if check_rows else _as_is
        for name in self.input_nodes:
            if name not in given:
                raise RequestError(f"The request has no input {name!r}. This endpoint takes: "
                                   f"{', '.join(map(repr, self.input_nodes))}.")
            if given[name][1] == 0:
                raise RequestError(f"Input {name!r} has no rows; send at least one row to score.")
        fast = self.fast if use_fast else None
        if fast is not None:
            result = fast.score(given)
            if result is not None:
                return check(self, given, result)
        frames, filled = {}, set()
        for name, (cols, n) in given.items():
            frames[name], f = self.request_frame(name, cols, n)
            filled.update(f)
        outs = self.run_frames(frames)
        res = {}
        for name, df in outs.items():
            if not isinstance(df, pd.DataFrame):
                raise ScoringFailure(f"Web Service Output {name!r} received no table.")
            keep = [c for c in df.columns if c not in filled]
            res[name] = ([str(c) for c in keep], [tables.series_values(df[c]) for c in keep])
        return check(self, given, res)

    def score_frames(self, frames: dict) -> dict:
        """Score DataFrames (the Python API): ``{input name: DataFrame}`` -> output DataFrames."""
        given = {}
        for name, df in frames.items():
            spec = self.specs.get(name)
            if spec is None:
                raise RequestError(f"Unknown input {name!r}; this endpoint takes "
                                   f"{', '.join(map(repr, self.input_nodes))}.")
            cols = {str(c): tables.series_values(df[c]) for c in df.columns}
            given[name] = tables.columns_from_lists(spec, cols, len(df), f"input {name!r}")
        out = self.score(given)
        return {name: pd.DataFrame(dict(zip(names, values))) for name, (names, values) in out.items()}

    # -- description -------------------------------------------------------------------------
    def example_rows(self, name: str, n: int = 1) -> list[dict]:
        spec = self.specs[name]
        df = self.samples.get(name)
        if df is None or not len(df):
            return [{c.name: _example_value(c.kind) for c in spec.request_columns}]
        cols = [c.name for c in spec.request_columns if c.name in df.columns]
        return tables.frame_records(df[cols].head(n))

    def describe(self) -> dict:
        return {"inputs": [{"name": k, "columns": [c.as_dict() for c in s.request_columns],
                            "label_columns": [c.name for c in s.labels], "open": s.open}
                           for k, s in self.specs.items()],
                "outputs": [{"name": k, "columns": self.output_columns.get(k)} for k in self.output_names],
                "fast_path": self.fast.kind if self.fast is not None else None,
                "fast_path_note": self.fast_reason,
                "compile_seconds": round(self.compile_seconds, 3)}


def _as_is(compiled, given, res):
    return res


def _placeholder(frame, name, kind):
    if isinstance(frame, pd.DataFrame) and name in frame.columns:
        s = frame[name].dropna()
        if len(s):
            return tables.python_value(s.iloc[0])
    return {"integer": 0, "double": 0.0, "boolean": False}.get(kind, "")


def _example_value(kind):
    return {"integer": 0, "double": 0.0, "boolean": False, "datetime": "2020-01-01T00:00:00",
            "timespan": "0 days"}.get(kind, "string")
