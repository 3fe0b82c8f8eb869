"""Schedules: a one-second cron schedule run by two worker processes sharing one workspace
fires exactly once per tick; pause, resume and delete take effect; a dataset-version trigger
fires once per new version; schedules survive a restart (they live in the workspace)."""

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "serving"))

from automobile import DATASET, SAMPLE, automobile_pipeline  # noqa: E402

from jupyter_designer.app.schedules import (create_schedule, create_schedule_request,  # noqa: E402
                                            delete_schedule, get_schedule, list_schedules,
                                            pause_schedule, resume_schedule)
from jupyter_designer.engine.errors import DesignerError, NotFoundError  # noqa: E402
from jupyter_designer.scheduling import ScheduleService  # noqa: E402
from jupyter_designer.store import Workspace  # noqa: E402
from jupyter_designer.store.schedules import Schedules  # noqa: E402

EVERY_SECOND = "* * * * * *"


def wait_for(check, what, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory):
    """A workspace with pipeline endpoint 'retrain' (the automobile sample, run once so later
    runs reuse its outputs) and a registered dataset 'cars' with a draft reading it."""
    from jupyter_designer.engine.runner import Runner
    from jupyter_designer.serving import PipelineEndpoints

    folder = tmp_path_factory.mktemp("schedules") / "ws"
    with Workspace(folder) as ws:
        PipelineEndpoints(ws).publish("retrain", SAMPLE)
        Runner(ws).submit(automobile_pipeline(ws), "warm-up")
        ws.register_dataset("cars", ws.get_dataset(DATASET))
        doc = automobile_pipeline(ws).to_dict()
        for n in doc["nodes"]:
            if n["kind"] == "dataset":
                n["data"] = {"name": "cars", "type": "dataset"}
        ws.save_draft("cars draft", doc)
    return folder


@pytest.fixture
def ws(base_dir, tmp_path):
    import shutil

    shutil.copytree(base_dir, tmp_path / "ws")
    w = Workspace(tmp_path / "ws")
    yield w
    w.close()


def scheduled_runs(ws, name):
    return [r for r in ws.list_runs(limit=None)
            if (r.lineage.get("trigger") or {}).get("schedule") == name]


WORKER = textwrap.dedent("""
    import json, sys, time
    from jupyter_designer.store import Workspace
    from jupyter_designer.scheduling import ScheduleService
    ws = Workspace(sys.argv[1])
    service = ScheduleService(ws, sync_seconds=0.5).start()
    while not service.jobs():   # the cron job is in place
        time.sleep(0.05)
    print("started", flush=True)
    sys.stdin.readline()        # run until the test says stop
    service.stop(wait=True)     # the ticks being fired finish recording
    print(json.dumps({"started": service.started, "attempts": service.attempts}), flush=True)
""")


