"""Comm traffic of the canvas on a 200-node pipeline (the canvas issue's benchmark).

A Designer shows a 200-node draft through recording comms (what a kernel would send).
Measured: the canvas's full snapshot (the answer to a view's ``ready``), one node status
change during a real run (each runner event, from the canvas's comm and from all the
Designer's widgets), and adding one node in code and from the palette. The baseline of every row is the
full snapshot: what a widget syncing the whole graph as one trait would send per change.

Usage: ``python benchmarks/bench_comm.py [--quick] [--nodes N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import NORMALIZED, Traffic, automobile_frame, record_comms, row, write_results  # noqa: E402

DATASET = "Automobile price data (generated)"
#: (component, parameters, input port, output port): the first one heads each branch, the
#: others alternate along it
STEPS = [
    ("Select Columns in Dataset", {"select_columns": {"begin_with": "all", "rules": [
        {"action": "exclude", "by": "names", "values": ["normalized-losses"]}]}},
     "dataset", "results_dataset"),
    ("Clean Missing Data", {"columns_to_be_cleaned": {"begin_with": "all", "rules": []},
                            "cleaning_mode": "Remove entire row"}, "dataset", "cleaned_dataset"),
    ("Normalize Data", {"transformation_method": "ZScore", "columns_to_transform": NORMALIZED},
     "dataset", "transformed_dataset"),
]


def big_pipeline(n_nodes: int, workspace):
    """A dataset and ``n_nodes - 1`` components: 5 branches of chained data transformations."""
    from jupyter_designer.engine.pipeline import Pipeline

    p = Pipeline(f"{n_nodes}-node pipeline (benchmark)", workspace=workspace)
    d = p.add_dataset(DATASET, position=(0, 0), id="data")
    branches = 5
    tails = [(d, "dataset")] * branches
    for i in range(n_nodes - 1):
        b, depth = i % branches, i // branches
        component, params, port_in, port_out = STEPS[0 if depth == 0 else 1 + depth % 2]
        node = p.add_component(component, params, position=(260 * b, 120 * (depth + 1)), id=f"n{i}")
        src, sport = tails[b]
        p.connect(src, sport, node, port_in)
        tails[b] = (node, port_out)
    return p


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the same measurements (they are counts), "
                                                          "a smaller table to run on")
    ap.add_argument("--nodes", type=int, default=200)
    args = ap.parse_args(argv)

    comms = record_comms()
    traffic = Traffic(comms)
    from jupyter_designer.store import Workspace
    from jupyter_designer.widgets import Designer

    with tempfile.TemporaryDirectory(prefix="designer-bench-") as tmp:
        ws = Workspace(Path(tmp) / "workspace")
        ws.register_dataset(DATASET, automobile_frame(500 if args.quick else 5_000))
        p = big_pipeline(args.nodes, ws)
        issues = p.validate()
        if issues:
            raise RuntimeError(f"the benchmark pipeline is not valid: {issues[:3]}")

        traffic.mark()
        t0 = time.perf_counter()
        d = Designer(p, workspace=ws)
        build_seconds = time.perf_counter() - t0
        opened = traffic.since()
        canvas_comm = d.canvas.comm

        traffic.mark()
        d.canvas.handle_message({"type": "ready", "view": "benchmark"})
        snap = traffic.since(only=canvas_comm)

        # one node's run: every runner event's traffic, on the canvas comm and on all comms
        per_event = []
        original = d._on_run_event

        def measured(ev):
            mark = Traffic(comms)
            mark.mark()
            original(ev)
            per_event.append((ev.kind, ev.node_id, mark.since(only=canvas_comm), mark.since()))

        d._on_run_event = measured
        traffic.mark()
        handle = d.submit(up_to="n0")
        if handle is None:
            raise RuntimeError(f"the run was not submitted: {d.status_text}")
        d.wait(120)
        run_all = traffic.since()
        status_events = [(c, a) for kind, nid, c, a in per_event
                         if kind.startswith("node_") and nid is not None]
        if not status_events:
            raise RuntimeError(f"no node events: {per_event}")

        traffic.mark()
        p.add_component("Clean Missing Data", position=(1400, 0))
        code_canvas, code_all = traffic.since(only=canvas_comm), traffic.since()
        traffic.mark()
        d.add_component("Clean Missing Data")
        add_canvas, add_all = traffic.since(only=canvas_comm), traffic.since()
        ws.close()

    full = snap["bytes"]
    c_msgs = max(c["messages"] for c, _ in status_events)
    c_bytes = statistics.mean(c["bytes"] for c, _ in status_events)
    a_msgs = statistics.mean(a["messages"] for _, a in status_events)
    a_bytes = statistics.mean(a["bytes"] for _, a in status_events)
    rows = [
        row(f"initial snapshot, {args.nodes} nodes (bytes)", full, None,
            note=f"{snap['messages']} message; the Designer's {opened['opened']} widgets open with "
                 f"{opened['bytes'] / 1024:.0f} KB of state (the canvas bundle once) in "
                 f"{build_seconds:.2f} s"),
        row("one node status change, canvas comm (bytes)", round(c_bytes, 1), full,
            target="1 message, <= 1% of the snapshot", ok=c_msgs == 1 and c_bytes <= 0.01 * full,
            note=f"at most {c_msgs} message per runner event ({len(status_events)} node events "
                 "in the run)"),
        row("one node status change, all widgets (bytes)", round(a_bytes, 1), full,
            note=f"{a_msgs:.1f} messages per node event with the status bar and buttons; the whole "
                 f"one-node run: {run_all['messages']} messages, {run_all['bytes']:,} bytes"),
        row("adding one node in code, canvas comm (bytes)", code_canvas["bytes"], full,
            target="1 message, <= 1% of the snapshot",
            ok=code_canvas["messages"] == 1 and code_canvas["bytes"] <= 0.01 * full,
            note=f"pipeline.add_component: {code_canvas['messages']} message(s); all widgets: "
                 f"{code_all['messages']} message(s), {code_all['bytes']:,} bytes"),
        row("adding one node from the palette, canvas comm (bytes)", add_canvas["bytes"], full,
            note=f"Designer.add_component: {add_canvas['messages']} messages (the new node, then "
                 "its selection)"),
        row("adding one node from the palette, all widgets (bytes)", add_all["bytes"], full,
            note=f"{add_all['messages']} messages, {add_all['opened']} widgets opened (the "
                 "properties panel builds the new node's controls)"),
    ]
    write_results("comm", rows, {"nodes": args.nodes, "snapshot": snap, "designer_open": opened,
                                 "status_events": [{"kind": k, "node": n, "canvas": c, "all": a}
                                                   for k, n, c, a in per_event],
                                 "add_node_code": {"canvas": code_canvas, "all": code_all},
                                 "add_node_palette": {"canvas": add_canvas, "all": add_all}}, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
