"""The scheduler's steps one by one, on a real workspace and real components (the engine
tests' arithmetic components): picking ready nodes, skipping blocked ones, the reuse check,
submitting, collecting and recording outcomes, the run's final status."""

import threading

import pytest

from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.engine.runner import Runner
from jupyter_designer.engine.scheduler import Scheduler
from jupyter_designer.store import Workspace


class Handle:
    def __init__(self, run_id):
        self.run_id = run_id
        self.status = "running"
        self.error = None
        self._cancel = threading.Event()


@pytest.fixture
def ws(tmp_path, frame):
    w = Workspace(tmp_path / "ws")
    w.register_dataset("data", frame)
    return w


def chain(ws):
    p = Pipeline("chain", workspace=ws)
    d = p.add_dataset("data", id="data")
    a = p.add_component("Test Scale", {"factor": 3.0}, id="scale")
    b = p.add_component("Test Join Sum", {"offset": 1}, id="join")
    p.connect(d, None, a, None)
    p.connect(a, None, b, "left")
    return p


def scheduler(ws, pipeline, **kw):
    runner = Runner(ws)
    plans, pvalues = runner.plan(pipeline)
    run_id = ws.create_run(experiment="steps", pipeline_name=pipeline.name,
                           snapshot=pipeline.to_dict(), parameters=pvalues)
    events = []
    s = Scheduler(ws, Handle(run_id), plans, events.append, target=runner._target, **kw)
    s.events = events
    return s


def test_a_pass_starts_the_data_node_and_its_consumer_but_not_the_consumer_of_that(ws, calls):
    s = scheduler(ws, chain(ws))
    assert s.inputs_ready(s.by_id["data"]) and not s.inputs_ready(s.by_id["scale"])
    assert s.schedule_ready() is True
    assert s.status["data"] == "completed"
    assert s.status["scale"] == "running" and list(s.running.values())[0].node_id == "scale"
    assert s.status["join"] == "not_started" and s.pending == {"join"}
    assert not s.inputs_ready(s.by_id["join"])
    s.pool.shutdown(wait=True)


def test_collect_records_a_completed_node_after_its_outputs_are_stored(ws, calls):
    s = scheduler(ws, chain(ws))
    s.schedule_ready()
    while s.running:
        s.collect(timeout=None)
    # computed, in memory, being stored: the consumer may start in this process already
    assert "scale" in s.computed or s.status["scale"] == "completed"
    assert s.inputs_ready(s.by_id["join"])
    while s.saving:
        s.collect(timeout=None)
    assert s.status["scale"] == "completed" and "results_dataset" in s.artifacts["scale"]
    assert ws.get_outputs(s.by_id["scale"].key) is not None
    assert calls == {"scale": 1}


def test_a_failed_input_blocks_its_dependents_with_a_reason(ws, calls):
    p = chain(ws)
    s = scheduler(ws, p)
    assert s.blocked_reason(s.by_id["join"]) is None
    s.status["scale"] = "failed"
    assert s.blocked_reason(s.by_id["join"]) == "Not run: Test Scale did not complete."
    s.status["scale"] = "completed"
    s.stop = True
    assert s.blocked_reason(s.by_id["join"]) == "Not run: the run was stopped."
    assert s.blocked_reason(s.by_id["data"]) is None  # data nodes still open when stopped


def test_reuse_check_takes_stored_outputs_and_honours_regenerate(ws, calls):
    Runner(ws).submit(chain(ws)).wait()
    calls.clear()
    s = scheduler(ws, chain(ws))
    plan = s.by_id["scale"]
    assert s.reuse(plan) is True
    assert s.status["scale"] == "reused" and s.artifacts["scale"]
    assert s.events[-1].kind == "node_reused" and s.events[-1].node_id == "scale"
    plan.regenerate = True
    assert s.reuse(plan) is False
    assert calls == {}


def test_a_changed_parameter_is_not_reused(ws, calls):
    Runner(ws).submit(chain(ws)).wait()
    p = chain(ws)
    p.set_param("scale", "factor", 5.0)
    s = scheduler(ws, p)
    assert s.reuse(s.by_id["scale"]) is False
    assert s.status["scale"] == "not_started"


def test_record_outcome_failure_stops_the_run_only_with_stop_on_failure(ws):
    for stop_on_failure in (False, True):
        s = scheduler(ws, chain(ws), stop_on_failure=stop_on_failure)
        s.record_outcome(s.by_id["scale"], "failed", {"error": "Test Scale: broken", "duration": 0.1})
        assert s.status["scale"] == "failed"
        assert ws.get_run(s.run_id).nodes["scale"].error == "Test Scale: broken"
        assert s.stop is stop_on_failure
        assert s.events[-1].kind == "node_failed" and s.events[-1].done == 1


def test_finish_names_the_first_failed_node(ws):
    s = scheduler(ws, chain(ws))
    s.record_outcome(s.by_id["scale"], "failed", {"error": "broken", "duration": 0.0})
    s.finish()
    rec = ws.get_run(s.run_id)
    assert rec.status == "failed" and s.handle.status == "failed"
    assert s.handle.error == "1 node(s) failed, first: Test Scale"
    assert s.events[-1].kind == "run_finished" and s.events[-1].status == "failed"


def test_skip_unreachable_marks_the_pending_nodes(ws):
    s = scheduler(ws, chain(ws))
    s.skip_unreachable()
    assert not s.pending
    assert {s.status[n] for n in ("data", "scale", "join")} == {"skipped"}


def test_release_frees_a_value_once_every_consumer_has_it(ws):
    p = chain(ws)
    p.add_component("Test Scale", {"factor": 2.0}, id="second")
    p.connect("data", None, "second", None)
    s = scheduler(ws, p)
    s.values["data"] = {"dataset": object()}
    s.release(s.by_id["scale"])
    assert "data" in s.values
    s.release(s.by_id["second"])
    assert "data" not in s.values


def test_the_whole_loop_runs_the_pipeline(ws, calls):
    s = scheduler(ws, chain(ws))
    s.run()
    assert s.handle.status == "completed"
    assert {s.status[n] for n in s.by_id} == {"completed"}
    assert [e.kind for e in s.events][0] == "run_started"
    assert s.events[-1].kind == "run_finished" and s.events[-1].done == 2 == s.events[-1].total
    assert calls == {"scale": 1, "join": 1}
