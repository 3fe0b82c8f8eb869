"""The runner on a real workspace: order, reuse, failures, partial runs, logs, interrupts."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pandas as pd
import pytest

from jupyter_designer.engine.errors import PipelineValidationError, RunInterrupted
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.engine.runner import Runner
from jupyter_designer.store import Workspace


@pytest.fixture
def ws(tmp_path, frame):
    w = Workspace(tmp_path / "ws")
    w.register_dataset("data", frame)
    return w


def chain(ws, factor=3.0):
    p = Pipeline("chain", workspace=ws)
    d = p.add_dataset("data")
    a = p.add_component("Test Scale", {"factor": factor}, id="scale")
    b = p.add_component("Test Scale", {"factor": 10}, id="scale_again")
    j = p.add_component("Test Join Sum", {"offset": 1}, id="join")
    p.connect(d, None, a, None)
    p.connect(a, None, b, None)
    p.connect(b, None, j, "left")
    return p


def test_run_outputs_logs_and_metrics(ws, calls):
    events = []
    h = Runner(ws).submit(chain(ws), experiment="e1", on_event=events.append)
    rec = h.wait()
    assert rec.status == "completed"
    out = h.output("join", "results_dataset")
    assert list(out["x"]) == [31.0, 61.0, 91.0]
    assert "scaling by 3.0" in rec.nodes["scale"].log and "log line from scale" in rec.nodes["scale"].log
    assert rec.nodes["scale"].metrics == {"factor": 3.0}
    kinds = [e.kind for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert kinds.count("node_completed") == 3 and kinds.count("node_queued") == 3
    assert all(e.duration is not None for e in events if e.kind == "node_completed")


def test_second_run_reuses_everything_and_a_change_reruns_only_dependents(ws, calls):
    r = Runner(ws)
    r.submit(chain(ws))
    assert calls == {"scale": 2, "join": 1}
    rec = r.submit(chain(ws)).wait()
    assert {n.status for n in rec.nodes.values() if n.title != "data"} == {"reused"}
    assert calls == {"scale": 2, "join": 1}
    p = chain(ws)
    p.set_param("scale_again", "factor", 5)
    rec = r.submit(p).wait()
    assert rec.nodes["scale"].status == "reused"
    assert rec.nodes["scale_again"].status == "completed" and rec.nodes["join"].status == "completed"
    assert calls == {"scale": 3, "join": 2}
    rec = r.submit(p, regenerate=True).wait()
    assert calls == {"scale": 5, "join": 3}
    p.set_regenerate("join", True)
    r.submit(p)
    assert calls == {"scale": 5, "join": 4}


def test_new_dataset_version_invalidates_reuse(ws, calls, frame):
    r = Runner(ws)
    r.submit(chain(ws))
    ws.register_dataset("data", frame.assign(x=frame["x"] + 1))
    rec = r.submit(chain(ws)).wait()
    assert rec.nodes["scale"].status == "completed"
    assert list(r.submit(chain(ws)).output("join")["x"]) == [61.0, 91.0, 121.0]


def test_failure_stops_only_dependents(ws, calls):
    p = chain(ws)
    bad = p.add_component("Test Fail", id="bad")
    after = p.add_component("Test Scale", id="after_bad")
    p.connect("data", None, bad, None)
    p.connect(bad, None, after, None)
    events = []
    rec = Runner(ws).submit(p, on_event=events.append).wait()
    assert rec.status == "failed"
    assert rec.nodes["bad"].status == "failed"
    assert "column 'x' has a value the test does not like" in rec.nodes["bad"].error
    assert "about to fail" in rec.nodes["bad"].log
    assert rec.nodes["after_bad"].status == "skipped"
    assert rec.nodes["join"].status == "completed"
    rec = Runner(ws).submit(p, stop_on_failure=True, regenerate=True).wait()
    assert rec.status == "failed"


def test_invalid_pipeline_is_refused_before_a_run(ws):
    p = Pipeline("bad", workspace=ws)
    p.add_component("Test Scale")
    before = ws.list_runs()
    with pytest.raises(PipelineValidationError, match="Required input port 'Dataset' is not connected"):
        Runner(ws).submit(p)
    assert len(ws.list_runs()) == len(before)


def test_run_up_to_and_single_node(ws, calls):
    r = Runner(ws)
    rec = r.submit(chain(ws), up_to="scale_again").wait()
    assert "join" not in rec.nodes and calls == {"scale": 2}
    rec = r.submit(chain(ws), only="join").wait()
    assert rec.nodes["join"].status == "completed" and calls == {"scale": 2, "join": 1}
    p = chain(ws)
    p.set_param("scale", "factor", 7)
    rec = r.submit(p, only="join").wait()
    assert rec.status == "failed" and "run the pipeline up to it first" in rec.nodes["scale"].error


def test_independent_branches_run_concurrently(ws):
    p = Pipeline("par", workspace=ws)
    d = p.add_dataset("data")
    a = p.add_component("Test Scale", {"sleep": 0.6, "factor": 2})
    b = p.add_component("Test Scale", {"sleep": 0.6, "factor": 3})
    p.connect(d, None, a, None)
    p.connect(d, None, b, None)
    t0 = time.time()
    Runner(ws).submit(p)
    assert time.time() - t0 < 1.1


def test_background_run_and_pipeline_parameters(ws, calls):
    p = chain(ws)
    p.bind_parameter("scale", "factor", "factor")
    h = Runner(ws).submit(p, parameters={"factor": 1}, background=True)
    rec = h.wait(30)
    assert rec.parameters == {"factor": 1.0}
    assert list(h.output("join")["x"]) == [11.0, 21.0, 31.0]


def test_ctrl_c_marks_the_run_interrupted_and_keeps_finished_nodes(ws, calls):
    p = chain(ws)
    p.set_param("scale_again", "sleep", 3.0)
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(RunInterrupted):
        Runner(ws).submit(p)
    runs = ws.list_runs()
    rec = ws.get_run(runs[0].id)
    assert rec.status == "interrupted"
    assert rec.nodes["scale"].status == "completed"
    time.sleep(2.5)  # let the abandoned node thread finish
    rec2 = Runner(ws).submit(p).wait()
    assert rec2.nodes["scale"].status == "reused"


def test_kill_9_leaves_a_readable_workspace(tmp_path, frame):
    path = tmp_path / "crash"
    w = Workspace(path)
    w.register_dataset("data", frame)
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        import conftest  # registers the test components
        from jupyter_designer.engine.pipeline import Pipeline
        from jupyter_designer.engine.runner import Runner
        from jupyter_designer.store import Workspace
        ws = Workspace({str(path)!r})
        p = Pipeline("crash", workspace=ws)
        d = p.add_dataset("data")
        a = p.add_component("Test Scale", id="fast")
        b = p.add_component("Test Scale", {{"sleep": 60}}, id="slow")
        p.connect(d, None, a, None); p.connect(a, None, b, None)
        print("started", flush=True)
        Runner(ws).submit(p)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    deadline = time.time() + 30
    while time.time() < deadline:  # slow may start while fast's outputs are still being stored
        runs = Workspace(path).list_runs()
        nodes = Workspace(path).get_run(runs[0].id).nodes if runs else {}
        if "slow" in nodes and nodes["slow"].status == "running" and nodes["fast"].status == "completed":
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    w2 = Workspace(path)
    rec = w2.get_run(w2.list_runs()[0].id)
    assert rec.status == "interrupted"
    assert rec.nodes["fast"].status == "completed"
    assert rec.nodes["slow"].status == "interrupted"
    out = w2.run_output(rec.id, "fast", "results_dataset")
    assert list(out["x"]) == [2.0, 4.0, 6.0]


def test_import_data_reruns_when_its_file_changes_and_export_always_writes(ws, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("a,b\n1,2\n3,4\n")
    out = tmp_path / "out.csv"
    p = Pipeline("io", workspace=ws)
    imp = p.add_component("Import Data", {"path": str(src), "file_format": "CSV"})
    exp = p.add_component("Export Data", {"path": str(out), "file_format": "CSV", "overwrite": True})
    p.connect(imp, None, exp, None)
    r = Runner(ws)
    r.submit(p)
    assert r.submit(p).record().nodes[imp.id].status == "reused"
    out.unlink()
    r.submit(p)
    assert out.exists(), "a node with no outputs acts on the world, so it always runs"
    time.sleep(0.01)
    src.write_text("a,b\n1,2\n3,4\n5,6\n")
    rec = r.submit(p).record()
    assert rec.nodes[imp.id].status == "completed"
    assert len(pd.read_csv(out)) == 3


def test_a_reused_run_reports_the_metrics_of_the_run_it_reuses(ws, calls):
    r = Runner(ws)
    first = r.submit(chain(ws)).wait()
    assert first.metrics == {"Test Scale [scale]: factor": 3.0, "Test Scale [scale_again]: factor": 10.0}
    again = r.submit(chain(ws)).wait()
    assert {n.status for n in again.nodes.values() if n.title != "data"} == {"reused"}
    assert again.metrics == first.metrics
    assert again.nodes["scale"].metrics == {"factor": 3.0}
    assert again.nodes["join"].outputs == first.nodes["join"].outputs


def test_progress_counts_each_node_once_on_a_partly_reused_run(ws, calls):
    r = Runner(ws)
    r.submit(chain(ws)).wait()
    p = chain(ws)
    p.set_param("scale_again", "factor", 5)   # scale is reused, the two after it rerun
    for pipeline in (p, chain(ws, factor=7.0)):
        events = []
        r.submit(pipeline, on_event=events.append).wait()
        done = [e.done for e in events if e.kind in ("node_completed", "node_reused")]
        assert done == [1, 2, 3]
        assert {e.total for e in events if e.kind.startswith("node_")} == {3}


def test_run_output_accepts_what_connect_accepts(ws, calls):
    from jupyter_designer.engine.errors import NotFoundError

    p = Pipeline("built in code", workspace=ws)
    d = p.add_dataset("data")
    a = p.add_component("Test Scale", {"factor": 2})
    j = p.add_component("Test Join Sum", {"offset": 1})
    p.connect(d, None, a, "Dataset")
    p.connect(a, "Results dataset", j, "Left")
    h = Runner(ws).submit(p)
    assert j.id == "test_join_sum_1"
    expected = list(h.output(j.id, "results_dataset")["x"])
    for node in (j, j.id, "Test Join Sum", "test join sum"):
        for port in (None, "results_dataset", "Results dataset", "results dataset"):
            assert list(h.output(node, port)["x"]) == expected
    with pytest.raises(NotFoundError) as err:
        h.output("test_join_sum", "results_dataset")
    assert "has no node 'test_join_sum'" in str(err.value)
    assert "test_join_sum_1 (Test Join Sum)" in str(err.value) and "test_scale_1 (Test Scale)" in str(err.value)
    with pytest.raises(NotFoundError, match=r"has no output port 'Scored dataset'. Its output ports "
                                            r"are: 'results_dataset' \(Results dataset\)"):
        h.output("Test Join Sum", "Scored dataset")
    p2 = chain(ws)
    h2 = Runner(ws).submit(p2)
    with pytest.raises(NotFoundError, match="2 nodes of run .* are titled 'Test Scale' \\(scale, scale_again\\); use a node id"):
        h2.output("Test Scale")