def test_two_workers_fire_exactly_once_per_tick(ws):
    info = create_schedule(ws, "every second", pipeline_endpoint="retrain", cron=EVERY_SECOND)
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(ws.path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "started"
        store = Schedules(ws)
        wait_for(lambda: len(store.ticks(info["id"])) >= 4, "four ticks")
        outs = []
        for p in procs:
            p.stdin.write("stop\n")
            p.stdin.flush()
            outs.append(json.loads(p.stdout.readline()))
    finally:
        for p in procs:
            p.stdin.close()
            p.wait(timeout=60)
    ticks = Schedules(ws).ticks(info["id"], limit=None)
    # both workers competed for the ticks (more claims were tried than ticks ran), and each
    # tick went to one of them
    assert all(o["attempts"] >= 1 for o in outs), outs
    assert sum(o["attempts"] for o in outs) > len(ticks), (outs, ticks)
    started = [rid for o in outs for rid in o["started"]]
    assert len(started) == len(set(started)) == len(ticks)
    assert sorted(t["run_id"] for t in ticks) == sorted(started)
    assert len({t["tick"] for t in ticks}) == len(ticks)
    assert all(t["tick"].endswith(".000000Z") for t in ticks)   # whole seconds of the cron
    # every triggered run is recorded once, with its tick and trigger, in the workspace
    runs = scheduled_runs(ws, "every second")
    assert sorted(r.id for r in runs) == sorted(started)
    for r in runs:
        trig = r.lineage["trigger"]
        assert trig["cron"] == EVERY_SECOND and trig["tick"] in {t["tick"] for t in ticks}
        assert r.lineage["pipeline_endpoint"] == {"name": "retrain", "version": "1"}
        assert r.experiment == "every second"


def test_serve_with_two_workers_runs_each_tick_once(ws, tmp_path):
    """`jupyter designer serve --workers 2` (two forked workers over one workspace) runs the
    schedules: each tick once, each run recorded once."""
    sys.path.insert(0, str(Path(__file__).parent / "server"))
    from live_servers import LiveServer

    info = create_schedule(ws, "served", pipeline_endpoint="retrain", cron=EVERY_SECOND)
    server = LiveServer("serve", ws.path, tmp_path, extra=["--workers", "2"])
    try:
        server.wait_ready()
        wait_for(lambda: len([t for t in Schedules(ws).ticks(info["id"]) if t["run_id"]]) >= 4,
                 "four ticks with runs")
        pause_schedule(ws, "served")
    finally:
        server.stop()
    ticks = Schedules(ws).ticks(info["id"], limit=None)
    assert len({t["tick"] for t in ticks}) == len(ticks)
    run_ids = [t["run_id"] for t in ticks if t["run_id"]]
    assert sorted(r.id for r in scheduled_runs(ws, "served")) == sorted(run_ids)


def test_pause_resume_delete(ws):
    service = ScheduleService(ws, sync_seconds=0.3).start()
    try:
        create_schedule(ws, "often", pipeline_endpoint="retrain", cron=EVERY_SECOND,
                        experiment="often runs")
        store = Schedules(ws)
        wait_for(lambda: store.ticks("often"), "a first tick")
        paused = pause_schedule(ws, "often")
        assert paused["state"] == "paused"
        n = len(store.ticks("often"))
        time.sleep(2.5)   # two ticks of the cron pass while paused
        assert len(store.ticks("often")) == n
        assert resume_schedule(ws, "often")["state"] == "active"
        wait_for(lambda: len(store.ticks("often")) > n, "a tick after resuming")
        sid = store.get("often").id
        delete_schedule(ws, "often")
        wait_for(lambda: not any(sid in j for j in service.jobs()), "the job to go")
        before = len(service.started)
        time.sleep(1.5)
        assert len(service.started) == before
        with pytest.raises(NotFoundError, match="no schedule 'often'"):
            get_schedule(ws, "often")
        assert list_schedules(ws) == []
        assert {r.experiment for r in scheduled_runs(ws, "often")} == {"often runs"}
    finally:
        service.stop()


def test_dataset_trigger_fires_once_per_new_version(ws):
    info = create_schedule(ws, "on new cars", draft="cars draft", dataset="cars")
    assert info["trigger"] == {"dataset": "cars", "after_version": 1}
    service = ScheduleService(ws, sync_seconds=0.3).start()
    try:
        raw = ws.get_dataset("cars")
        time.sleep(1.0)
        assert Schedules(ws).ticks("on new cars") == []      # no new version yet
        ws.register_dataset("cars", raw.iloc[:-10])
        wait_for(lambda: Schedules(ws).ticks("on new cars"), "the run of version 2")
        ws.register_dataset("cars", raw.iloc[:-20])
        wait_for(lambda: len(Schedules(ws).ticks("on new cars")) == 2, "the run of version 3")
        service.sync()
        service.sync()
        time.sleep(1.0)
    finally:
        service.stop()
    ticks = Schedules(ws).ticks("on new cars", limit=None)
    assert sorted(t["tick"] for t in ticks) == ["dataset:cars:v2", "dataset:cars:v3"]
    runs = {r.id: r for r in scheduled_runs(ws, "on new cars")}
    assert sorted(runs) == sorted(t["run_id"] for t in ticks)
    for t in ticks:
        run = runs[t["run_id"]]
        assert run.lineage["trigger"]["version"] == int(t["tick"][-1])
        assert run.lineage["draft"] == "cars draft"
        wait_for(lambda: ws.get_run(run.id).done, "the run to finish")
    # the draft reads the latest version: each run read the version that triggered it
    assert sorted(r.lineage["datasets"][0]["version"] for r in runs.values()) == [2, 3]


def test_schedules_survive_a_restart(ws):
    create_schedule(ws, "survivor", pipeline_endpoint="retrain", cron=EVERY_SECOND)
    first = ScheduleService(ws, sync_seconds=0.3).start()
    wait_for(lambda: first.started, "a tick before the restart")
    first.stop()
    path = ws.path
    n = len(Schedules(ws).ticks("survivor", limit=None))
    # a new process opening the workspace finds the schedule and runs it
    with Workspace(path) as again:
        assert [s["name"] for s in list_schedules(again)] == ["survivor"]
        second = ScheduleService(again, sync_seconds=0.3).start()
        try:
            wait_for(lambda: second.started, "a tick after the restart")
        finally:
            second.stop()
        assert len(Schedules(again).ticks("survivor", limit=None)) > n


def test_bad_schedules_get_clear_errors(ws):
    with pytest.raises(DesignerError, match="not valid"):
        create_schedule(ws, "x", pipeline_endpoint="retrain", cron="61 * * * *")
    with pytest.raises(DesignerError, match="5 .* or 6"):
        create_schedule(ws, "x", pipeline_endpoint="retrain", cron="* *")
    with pytest.raises(NotFoundError, match="no pipeline endpoint 'nope'"):
        create_schedule(ws, "x", pipeline_endpoint="nope", cron="0 * * * *")
    with pytest.raises(DesignerError, match="give one of pipeline_endpoint and draft"):
        create_schedule(ws, "x", cron="0 * * * *")
    with pytest.raises(DesignerError, match="sample dataset"):
        create_schedule(ws, "x", pipeline_endpoint="retrain", dataset=DATASET)
    with pytest.raises(DesignerError, match="Unknown pipeline parameter 'zz'"):
        create_schedule(ws, "x", pipeline_endpoint="retrain", cron="0 * * * *",
                        parameters={"zz": 1})
    with pytest.raises(DesignerError, match="Unknown field 'every'"):
        create_schedule_request(ws, {"name": "x", "every": "day"})
    create_schedule(ws, "x", pipeline_endpoint="retrain", cron="0 6 * * 1-5")
    with pytest.raises(DesignerError, match="exists already"):
        create_schedule(ws, "X", draft="cars draft", cron="0 6 * * *")
    assert list_schedules(ws)[0]["trigger"] == {"cron": "0 6 * * 1-5", "timezone": "UTC"}


def test_cli_schedule_commands(ws, capsys):
    from jupyter_designer.cli import main

    w = ["-w", str(ws.path)]
    assert main(w + ["schedule", "create", "nightly", "--pipeline-endpoint", "retrain",
                     "--cron", "0 2 * * *", "--experiment", "nightly runs"]) == 0
    assert "Created schedule 'nightly'" in capsys.readouterr().out
    assert main(w + ["schedule", "pause", "nightly"]) == 0
    assert main(w + ["schedule", "list", "--json"]) == 0
    out = capsys.readouterr().out
    items = json.loads(out[out.index("["):])
    assert [(s["name"], s["state"]) for s in items] == [("nightly", "paused")]
    assert main(w + ["schedule", "resume", "nightly"]) == 0
    assert main(w + ["schedule", "show", "nightly"]) == 0
    assert "Schedule 'nightly' (active)" in capsys.readouterr().out
    assert main(w + ["schedule", "delete", "nightly"]) == 0
    assert main(w + ["schedule", "pause", "nightly"]) == 2
    assert "no schedule 'nightly'" in capsys.readouterr().err


def test_service_stops_when_its_workspace_closes(tmp_path):
    w = Workspace(tmp_path / "closing")
    service = ScheduleService(w, sync_seconds=0.2).start()
    wait_for(lambda: service.running, "the service to run")
    w.close()
    wait_for(lambda: not service.running, "the service to stop by itself")
    service.stop()
