"""Benchmarks 1, 2 and 5: the automobile-price tutorial pipeline on a generated table.

1. cold run (nothing reused) vs a hand-written pandas/scikit-learn script doing the same
   steps on the same Parquet file (target: <= 1.10x the script's wall time);
2. the same run again unchanged (target: <= 2% of the cold run), then one downstream
   parameter changed (only that node and its dependents run);
5. peak memory (resident set growth) of the cold run vs the script's.

Each side runs in a fresh interpreter with its libraries already imported, so the times are
the work itself. Usage: ``python benchmarks/bench_pipeline.py [--quick] [--rows N] [--repeat K]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (CATEGORIES, NORMALIZED, PeakRSS, automobile_frame, median,  # noqa: E402
                    row, run_python, write_results)

DATASET = "Automobile price data (generated)"
LABEL = "price"
SEED = 123


def tutorial_pipeline(dataset: str = DATASET):
    """Select Columns -> Clean Missing Data -> Normalize Data -> Split Data -> Linear
    Regression + Train Model -> Score Model -> Evaluate Model."""
    from jupyter_designer.engine.pipeline import Pipeline

    p = Pipeline("Automobile price (benchmark)")
    d = p.add_dataset(dataset, id="data")
    sel = p.add_component("Select Columns in Dataset", {"select_columns": {
        "begin_with": "all", "rules": [{"action": "exclude", "by": "names",
                                        "values": ["normalized-losses"]}]}}, id="select")
    p.connect(d, "dataset", sel, "dataset")
    clean = p.add_component("Clean Missing Data", {
        "columns_to_be_cleaned": {"begin_with": "all", "rules": []},
        "cleaning_mode": "Remove entire row"}, id="clean")
    p.connect(sel, "results_dataset", clean, "dataset")
    norm = p.add_component("Normalize Data", {"transformation_method": "ZScore",
                                              "columns_to_transform": NORMALIZED}, id="normalize")
    p.connect(clean, "cleaned_dataset", norm, "dataset")
    split = p.add_component("Split Data", {"fraction_of_rows_in_the_first_output_dataset": 0.7,
                                           "random_seed": SEED}, id="split")
    p.connect(norm, "transformed_dataset", split, "dataset")
    learner = p.add_component("Linear Regression", id="learner")
    train = p.add_component("Train Model", {"label_column": LABEL}, id="train")
    p.connect(learner, "untrained_model", train, "untrained_model")
    p.connect(split, "results_dataset1", train, "dataset")
    score = p.add_component("Score Model", id="score")
    p.connect(train, "trained_model", score, "trained_model")
    p.connect(split, "results_dataset2", score, "dataset")
    ev = p.add_component("Evaluate Model", id="evaluate")
    p.connect(score, "scored_dataset", ev, "scored_dataset")
    return p


# -- the two sides, each run in its own interpreter ------------------------------------------
def script_side(parquet: str) -> dict:
    """The hand-written script: the same steps with pandas and scikit-learn."""
    import numpy as np
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    with PeakRSS() as mem:
        t0 = time.perf_counter()
        df = pd.read_parquet(parquet)
        table_bytes = int(df.memory_usage(deep=True).sum())
        df = df.drop(columns=["normalized-losses"])
        df = df.dropna().reset_index(drop=True)
        mean = df[NORMALIZED].mean()
        std = df[NORMALIZED].std(ddof=0)
        df[NORMALIZED] = (df[NORMALIZED] - mean) / std
        rand = np.random.RandomState(SEED)
        n = len(df)
        n1 = int(round(n * 0.7))
        perm = rand.permutation(n)
        first, second = perm[:n1].copy(), perm[n1:].copy()
        rand.shuffle(first)
        rand.shuffle(second)
        train = df.iloc[first].reset_index(drop=True)
        test = df.iloc[second].reset_index(drop=True)
        features = [c for c in df.columns if c != LABEL]
        cat = [c for c in features if c in CATEGORIES]
        num = [c for c in features if c not in CATEGORIES]
        model = Pipeline([("encode", ColumnTransformer(
            [("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cat),
             ("numeric", "passthrough", num)], remainder="drop", verbose_feature_names_out=False)),
            ("model", Ridge(alpha=0.001))])
        model.fit(train[features], train[LABEL].to_numpy(dtype=np.float64))
        scored = test.assign(**{"Scored Labels": model.predict(test[features])})
        y, p = scored[LABEL].to_numpy(), scored["Scored Labels"].to_numpy()
        err = y - p
        metrics = {"Mean Absolute Error": float(np.mean(np.abs(err))),
                   "Root Mean Squared Error": float(np.sqrt(np.mean(err ** 2))),
                   "Relative Absolute Error": float(np.sum(np.abs(err)) / np.sum(np.abs(y - y.mean()))),
                   "Relative Squared Error": float(np.sum(err ** 2) / np.sum((y - y.mean()) ** 2)),
                   "Coefficient of Determination": float(1 - np.sum(err ** 2) / np.sum((y - y.mean()) ** 2))}
        elapsed = time.perf_counter() - t0
    return {"seconds": elapsed, "peak_rss_delta": mem.delta, "peak_rss": mem.peak,
            "table_bytes": table_bytes, "metrics": metrics}


def designer_side(workspace: str, rerun: bool = True) -> dict:
    """The designer: a cold run of the tutorial pipeline, then re-runs."""
    import jupyter_designer.components  # noqa: F401  (the components, imported as a kernel would have them)
    import skops.io  # noqa: F401  (models are stored with skops)
    import sklearn.linear_model  # noqa: F401
    from jupyter_designer.engine.runner import Runner
    from jupyter_designer.store import Workspace

    ws = Workspace(workspace)
    p = tutorial_pipeline()
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        h = Runner(ws).submit(p, experiment="benchmark")
        cold = time.perf_counter() - t0
    rec = h.record()
    assert rec.status == "completed", {n: (r.status, r.error) for n, r in rec.nodes.items()}
    out = {"seconds": cold, "peak_rss_delta": mem.delta, "peak_rss": mem.peak,
           "nodes": {n: round(r.duration or 0.0, 3) for n, r in rec.nodes.items()},
           "metrics": {k: v for k, v in rec.metrics.items() if isinstance(v, (int, float))}}
    if rerun:
        t0 = time.perf_counter()
        h2 = Runner(ws).submit(p, experiment="benchmark")
        out["rerun_seconds"] = time.perf_counter() - t0
        out["rerun_statuses"] = {n: r.status for n, r in h2.record().nodes.items()}
        p.set_param("learner", "l2_regularization_weight", 0.01)
        t0 = time.perf_counter()
        h3 = Runner(ws).submit(p, experiment="benchmark")
        out["changed_seconds"] = time.perf_counter() - t0
        out["changed_ran"] = sorted(n for n, r in h3.record().nodes.items() if r.status == "completed"
                                    and n != "data")
        out["changed_reused"] = sorted(n for n, r in h3.record().nodes.items() if r.status == "reused")
    return out


# -- the driver ----------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200,000 rows, one repeat (CI)")
    ap.add_argument("--rows", type=int)
    ap.add_argument("--repeat", type=int)
    args = ap.parse_args(argv)
    rows = args.rows or (200_000 if args.quick else 1_000_000)
    repeat = args.repeat or (1 if args.quick else 3)
    with tempfile.TemporaryDirectory(prefix="designer-bench-") as tmp:
        tmp = Path(tmp)
        parquet = str(tmp / "automobile.parquet")
        automobile_frame(rows).to_parquet(parquet)
        scripts, designers = [], []
        for i in range(repeat):
            scripts.append(run_python(
                f"import json, bench_pipeline as b; print(json.dumps(b.script_side({parquet!r})))"))
            fresh = tmp / f"ws{i}"
            _, ws_path = prepare_workspace(parquet, fresh)
            designers.append(run_python(
                f"import json, bench_pipeline as b; print(json.dumps(b.designer_side({ws_path!r}, "
                f"rerun={i == 0})))"))
    s = median([x["seconds"] for x in scripts])
    d = median([x["seconds"] for x in designers])
    first = designers[0]
    table = scripts[0]["table_bytes"]
    s_mem = median([x["peak_rss_delta"] for x in scripts])
    d_mem = median([x["peak_rss_delta"] for x in designers])
    same = all(abs(first["metrics"][k] - v) <= 1e-6 * max(1.0, abs(v))
               for k, v in scripts[0]["metrics"].items() if k in first["metrics"])
    rows_out = [
        row(f"1. cold run, {rows:,} rows (s)", round(d, 3), round(s, 3), target="<= 1.10x",
            ok=d / s <= 1.10, note=f"designer vs hand-written script; metrics identical: {same}"),
        row("2a. re-run unchanged (s)", round(first["rerun_seconds"], 4), round(first["seconds"], 3),
            target="<= 0.02x", ok=first["rerun_seconds"] / first["seconds"] <= 0.02,
            note="vs the cold run; " + ", ".join(sorted(set(first["rerun_statuses"].values())))),
        row("2b. learner parameter changed (s)", round(first["changed_seconds"], 3),
            round(first["seconds"], 3), note="ran: " + ", ".join(first["changed_ran"])
            + "; reused: " + ", ".join(first["changed_reused"])),
        row("5. peak memory growth (MB)", round(d_mem / 2**20, 1), round(s_mem / 2**20, 1),
            note=f"table in memory: {table / 2**20:.0f} MB; designer {d_mem / table:.2f}x the "
                 f"table, script {s_mem / table:.2f}x"),
    ]
    write_results("pipeline", rows_out, {"n_rows": rows, "repeat": repeat, "script": scripts,
                                         "designer": designers}, quick=args.quick)
    return 0


def prepare_workspace(parquet: str, folder: Path) -> tuple[str, str]:
    from jupyter_designer.store import Workspace

    ws_path = folder / "workspace"
    with Workspace(ws_path) as ws:
        ws.register_dataset(DATASET, parquet)
    return parquet, str(ws_path)


if __name__ == "__main__":
    sys.exit(main())
