"""Fan-out components spread their fits over the node's target with the same results; the
runner keeps in memory only the outputs still needed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import _components
from _helpers import run
from jupyter_designer.engine import compute
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.pipeline import Pipeline


@pytest.fixture(scope="module")
def binary(cws):
    rng = np.random.default_rng(7)
    n = 240
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                       "c": rng.choice(["p", "q"], size=n)})
    df["label"] = ((df["a"] + 0.5 * df["b"] + rng.normal(0, 0.7, n)) > 0).astype(int)
    cws.register_dataset("binary", df)
    return df


def _sweep(target, runs=6):
    p = Pipeline("sweep")
    d = p.add_dataset("binary")
    lr = p.add_component("Two-Class Logistic Regression", {"create_trainer_mode": "Parameter Range"},
                         compute=target, id="learner")
    tune = p.add_component("Tune Model Hyperparameters",
                           {"label_column": "label", "maximum_number_of_runs_on_random_sweep": runs,
                            "random_seed": 3}, compute=target, id="tune")
    p.connect(lr, "untrained_model", tune, "untrained_model")
    p.connect(d, "dataset", tune, "training_dataset")
    return p


@pytest.mark.parametrize("target", ["cluster", "procs"])
def test_sweep_fans_out_with_identical_results(cws, binary, target, request):
    assert "tune_model_hyperparameters" in REGISTRY
    request.getfixturevalue(target)
    local = run(cws, _sweep("local"), regenerate=True)
    remote = run(cws, _sweep(target), regenerate=True)
    assert local.status == "completed", local.record().nodes["tune"].error
    assert remote.status == "completed", remote.record().nodes["tune"].error
    a = cws.run_output(local.run_id, "tune", "sweep_results")
    b = cws.run_output(remote.run_id, "tune", "sweep_results")
    assert len(a) == 6
    assert_frame_equal(a, b)
    assert local.record().metrics == remote.record().metrics


def test_run_context_asks_the_target(cws, cluster, procs):
    spec = REGISTRY.get("Compute Add Column")
    assert RunContext(spec).n_jobs() == 1
    ctx = RunContext(spec, compute=compute.resolve_target(cws, "local"))
    assert ctx.n_jobs() == 1
    with ctx.parallel():
        pass
    ctx = RunContext(spec, compute=procs)
    assert ctx.n_jobs() == 2
    from joblib import Parallel, delayed

    with ctx.parallel():
        assert Parallel(n_jobs=ctx.n_jobs())(delayed(abs)(-i) for i in range(4)) == [0, 1, 2, 3]
    ctx = RunContext(spec, compute=cluster)
    assert ctx.n_jobs() == 2
    with ctx.parallel():
        assert Parallel(n_jobs=ctx.n_jobs())(delayed(abs)(-i) for i in range(4)) == [0, 1, 2, 3]


def test_local_nodes_get_their_target_in_the_context(cws):
    cws.register_compute("local-threads", "local", {"n_jobs": 3}) if False else None
    seen = {}

    from jupyter_designer.engine.component import user_component

    @user_component(name="Compute Context Probe")
    def probe(data: pd.DataFrame) -> pd.DataFrame:
        return data

    spec = probe.spec
    original = spec.run

    def run_fn(ctx, inputs, params):
        seen["compute"] = ctx.compute
        return original(ctx, inputs, params)

    spec.run = run_fn
    try:
        p = Pipeline("probe")
        d = p.add_dataset("numbers")
        n = p.add_component("Compute Context Probe", id="probe")
        p.connect(d, "dataset", n, "data")
        assert run(cws, p, regenerate=True).status == "completed"
    finally:
        spec.run = original
    assert isinstance(seen["compute"], compute.ComputeTarget)
    assert seen["compute"].name == "local" and not seen["compute"].remote


def test_outputs_are_freed_once_no_dependent_needs_them(cws):
    _components.TRACKED.clear()
    _components.ALIVE_AT_START.clear()
    p = Pipeline("memory")
    prev, port = p.add_dataset("numbers"), "dataset"
    for i in range(5):
        node = p.add_component("Compute Track", {"tag": str(i)}, id=f"t{i}")
        p.connect(prev, port, node, "data")
        prev, port = node, "results_dataset"
    h = run(cws, p, regenerate=True)
    assert h.status == "completed"
    alive = _components.ALIVE_AT_START
    # when node i starts, only its own input (node i-1's output) is still held
    assert alive == {"0": 0, "1": 1, "2": 1, "3": 1, "4": 1}
    import gc

    gc.collect()
    assert sum(r() is not None for r in _components.TRACKED) == 0


def test_reused_run_does_not_read_the_dataset(cws, monkeypatch):
    p = Pipeline("reuse-no-read")
    d = p.add_dataset("numbers")
    a = p.add_component("Compute Add Column", {"amount": 0.125}, id="a")
    p.connect(d, "dataset", a, "data")
    assert run(cws, p).status == "completed"
    reads = []
    original = type(cws).get_dataset

    def counting(self, *args, **kw):
        reads.append(args)
        return original(self, *args, **kw)

    monkeypatch.setattr(type(cws), "get_dataset", counting)
    original_load = type(cws).load_artifact
    monkeypatch.setattr(type(cws), "load_artifact",
                        lambda self, *a, **k: reads.append(a) or original_load(self, *a, **k))
    again = run(cws, p)
    assert again.record().nodes["a"].status == "reused"
    assert reads == []


def test_fan_out_units_run_their_inner_joblib_calls_sequentially():
    from joblib import parallel_config
    from joblib.parallel import SequentialBackend, get_active_backend

    def backend_inside():
        return type(get_active_backend()[0])

    with parallel_config(backend="threading", n_jobs=2):
        assert backend_inside() is not SequentialBackend
        assert compute.SequentialInside(backend_inside)() is SequentialBackend
    assert repr(compute.SequentialInside(backend_inside)) == "backend_inside"


def test_sweep_fits_do_not_become_nested_cluster_tasks(cws, binary, cluster):
    """Each fit of a sweep is one task on the cluster: scikit-learn's own joblib calls inside
    it (the ColumnTransformer's) stay in that task instead of each becoming cluster tasks."""
    assert "tune_model_hyperparameters" in REGISTRY
    from distributed import get_task_stream

    with get_task_stream(cluster.client()) as stream:
        h = run(cws, _sweep("cluster", runs=2), regenerate=True)
    assert h.status == "completed", h.record().nodes["tune"].error
    names = [str(t["key"]) for t in stream.data]
    assert sum("sweep_unit" in n for n in names) >= 1, names
    assert not [n for n in names if "transform" in n], names


def test_dask_fan_out_is_one_task_per_fit_spread_over_the_workers(cws, binary, cluster):
    """All the fits of a sweep are submitted at once, one task each, and both workers run
    some; the table they share is scattered once instead of travelling with every task."""
    from distributed import get_task_stream

    with get_task_stream(cluster.client()) as stream:
        h = run(cws, _sweep("cluster", runs=8), regenerate=True)
    assert h.status == "completed", h.record().nodes["tune"].error
    units = [t for t in stream.data if str(t["key"]).startswith("_sweep_unit-")]
    assert len(units) == 8 * 5   # 8 settings x 5 folds
    assert len({t["worker"] for t in units}) == 2
    # released: no result of a fit stays on the cluster
    assert not any(str(k).startswith("_sweep_unit-") for k in cluster.client().who_has())


def test_a_failing_unit_fails_the_node_with_its_error(cws, cluster):
    from jupyter_designer.engine.compute import dask_fan_out

    def unit(i):
        if i == 3:
            raise ValueError(f"unit {i} cannot fit")
        return i * 10

    def node():
        out = dask_fan_out([(unit, i) for i in range(3)])
        try:
            dask_fan_out([(unit, i) for i in range(6)])
        except ValueError as exc:
            return out, str(exc)
        return out, None

    client = cluster.client()
    assert client.submit(node, pure=False).result(60) == ([0, 10, 20], "unit 3 cannot fit")
