"""The experiments of a workspace (named groups of runs) and run comparison."""

from __future__ import annotations

import json
from typing import Any, Iterable

from jupyter_designer.engine.params import PIPELINE_PARAMETER, is_binding

from ..artifacts import ArtifactStore
from ..db import Database
from ..records import ExperimentInfo


class ExperimentsPart:
    """List experiments and compare runs."""

    _db: Database
    _artifacts: ArtifactStore

    def list_experiments(self) -> list[ExperimentInfo]:
        """Every experiment with its number of runs, most recently used first."""
        exps = self._db.query("SELECT * FROM experiments")
        stats: dict[str, dict] = {}
        for r in self._db.query("SELECT experiment, status, COUNT(*) AS n, MAX(created) AS last"
                                " FROM runs GROUP BY experiment, status"):
            s = stats.setdefault(r["experiment"], {"statuses": {}, "runs": 0})
            s["statuses"][r["status"]] = r["n"]
            s["runs"] += r["n"]
        last = {r["experiment"]: (r["id"], r["created"]) for r in self._db.query(
            "SELECT experiment, id, MAX(created) AS created FROM runs GROUP BY experiment")}
        out = []
        for e in exps:
            s = stats.get(e["name"], {"statuses": {}, "runs": 0})
            lid, lcreated = last.get(e["name"], (None, None))
            out.append(ExperimentInfo(e["name"], e["created"], s["runs"], lid, lcreated,
                                      s["statuses"]))
        out.sort(key=lambda x: -(x.last_run_created or x.created))
        return out

    def compare_runs(self, run_ids: Iterable[str], *, differences_only: bool = False):
        """A table comparing runs: one column per run; rows are ``("parameter", "<node>:
        <parameter>")`` for pipeline and node parameters and ``("metric", name)`` for scalar
        metrics. ``differences_only`` keeps only rows whose values differ between runs."""
        import pandas as pd

        runs = [self.get_run(r) for r in run_ids]
        columns: dict[str, dict] = {}
        order: list[tuple] = []
        for run in runs:
            values: dict[tuple, Any] = {}
            for name, value in sorted(run.parameters.items()):
                values[("parameter", f"Pipeline parameter: {name}")] = _cell(value)
            for title, pname, value in _snapshot_parameters(run.snapshot, run.parameters,
                                                            run.nodes):
                values[("parameter", f"{title}: {pname}")] = _cell(value)
            for name, value in run.metrics.items():
                if _scalar(value):
                    values[("metric", name)] = value.item() if hasattr(value, "item") else value
            for k in values:
                if k not in order:
                    order.append(k)
            columns[run.id] = values
        index = pd.MultiIndex.from_tuples(
            sorted(order, key=lambda k: (k[0] != "parameter", order.index(k))),
            names=["kind", "name"]) if order else \
            pd.MultiIndex.from_tuples([], names=["kind", "name"])
        table = pd.DataFrame({rid: [vals.get(k) for k in index] for rid, vals in columns.items()},
                             index=index, dtype=object)
        if differences_only and len(table.columns) > 1:
            keep = [len({json.dumps(v, default=str, sort_keys=True) for v in row}) > 1
                    for row in table.itertuples(index=False)]
            table = table[keep]
        return table


def _scalar(value) -> bool:
    return value is None or isinstance(value, (str, bool, int, float)) or \
        type(value).__module__ == "numpy" and getattr(value, "ndim", 1) == 0


def _cell(value):
    if _scalar(value):
        return value.item() if hasattr(value, "item") else value
    return json.dumps(value, sort_keys=True, default=str)


def _snapshot_parameters(snapshot: dict, run_parameters: dict, nodes: dict):
    """(node title, parameter, value) for every node parameter in a pipeline document, with
    pipeline-parameter bindings replaced by the run's values."""
    raw_nodes = snapshot.get("nodes") or []
    if isinstance(raw_nodes, dict):
        items = [(str(k), v) for k, v in raw_nodes.items() if isinstance(v, dict)]
    else:
        items = [(str(v.get("id", i)), v) for i, v in enumerate(raw_nodes) if isinstance(v, dict)]
    defaults = {}
    declared = snapshot.get("parameters") or snapshot.get("pipeline_parameters") or {}
    if isinstance(declared, dict):
        for k, v in declared.items():
            defaults[k] = v.get("default") if isinstance(v, dict) else v
    elif isinstance(declared, list):
        for p in declared:
            if isinstance(p, dict) and "name" in p:
                defaults[p["name"]] = p.get("default")
    titled = []
    for node_id, node in items:
        record = nodes.get(node_id)
        data = node.get("data") if isinstance(node.get("data"), dict) else {}
        title = (record.title if record is not None and record.title else None) or \
            node.get("title") or node.get("component_name") or data.get("name") or \
            node.get("component") or node.get("name") or node_id
        params = node.get("params")
        if params is None:
            params = node.get("parameters")
        titled.append((node_id, str(title), params if isinstance(params, dict) else {}))
    counts: dict[str, int] = {}
    for _, title, _ in titled:
        counts[title] = counts.get(title, 0) + 1
    for node_id, title, params in titled:
        shown = title if counts[title] == 1 else f"{title} [{node_id}]"
        for pname in sorted(params):
            value = params[pname]
            if is_binding(value):
                bound = value[PIPELINE_PARAMETER]
                value = run_parameters.get(bound, defaults.get(bound))
            yield shown, pname, value
