"""Running a workspace's schedules in a server process (the Jupyter server extension and each
``jupyter designer serve`` worker).

APScheduler does the timing: a background scheduler holds one cron job per active cron
schedule, and a sync job (every ``sync_seconds``) brings those jobs in line with the
workspace's schedule records (made, paused, resumed or deleted by any process) and looks for
new versions of the datasets that dataset-triggered schedules watch. Schedules live in the
workspace, so they survive restarts. Before a tick starts a run it is claimed in the
workspace database (:meth:`~jupyter_designer.store.schedules.Schedules.claim`): when several
processes share one workspace, exactly one of them runs each tick.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import socket
import threading

from jupyter_designer.store.schedules import Schedules, cron_trigger

__all__ = ["ScheduleService", "start_schedules", "fire"]

#: seconds a tick may start late (the process was busy or asleep) and still run
MISFIRE_GRACE = 30


def _tick_text(when: _dt.datetime) -> str:
    return when.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fire(ws, info, tick: str, trigger: dict, *, worker: str, runner=None,
         log: logging.Logger | None = None) -> str | None:
    """Claim ``tick`` of schedule ``info`` and, when this caller won it, start its run;
    returns the run id (``None`` when another process has the tick, or the schedule is
    paused or gone). The tick records the run id, or the error that kept the run from
    starting."""
    from jupyter_designer.engine.errors import DesignerError

    store = Schedules(ws)
    if not store.claim(info.id, tick, trigger, worker):
        return None
    target = info.target
    try:
        experiment = target.get("experiment") or info.name
        if target["kind"] == "pipeline_endpoint":
            from jupyter_designer.serving import PipelineEndpoints

            handle = PipelineEndpoints(ws).submit(
                target["name"], parameters=target.get("parameters") or None,
                version=target.get("version"), experiment=experiment, background=True,
                runner=runner)
        else:
            from jupyter_designer.engine.pipeline import Pipeline
            from jupyter_designer.engine.runner import Runner

            p = Pipeline.from_dict(ws.load_draft(target["name"]),
                                   source=f"draft {target['name']!r}", workspace=ws)
            p.draft_name = target["name"]
            handle = (runner or Runner(ws)).submit(p, experiment,
                                                   target.get("parameters") or None,
                                                   background=True)
        ws.set_run_lineage(handle.run_id, trigger={"schedule": info.name, "schedule_id": info.id,
                                                   "tick": tick, **trigger})
    except DesignerError as exc:
        store.record(info.id, tick, error=str(exc))
        (log or logging.getLogger(__name__)).warning("schedule %r, tick %s: %s", info.name,
                                                     tick, exc)
        return None
    store.record(info.id, tick, run_id=handle.run_id)
    return handle.run_id


class _TickExecutor:
    """APScheduler's thread pool executor, giving each job the time it was scheduled for (the
    tick), which every process computes alike from the same cron expression."""

    @staticmethod
    def make(workers: int):
        from apscheduler.executors.pool import ThreadPoolExecutor

        class TickExecutor(ThreadPoolExecutor):
            def _do_submit_job(self, job, run_times):
                def call():
                    now = _dt.datetime.now(_dt.timezone.utc)
                    for when in run_times:
                        if (now - when).total_seconds() <= MISFIRE_GRACE:
                            job.func(*job.args, tick=when)

                def done(f):
                    if f.exception() is not None:
                        self._run_job_error(job.id, f.exception(), f.exception().__traceback__)
                    else:
                        self._run_job_success(job.id, [])

                try:
                    fut = self._pool.submit(call)
                except RuntimeError:  # the process is exiting: its thread pools take no more work
                    return
                fut.add_done_callback(done)

        return TickExecutor(workers)


class ScheduleService:
    """The schedules of one workspace, running in this process until :meth:`stop`."""

    def __init__(self, ws, *, runner=None, sync_seconds: float = 2.0, log=None,
                 worker: str | None = None):
        self.ws = ws
        self.runner = runner
        self.sync_seconds = float(sync_seconds)
        self.log = log or logging.getLogger("jupyter_designer.scheduling")
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self._scheduler = None
        self._jobs: dict[str, str] = {}   # APScheduler job id -> schedule id
        self._lock = threading.Lock()
        #: run ids this process started, newest last
        self.started: list[str] = []
        #: cron ticks this process tried to claim (other processes may have won some)
        self.attempts = 0

    def start(self) -> "ScheduleService":
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        # the built-in components register on first import: once, here, not racing in the
        # scheduler's threads
        import jupyter_designer.components  # noqa: F401

        self._scheduler = BackgroundScheduler(
            timezone=_dt.timezone.utc, executors={"default": _TickExecutor.make(4)},
            job_defaults={"coalesce": True, "max_instances": 4,
                          "misfire_grace_time": MISFIRE_GRACE})
        self._scheduler.start()
        self._scheduler.add_job(self._sync_job, IntervalTrigger(seconds=self.sync_seconds),
                                id="sync", max_instances=1,
                                next_run_time=_dt.datetime.now(_dt.timezone.utc))
        return self

    def stop(self, wait: bool = False) -> None:
        """Stop firing; with ``wait``, return once the ticks being fired have started their runs."""
        if self._scheduler is not None:
            if self._scheduler.running:
                self._scheduler.shutdown(wait=wait)
            self._scheduler = None

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def jobs(self) -> dict:
        """APScheduler job id -> next fire time, of the cron schedules this process runs."""
        sch = self._scheduler
        return {} if sch is None else {
            j.id: j.next_run_time for j in sch.get_jobs() if j.id != "sync"}

    def _sync_job(self, tick=None) -> None:
        if not (self.ws.path / "designer.db").exists():
            # the workspace is gone (a temporary one, removed): nothing left to run
            self.log.warning("jupyter-designer: workspace %s is gone; schedules stop", self.ws.path)
            self._scheduler.shutdown(wait=False)
            return
        try:
            self.sync()
        except Exception as exc:  # a bad record must not stop the other schedules
            if "is closed" in str(exc):   # the process closed the workspace
                self._scheduler.shutdown(wait=False)
                return
            self.log.exception("jupyter-designer: syncing schedules failed")

    def sync(self) -> None:
        """Bring the cron jobs in line with the workspace's records and fire dataset triggers."""
        store = Schedules(self.ws)
        wanted: dict[str, object] = {}
        for info in store.list():
            if info.state != "active":
                continue
            if "cron" in info.trigger:
                key = f"cron:{info.id}:{info.trigger['cron']}:{info.trigger.get('timezone')}"
                wanted[key] = info
            elif "dataset" in info.trigger:
                for version in store.new_dataset_versions(info):
                    run_id = fire(self.ws, info, f"dataset:{info.trigger['dataset']}:v{version}",
                                  {"dataset": info.trigger["dataset"], "version": version},
                                  worker=self.worker, runner=self.runner, log=self.log)
                    if run_id:
                        self.started.append(run_id)
        sch = self._scheduler
        if sch is None:
            return
        with self._lock:
            for job_id in [j for j in self._jobs if j not in wanted]:
                try:
                    sch.remove_job(job_id)
                except Exception:  # already gone
                    pass
                self._jobs.pop(job_id, None)
            for job_id, info in wanted.items():
                if job_id in self._jobs:
                    continue
                try:
                    trigger = cron_trigger(info.trigger["cron"], info.trigger.get("timezone", "UTC"))
                except Exception as exc:
                    self.log.warning("schedule %r: %s", info.name, exc)
                    continue
                sch.add_job(self._cron_job, trigger, args=(info.id,), id=job_id,
                            name=f"schedule {info.name}")
                self._jobs[job_id] = info.id

    def _cron_job(self, schedule_id: str, tick=None) -> None:
        from jupyter_designer.engine.errors import NotFoundError

        try:
            info = Schedules(self.ws).get(schedule_id)
        except NotFoundError:
            return
        when = tick or _dt.datetime.now(_dt.timezone.utc)
        self.attempts += 1
        run_id = fire(self.ws, info, _tick_text(when), {"cron": info.trigger["cron"]},
                      worker=self.worker, runner=self.runner, log=self.log)
        if run_id:
            self.started.append(run_id)


def start_schedules(ws, *, runner=None, log=None, sync_seconds: float | None = None):
    """Start running ``ws``'s schedules in this process (a daemon thread); returns the
    :class:`ScheduleService` (``None`` when ``$JUPYTER_DESIGNER_SCHEDULES`` is ``off``)."""
    if os.environ.get("JUPYTER_DESIGNER_SCHEDULES", "").lower() in ("off", "0", "false", "no"):
        return None
    if sync_seconds is None:
        sync_seconds = float(os.environ.get("JUPYTER_DESIGNER_SCHEDULES_SYNC", "2") or 2)
    return ScheduleService(ws, runner=runner, log=log, sync_seconds=sync_seconds).start()
