"""The runs of a workspace: what each pipeline run did, node by node."""

from __future__ import annotations

import copy
import datetime as _dt
import secrets
import sqlite3
import threading
import time

from jupyter_designer.engine.errors import NotFoundError

from .._fs import HOST, pid_alive, process_start_time
from ..artifacts import ArtifactStore
from ..db import Database
from ..records import FINAL_RUN_STATUSES, NODE_STATUSES, RUN_STATUSES, NodeRecord, RunRecord
from ._common import _check_name, _close_matches, _dumps, _loads
from .errors import WorkspaceError


class RunsPart:
    """Record runs and their nodes, read them back, find their outputs."""

    _db: Database
    _artifacts: ArtifactStore

    def create_run(self, *, experiment: str, pipeline_name: str, snapshot: dict,
                   parameters: dict, compute: str = "local", pid: int | None = None,
                   draft: str | None = None) -> str:
        """Record a new run (status ``running``) and return its id, which sorts by time.

        ``snapshot`` is the pipeline document as run; ``parameters`` the pipeline parameter
        values; ``pid`` the process executing it (so a crash can be detected later).
        """
        experiment = _check_name(experiment, "experiment")
        if not isinstance(snapshot, dict):
            raise WorkspaceError(f"A run's snapshot must be a pipeline document (dict). Got "
                                 f"{type(snapshot).__name__} instead.")
        parameters = {} if parameters is None else parameters
        if not isinstance(parameters, dict):
            raise WorkspaceError(f"A run's parameters must be a dict. Got "
                                 f"{type(parameters).__name__} instead.")
        snap_text = _dumps(snapshot, "run snapshot")
        params_text = _dumps(parameters, "run parameters")
        lineage_text = _dumps(self._snapshot_lineage(snapshot, draft), "run lineage")
        run_id, now = _new_run_id()
        pid_start = process_start_time(pid) if pid else None
        with self._db.write() as c:
            c.execute("INSERT OR IGNORE INTO experiments (name, created) VALUES (?, ?)",
                      (experiment, now))
            c.execute("INSERT INTO runs (id, experiment, pipeline_name, status, created, parameters,"
                      " compute, snapshot, metrics, pid, pid_start, host, draft, lineage)"
                      " VALUES (?, ?, ?, 'running', ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?)",
                      (run_id, experiment, str(pipeline_name or ""), now, params_text,
                       str(compute or "local"), snap_text, pid, pid_start, HOST,
                       str(draft).strip().casefold() if draft else None, lineage_text))
        return run_id

    def _snapshot_lineage(self, snapshot: dict, draft: str | None) -> dict:
        """What a run reads: each dataset node's dataset as name + resolved version (the
        latest when the node names none), and the stored models and transformations an
        inference pipeline's nodes carry, with the run that trained them."""
        from jupyter_designer.engine.errors import DesignerError

        datasets, models = [], []
        nodes = snapshot.get("nodes") or []
        for node in nodes if isinstance(nodes, list) else []:
            data = node.get("data") if isinstance(node, dict) else None
            if node.get("kind") != "dataset" or not isinstance(data, dict):
                continue
            if data.get("artifact"):
                models.append({"node": node.get("id"), "name": data.get("name"),
                               "type": data.get("type"), "artifact": data["artifact"],
                               "source_run": data.get("source_run"),
                               "source_node": data.get("source_node")})
            elif isinstance(data.get("name"), str):
                try:
                    info = self.dataset_info(data["name"], data.get("version"))
                except (DesignerError, ValueError, TypeError):
                    continue
                datasets.append({"node": node.get("id"), "name": info.name,
                                 "version": info.version, "sample": info.sample,
                                 "content_hash": info.content_hash})
        lineage: dict = {"datasets": datasets}
        if models:
            lineage["models"] = models
        if draft:
            lineage["draft"] = str(draft)
        return lineage

    def set_run_lineage(self, run_id: str, **fields) -> dict:
        """Add what a run came from (e.g. ``pipeline_endpoint={"name", "version"}``,
        ``trigger={"schedule", "tick", ...}``) to its recorded lineage; returns the lineage."""
        with self._db.write() as c:
            row = self._run_row(c, run_id)
            lineage = {**_loads(row["lineage"], {}), **fields}
            c.execute("UPDATE runs SET lineage = ? WHERE id = ?",
                      (_dumps(lineage, "run lineage"), row["id"]))
        return lineage

    def _run_row(self, c, run_id: str) -> sqlite3.Row:
        row = c.execute("SELECT * FROM runs WHERE id = ?", (str(run_id),)).fetchone()
        if row is None:
            raise NotFoundError(f"There is no run {run_id!r} in this workspace.")
        return row

    def update_run(self, run_id: str, *, status: str | None = None, error: str | None = None,
                   finished: float | None = None, metrics: dict | None = None) -> None:
        """Change a run's status, error, finish time, or add run-level metrics (merged).

        Moving to a final status (completed, failed, interrupted, canceled) sets the finish
        time to now unless ``finished`` is given.
        """
        if status is not None and status not in RUN_STATUSES:
            raise WorkspaceError(f"A run status must be one of {', '.join(RUN_STATUSES)}. Got "
                                 f"{status!r} instead.")
        if metrics is not None and not isinstance(metrics, dict):
            raise WorkspaceError(f"Run metrics must be a dict. Got {type(metrics).__name__}.")
        with self._db.write() as c:
            row = self._run_row(c, run_id)
            sets, args = [], []
            if status is not None:
                sets.append("status = ?")
                args.append(status)
                if finished is None and status in FINAL_RUN_STATUSES and row["finished"] is None:
                    finished = time.time()
            if error is not None:
                sets.append("error = ?")
                args.append(str(error))
            if finished is not None:
                sets.append("finished = ?")
                args.append(float(finished))
            if metrics:
                merged = {**_loads(row["metrics"], {}), **metrics}
                sets.append("metrics = ?")
                args.append(_dumps(merged, "run metrics"))
            if sets:
                c.execute(f"UPDATE runs SET {', '.join(sets)} WHERE id = ?", (*args, row["id"]))

    def set_node(self, run_id: str, node_id: str, *, status: str, title: str | None = None,
                 started: float | None = None, finished: float | None = None,
                 duration: float | None = None, cache_key: str | None = None,
                 outputs: dict | None = None, error: str | None = None, log=None,
                 metrics: dict | None = None) -> None:
        """Record a node's state in a run. Only the fields given change; ``outputs`` (port ->
        artifact id) and ``log`` replace what was there, ``metrics`` are merged."""
        if status not in NODE_STATUSES:
            raise WorkspaceError(f"A node status must be one of {', '.join(NODE_STATUSES)}. Got "
                                 f"{status!r} instead.")
        if isinstance(log, (list, tuple)):
            log = "\n".join(str(x) for x in log)
        if outputs is not None and not isinstance(outputs, dict):
            raise WorkspaceError(f"Node outputs must be a dict of port -> artifact id. Got "
                                 f"{type(outputs).__name__}.")
        if metrics is not None and not isinstance(metrics, dict):
            raise WorkspaceError(f"Node metrics must be a dict. Got {type(metrics).__name__}.")
        fields = {"status": status, "title": title, "started": started, "finished": finished,
                  "duration": duration, "cache_key": cache_key, "error": error,
                  "log": None if log is None else str(log),
                  "outputs": None if outputs is None else _dumps(
                      {str(k): v for k, v in outputs.items()}, "node outputs")}
        with self._db.write() as c:
            self._run_row(c, run_id)
            row = c.execute("SELECT metrics FROM nodes WHERE run_id = ? AND node_id = ?",
                            (str(run_id), str(node_id))).fetchone()
            if metrics:
                old = _loads(row["metrics"], {}) if row is not None else {}
                fields["metrics"] = _dumps({**old, **metrics}, "node metrics")
            given = {k: v for k, v in fields.items() if v is not None}
            if row is None:
                seq = c.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM nodes WHERE run_id = ?",
                                (str(run_id),)).fetchone()[0]
                cols = ["run_id", "node_id", "seq", *given]
                c.execute(f"INSERT INTO nodes ({', '.join(cols)}) VALUES "
                          f"({', '.join('?' * len(cols))})",
                          (str(run_id), str(node_id), seq, *given.values()))
            else:
                c.execute(f"UPDATE nodes SET {', '.join(f'{k} = ?' for k in given)} "
                          "WHERE run_id = ? AND node_id = ?",
                          (*given.values(), str(run_id), str(node_id)))

    def append_log(self, run_id: str, node_id: str, text: str) -> None:
        """Append text to a node's log (the node must have been recorded with :meth:`set_node`)."""
        with self._db.write() as c:
            n = c.execute("UPDATE nodes SET log = log || ? WHERE run_id = ? AND node_id = ?",
                          (str(text), str(run_id), str(node_id))).rowcount
        if not n:
            raise NotFoundError(f"Run {run_id!r} has no node {node_id!r}.")

    def _node_record(self, row: sqlite3.Row) -> NodeRecord:
        duration = row["duration"]
        if duration is None and row["started"] is not None and row["finished"] is not None:
            duration = row["finished"] - row["started"]
        return NodeRecord(node_id=row["node_id"], status=row["status"], title=row["title"],
                          started=row["started"], finished=row["finished"], duration=duration,
                          cache_key=row["cache_key"], outputs=_loads(row["outputs"], {}),
                          error=row["error"], log=row["log"] or "",
                          metrics=_loads(row["metrics"], {}))

    def _run_record(self, row: sqlite3.Row, node_rows: list) -> RunRecord:
        nodes = {r["node_id"]: self._node_record(r) for r in node_rows}
        finished = row["finished"]
        return RunRecord(
            id=row["id"], experiment=row["experiment"], pipeline_name=row["pipeline_name"],
            status=row["status"], created=row["created"], finished=finished,
            duration=(finished - row["created"]) if finished is not None else None,
            parameters=_loads(row["parameters"], {}), compute=row["compute"],
            snapshot=_loads(row["snapshot"], {}),
            metrics=_merge_metrics(_loads(row["metrics"], {}), nodes),
            error=row["error"], nodes=nodes, pid=row["pid"], host=row["host"],
            lineage=_loads(row["lineage"], {}))

    def get_run(self, run_id: str) -> RunRecord:
        """Everything recorded about a run."""
        row = self._db.one("SELECT * FROM runs WHERE id = ?", (str(run_id),))
        if row is None:
            known = [r["id"] for r in self._db.query(
                "SELECT id FROM runs ORDER BY created DESC LIMIT 200")]
            raise NotFoundError(f"There is no run {run_id!r} in this workspace."
                                f"{_close_matches(run_id, known)}")
        nodes = self._db.query("SELECT * FROM nodes WHERE run_id = ? ORDER BY seq", (row["id"],))
        return self._run_record(row, nodes)

    def list_runs(self, experiment: str | None = None, status=None, pipeline: str | None = None,
                  limit: int | None = 100) -> list[RunRecord]:
        """Runs, newest first, optionally of one experiment / status (or list) / pipeline."""
        where, args = [], []
        if experiment is not None:
            where.append("experiment = ?")
            args.append(experiment)
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            bad = [s for s in statuses if s not in RUN_STATUSES]
            if bad:
                raise WorkspaceError(f"A run status must be one of {', '.join(RUN_STATUSES)}. "
                                     f"Got {bad[0]!r} instead.")
            where.append(f"status IN ({', '.join('?' * len(statuses))})")
            args.extend(statuses)
        if pipeline is not None:
            where.append("pipeline_name = ?")
            args.append(pipeline)
        sql = "SELECT * FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._db.query(sql, args)
        by_run: dict[str, list] = {r["id"]: [] for r in rows}
        ids = list(by_run)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for n in self._db.query(f"SELECT * FROM nodes WHERE run_id IN "
                                    f"({', '.join('?' * len(chunk))}) ORDER BY seq", chunk):
                by_run[n["run_id"]].append(n)
        return [self._run_record(r, by_run[r["id"]]) for r in rows]

    def latest_draft_run(self, draft: str, pipeline_name: str | None = None) -> tuple | None:
        """``(run_id, status)`` of the newest run submitted from draft ``draft`` (or, for runs
        that name no draft, of a pipeline called ``pipeline_name`` submitted since the draft
        was created); None when there is none. Cheap enough to poll."""
        key = str(draft).strip().casefold()
        args = [key]
        sql = "SELECT id, status FROM runs WHERE draft = ?"
        if pipeline_name:
            sql += (" OR (draft IS NULL AND pipeline_name = ? AND created >= "
                    "(SELECT MIN(created) FROM drafts WHERE name_key = ?))")
            args += [str(pipeline_name), key]
        row = self._db.one(sql + " ORDER BY created DESC, id DESC LIMIT 1", args)
        return (row["id"], row["status"]) if row else None

    def node_statuses(self, run_id: str) -> dict:
        """``{node_id: (status, duration, error)}`` of a run, straight from the database."""
        return {r["node_id"]: (r["status"], r["duration"], r["error"]) for r in self._db.query(
            "SELECT node_id, status, duration, error FROM nodes WHERE run_id = ?", (str(run_id),))}

    def _node_of(self, run_id: str, node_id: str) -> NodeRecord:
        run = self.get_run(run_id)
        node = run.nodes.get(str(node_id))
        if node is None:
            raise NotFoundError(f"Run {run_id!r} has no node {node_id!r}. Its nodes are: "
                                f"{', '.join(repr(n) for n in run.nodes) or '(none)'}.")
        return node

    def _output_id(self, run_id: str, node_id: str, port: str) -> tuple[NodeRecord, str]:
        node = self._node_of(run_id, node_id)
        if port in node.outputs:
            return node, node.outputs[port]
        for k in node.outputs:
            if k.casefold() == str(port).casefold():
                return node, node.outputs[k]
        if not node.outputs:
            raise NotFoundError(f"Node {node.title or node_id!r} of run {run_id!r} has no stored "
                                f"outputs (its status is {node.status}).")
        raise NotFoundError(f"Node {node.title or node_id!r} of run {run_id!r} has no output "
                            f"{port!r}. Its outputs are: "
                            f"{', '.join(repr(p) for p in node.outputs)}.")

    def run_output(self, run_id: str, node_id: str, port: str):
        """The value a node of a run produced on an output port."""
        _, aid = self._output_id(run_id, node_id, port)
        return self._artifacts.load(aid)

    def clone_run(self, run_id: str) -> dict:
        """The pipeline document a run executed, to open as a new draft."""
        return copy.deepcopy(self.get_run(run_id).snapshot)

    def delete_run(self, run_id: str) -> None:
        """Delete a run record (its outputs stay in the artifact store for reuse)."""
        with self._db.write() as c:
            n = c.execute("DELETE FROM runs WHERE id = ?", (str(run_id),)).rowcount
        if not n:
            raise NotFoundError(f"There is no run {run_id!r} in this workspace.")

    def mark_interrupted_runs(self) -> list[str]:
        """Mark runs still ``running`` whose process (on this host) is gone as interrupted,
        with their running and queued nodes; returns their ids. Done on opening."""
        candidates = self._db.query(
            "SELECT id, pid, pid_start FROM runs WHERE status = 'running' AND pid IS NOT NULL "
            "AND (host = ? OR host IS NULL)", (HOST,))
        dead = [r for r in candidates if not pid_alive(r["pid"], r["pid_start"])]
        marked = []
        for r in dead:
            with self._db.write() as c:
                now = time.time()
                n = c.execute(
                    "UPDATE runs SET status = 'interrupted', finished = COALESCE(finished, ?),"
                    " error = COALESCE(error, ?) WHERE id = ? AND status = 'running'",
                    (now, f"The run was interrupted: the process running it (pid {r['pid']}) "
                          "ended before it finished. Re-run it to continue; completed nodes are "
                          "reused.", r["id"])).rowcount
                if n:
                    c.execute("UPDATE nodes SET status = 'interrupted', finished = "
                              "COALESCE(finished, ?) WHERE run_id = ? AND status IN "
                              "('running', 'queued')", (now, r["id"]))
                    marked.append(r["id"])
        return marked


