"""Schedule records in the workspace database: what runs (a pipeline endpoint or a saved
draft), when (a cron expression, or each new version of a registered dataset), whether it is
paused, and every tick that fired.

Several processes (the Jupyter server, ``jupyter designer serve`` workers) may run the same
schedules over one workspace. Each tick that fires is first *claimed*: one row per
(schedule id, tick) in ``schedule_ticks``, inserted in a write transaction; the primary key
lets exactly one process insert it, and only that process starts the run. The row then
records the run id (or the error) and the trigger.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from dataclasses import asdict, dataclass, field

from jupyter_designer.engine.errors import NotFoundError

from .workspace._common import _check_name, _close_matches, _dumps, _loads
from .workspace.errors import WorkspaceError

STATES = ("active", "paused")


@dataclass(frozen=True)
class ScheduleInfo:
    """A schedule: ``target`` ``{"kind": "pipeline_endpoint" | "draft", "name", "version",
    "parameters", "experiment"}``, ``trigger`` ``{"cron", "timezone"}`` or ``{"dataset",
    "after_version"}``."""

    id: str
    name: str
    target: dict
    trigger: dict
    state: str
    created: float
    updated: float
    last_tick: dict | None = field(default=None)

    def as_dict(self) -> dict:
        return asdict(self)


def cron_trigger(expression: str, timezone: str = "UTC"):
    """An APScheduler ``CronTrigger`` from a crontab line: 5 fields (minute hour day month
    day-of-week), or 6 with seconds first (``*/10 * * * * *``: every ten seconds)."""
    from apscheduler.triggers.cron import CronTrigger

    if not isinstance(expression, str) or not expression.strip():
        raise WorkspaceError(f"A cron schedule is a crontab line like '0 6 * * *' (minute hour "
                             f"day month day-of-week). Got {expression!r} instead.")
    fields = expression.split()
    try:
        if len(fields) == 5:
            return CronTrigger.from_crontab(expression, timezone=timezone)
        if len(fields) == 6:
            second, minute, hour, day, month, dow = fields
            return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                               day_of_week=dow, timezone=timezone)
    except (ValueError, TypeError, LookupError) as exc:
        raise WorkspaceError(f"The cron schedule {expression!r} is not valid: {exc}. Write it as "
                             "'minute hour day month day-of-week', e.g. '0 6 * * 1-5', with an "
                             "optional seconds field first.") from None
    raise WorkspaceError(f"The cron schedule {expression!r} has {len(fields)} fields; write 5 "
                         "(minute hour day month day-of-week) or 6 (seconds first).")


class Schedules:
    """The schedules of a workspace."""

    def __init__(self, workspace):
        self.ws = workspace
        self._db = workspace._db

    # -- reading ----------------------------------------------------------------------------
    def _info(self, row: sqlite3.Row, last: bool = True) -> ScheduleInfo:
        tick = None
        if last:
            t = self._db.one("SELECT * FROM schedule_ticks WHERE schedule_id = ? ORDER BY "
                             "created DESC LIMIT 1", (row["id"],))
            tick = self._tick(t) if t is not None else None
        return ScheduleInfo(id=row["id"], name=row["name"], target=_loads(row["target"], {}),
                            trigger=_loads(row["trigger"], {}), state=row["state"],
                            created=row["created"], updated=row["updated"], last_tick=tick)

    @staticmethod
    def _tick(row: sqlite3.Row) -> dict:
        return {"schedule_id": row["schedule_id"], "tick": row["tick"],
                "trigger": _loads(row["trigger"], {}), "run_id": row["run_id"],
                "error": row["error"], "worker": row["worker"], "created": row["created"]}

    def _row(self, name_or_id: str) -> sqlite3.Row:
        key = str(name_or_id).strip()
        row = self._db.one("SELECT * FROM schedules WHERE id = ? OR name = ? COLLATE NOCASE",
                           (key, key))
        if row is None:
            known = [r["name"] for r in self._db.query("SELECT name FROM schedules")]
            raise NotFoundError(f"There is no schedule {name_or_id!r}."
                                f"{_close_matches(key, known)} Schedules: "
                                f"{', '.join(map(repr, known)) or '(none)'}.")
        return row

    def get(self, name_or_id: str) -> ScheduleInfo:
        return self._info(self._row(name_or_id))

    def list(self) -> list[ScheduleInfo]:
        return [self._info(r) for r in self._db.query("SELECT * FROM schedules ORDER BY name")]

    def ticks(self, name_or_id: str, limit: int | None = 100) -> list[dict]:
        """The ticks that fired (newest first): tick, trigger, run id or error, worker."""
        sid = self._row(name_or_id)["id"]
        sql = "SELECT * FROM schedule_ticks WHERE schedule_id = ? ORDER BY created DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [self._tick(r) for r in self._db.query(sql, (sid,))]

    # -- changing ---------------------------------------------------------------------------
    def create(self, name: str, *, pipeline_endpoint: str | None = None,
               draft: str | None = None, version=None, parameters: dict | None = None,
               experiment: str | None = None, cron: str | None = None,
               dataset: str | None = None, timezone: str = "UTC") -> ScheduleInfo:
        """A schedule running pipeline endpoint ``pipeline_endpoint`` (its default version, or
        ``version``) or saved draft ``draft``, on ``cron`` or on each new version of registered
        dataset ``dataset`` (versions registered from now on)."""
        name = _check_name(name, "schedule")
        if (pipeline_endpoint is None) == (draft is None):
            raise WorkspaceError("A schedule runs a pipeline endpoint or a saved draft: give one "
                                 "of pipeline_endpoint and draft.")
        if (cron is None) == (dataset is None):
            raise WorkspaceError("A schedule fires on a cron expression or on each new version of "
                                 "a dataset: give one of cron and dataset.")
        if parameters is not None and not isinstance(parameters, dict):
            raise WorkspaceError(f"The parameters of a schedule must be a dict of name -> value. "
                                 f"Got {type(parameters).__name__} instead.")
        if experiment is not None:
            experiment = _check_name(experiment, "experiment")
        if pipeline_endpoint is not None:
            from .endpoints import PipelineEndpointRecords

            records = PipelineEndpointRecords(self.ws.path)
            if not isinstance(pipeline_endpoint, str) or not records.exists(pipeline_endpoint):
                known = [r["name"] for r in records.records()]
                raise NotFoundError(f"There is no pipeline endpoint {pipeline_endpoint!r}. "
                                    f"Pipeline endpoints: {', '.join(map(repr, known)) or '(none)'}.")
            rec = records.read(pipeline_endpoint)
            if version is not None:
                version = str(version)
                if version not in [v["version"] for v in rec.get("versions", [])]:
                    raise NotFoundError(f"Pipeline endpoint {rec['name']!r} has no version "
                                        f"{version!r}.")
            target = {"kind": "pipeline_endpoint", "name": rec["name"], "version": version}
        else:
            self.ws.load_draft(draft)  # must exist
            target = {"kind": "draft", "name": str(draft), "version": None}
        target.update(parameters=parameters or {}, experiment=experiment)
        if cron is not None:
            if not isinstance(timezone, str) or not timezone:
                raise WorkspaceError(f"The timezone must be a name like 'UTC' or 'Europe/Paris'. "
                                     f"Got {timezone!r} instead.")
            cron_trigger(cron, timezone)
            trigger = {"cron": " ".join(cron.split()), "timezone": timezone}
        else:
            info = self.ws.dataset_info(dataset)
            if info.sample:
                raise WorkspaceError(f"{dataset!r} is a built-in sample dataset; it never gets a "
                                     "new version. Trigger on a registered dataset.")
            trigger = {"dataset": info.name, "after_version": info.version}
        now = time.time()
        sid = secrets.token_hex(6)
        try:
            with self._db.write() as c:
                if c.execute("SELECT 1 FROM schedules WHERE name = ? COLLATE NOCASE",
                             (name,)).fetchone():
                    raise sqlite3.IntegrityError(name)
                c.execute("INSERT INTO schedules (id, name, target, trigger, state, created, "
                          "updated) VALUES (?, ?, ?, ?, 'active', ?, ?)",
                          (sid, name, _dumps(target, "target"), _dumps(trigger, "trigger"),
                           now, now))
        except sqlite3.IntegrityError:
            raise WorkspaceError(f"A schedule named {name!r} exists already; choose another name "
                                 "or delete it first.") from None
        return self.get(sid)

    def _set_state(self, name_or_id: str, state: str) -> ScheduleInfo:
        row = self._row(name_or_id)
        trigger = _loads(row["trigger"], {})
        if state == "active" and row["state"] != "active" and "dataset" in trigger:
            # versions registered while paused do not fire on resuming
            try:
                trigger["after_version"] = self.ws.dataset_info(trigger["dataset"]).version
            except NotFoundError:
                pass
        with self._db.write() as c:
            c.execute("UPDATE schedules SET state = ?, trigger = ?, updated = ? WHERE id = ?",
                      (state, _dumps(trigger, "trigger"), time.time(), row["id"]))
        return self.get(row["id"])

    def pause(self, name_or_id: str) -> ScheduleInfo:
        """Stop firing until :meth:`resume` (ticks in between are skipped)."""
        return self._set_state(name_or_id, "paused")

    def resume(self, name_or_id: str) -> ScheduleInfo:
        return self._set_state(name_or_id, "active")

    def delete(self, name_or_id: str) -> None:
        """Delete a schedule and its tick records (the runs it started stay)."""
        row = self._row(name_or_id)
        with self._db.write() as c:
            c.execute("DELETE FROM schedule_ticks WHERE schedule_id = ?", (row["id"],))
            c.execute("DELETE FROM schedules WHERE id = ?", (row["id"],))

    # -- firing ------------------------------------------------------------------------------
    def claim(self, schedule_id: str, tick: str, trigger: dict, worker: str) -> bool:
        """Claim a tick of an active schedule for this process: True for exactly one caller
        per (schedule, tick), False for every other (or when the schedule is paused or gone)."""
        with self._db.write() as c:
            row = c.execute("SELECT state FROM schedules WHERE id = ?", (schedule_id,)).fetchone()
            if row is None or row["state"] != "active":
                return False
            n = c.execute("INSERT OR IGNORE INTO schedule_ticks (schedule_id, tick, trigger, "
                          "worker, created) VALUES (?, ?, ?, ?, ?)",
                          (schedule_id, tick, _dumps(trigger, "trigger"), worker,
                           time.time())).rowcount
        return n == 1

    def record(self, schedule_id: str, tick: str, *, run_id: str | None = None,
               error: str | None = None) -> None:
        """What a claimed tick started: its run id, or the error that kept it from starting."""
        with self._db.write() as c:
            c.execute("UPDATE schedule_ticks SET run_id = ?, error = ? WHERE schedule_id = ? "
                      "AND tick = ?", (run_id, error, schedule_id, tick))

    def new_dataset_versions(self, info: ScheduleInfo) -> list[int]:
        """Versions of a dataset-triggered schedule's dataset registered after it was created
        (or resumed)."""
        name, after = info.trigger["dataset"], int(info.trigger.get("after_version") or 0)
        try:
            versions = self.ws.dataset_versions(name)
        except NotFoundError:
            return []
        return [v.version for v in versions if v.version > after]
