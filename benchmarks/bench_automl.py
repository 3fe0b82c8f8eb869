"""AutoML against the samples' hand-picked learners, on the samples' own splits.

    python benchmarks/bench_automl.py [--budget 60]

For the breast-cancer sample (Two-Class Boosted Decision Tree after feature selection) and the
basic automobile sample (Linear Regression) it runs the sample as it is, then the same pipeline
with Train AutoML Model in place of its learner and Train Model (same split, same features),
and prints Evaluate Model's metrics of both on the held-out rows.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

CASES = [
    # sample, Train Model node, task, primary metric, metrics to compare (higher is better?)
    ("Binary classification with feature selection", "train_model", "Binary classification",
     "AUC weighted", {"AUC": True, "Accuracy": True}),
    ("Automobile price prediction (basic)", "train_model", "Regression",
     "Normalized root mean squared error",
     {"Coefficient of Determination": True, "Root Mean Squared Error": False}),
]


def main(argv=None) -> int:
    from jupyter_designer.app.automl import automl_in_place_of, best_model_info
    from jupyter_designer.catalog import load_sample
    from jupyter_designer.engine.runner import Runner
    from jupyter_designer.store import Workspace

    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=int, default=60)
    args = ap.parse_args(argv)
    ws = Workspace(tempfile.mkdtemp(prefix="bench-automl-"))
    out = []
    for sample, train, task, metric, compare in CASES:
        hand = Runner(ws).submit(load_sample(sample, workspace=ws), "hand-picked")
        hand_rec = ws.get_run(hand.run_id)
        p = automl_in_place_of(load_sample(sample, workspace=ws), train, task=task, metric=metric,
                               budget=args.budget)
        t = time.time()
        auto = Runner(ws).submit(p, "automl")
        took = time.time() - t
        auto_rec = ws.get_run(auto.run_id)
        assert auto_rec.status == "completed", {k: n.error for k, n in auto_rec.nodes.items() if n.error}
        _, info = best_model_info(ws, auto.run_id)
        board = ws.run_output(auto.run_id, "train_automl_model", "leaderboard")
        row = {"sample": sample, "hand-picked": hand_rec.snapshot["nodes"][[n["id"] for n in
               hand_rec.snapshot["nodes"]].index("learner")]["component_name"]
               if any(n["id"] == "learner" for n in hand_rec.snapshot["nodes"]) else "",
               "automl best": info["learner"], "parameters": info["parameters"],
               "trials": int(len(board)), "budget s": args.budget, "run s": round(took, 1)}
        for m, higher in compare.items():
            a, b = hand_rec.metrics.get(m), auto_rec.metrics.get(m)
            row[m] = {"hand-picked": a, "automl": b,
                      "automl better": (b > a) if higher else (b < a)}
        out.append(row)
        print(json.dumps(row, indent=1, default=str), flush=True)
    ws.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