_run_id_lock = threading.Lock()
_last_run_time = [0.0]


def _new_run_id() -> tuple[str, float]:
    """A run id that sorts by creation time, and that time."""
    now = time.time()
    with _run_id_lock:
        if now <= _last_run_time[0]:
            now = _last_run_time[0] + 1e-6
        _last_run_time[0] = now
    stamp = _dt.datetime.fromtimestamp(now, _dt.timezone.utc)
    return f"{stamp:%Y%m%d-%H%M%S}-{stamp.microsecond:06d}-{secrets.token_hex(3)}", now


def _merge_metrics(run_metrics: dict, nodes: dict) -> dict:
    """Run metrics plus every node's metrics. A metric name reported by one node keeps its
    name; a name reported by several nodes is prefixed with each node's title."""
    owners: dict[str, int] = {}
    for n in nodes.values():
        for k in n.metrics:
            owners[k] = owners.get(k, 0) + 1
    title_counts: dict[str, int] = {}
    for n in nodes.values():
        t = n.title or n.node_id
        title_counts[t] = title_counts.get(t, 0) + 1
    merged: dict = {}
    for n in nodes.values():
        t = n.title or n.node_id
        label = t if title_counts[t] == 1 else f"{t} [{n.node_id}]"
        for k, v in n.metrics.items():
            merged[k if owners[k] == 1 else f"{label}: {k}"] = v
    merged.update(run_metrics)
    return merged
