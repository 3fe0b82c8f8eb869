"""Benchmark 6: start-up costs, each measured in fresh interpreters.

* ``import jupyter_designer`` vs ``import ipywidgets`` (and, for scale, ``import pandas,
  sklearn``); the import must stay lazy: none of the heavy libraries may be loaded by it.
* the first ``%designer`` render: from a fresh interpreter to the Designer widget's display
  data and the canvas's first snapshot message (through a recording comm, as a kernel
  would send them), vs building and displaying a plain ipywidgets box;
* the same render in an interpreter that already imported pandas, scikit-learn and
  ipywidgets (a notebook after its first cell), and a second ``%designer`` after the first.

Usage: ``python benchmarks/bench_startup.py [--quick] [--repeat K]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median, row, run_python, write_results  # noqa: E402

#: libraries ``import jupyter_designer`` must not load
HEAVY = ("numpy", "pandas", "pyarrow", "sklearn", "scipy", "ipywidgets", "anywidget", "IPython",
         "dask", "distributed", "joblib", "tornado", "skops", "sqlite3")

IMPORT = """
import json, sys, time
t0 = time.perf_counter()
import {modules}
t = time.perf_counter() - t0
print(json.dumps({{"seconds": t, "loaded": [m for m in {heavy!r} if m in sys.modules]}}))
"""

RENDER = """
import json, sys, time
{preload}
import common
comms = common.record_comms()
t0 = time.perf_counter()
{render}
t = time.perf_counter() - t0
assert "application/vnd.jupyter.widget-view+json" in bundle, bundle
out = {{"seconds": t, "widgets": len(comms), "open_bytes": sum(c.open_bytes for c in comms)}}
{second}
print(json.dumps(out))
"""

DESIGNER = """
import jupyter_designer
from jupyter_designer.magics import designer_magic
w = designer_magic("")
bundle = w._repr_mimebundle_()
w.canvas.handle_message({"type": "ready", "view": "first"})
assert w.canvas.stats["snapshots"] == 1
"""
SECOND = """
t0 = time.perf_counter()
w2 = designer_magic("")
bundle = w2._repr_mimebundle_()
w2.canvas.handle_message({"type": "ready", "view": "second"})
out["second_seconds"] = time.perf_counter() - t0
"""
PLAIN = """
import ipywidgets
w = ipywidgets.VBox([ipywidgets.HBox([ipywidgets.Button(description="Submit"),
                                      ipywidgets.Text(description="Experiment")]),
                     ipywidgets.HTML("Ready.")])
bundle = w._repr_mimebundle_()
"""
PRELOAD = "import pandas, sklearn, ipywidgets, IPython"


def measure(code: str, repeat: int, env=None) -> list[dict]:
    return [run_python(code, env=env) for _ in range(repeat)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one interpreter per measurement (CI)")
    ap.add_argument("--repeat", type=int)
    args = ap.parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 7)

    imports = {name: measure(IMPORT.format(modules=name, heavy=HEAVY), repeat)
               for name in ("jupyter_designer", "ipywidgets", "pandas, sklearn")}
    t = {k: median([x["seconds"] for x in v]) for k, v in imports.items()}
    loaded = sorted({m for x in imports["jupyter_designer"] for m in x["loaded"]})

    with tempfile.TemporaryDirectory(prefix="designer-bench-") as tmp:
        from jupyter_designer.store import Workspace

        ws_path = Path(tmp) / "workspace"
        Workspace(ws_path).close()  # an existing workspace, as in a project folder
        env = {"JUPYTER_DESIGNER_WORKSPACE": str(ws_path)}
        cold = measure(RENDER.format(preload="", render=DESIGNER, second=SECOND), repeat, env)
        plain = measure(RENDER.format(preload="", render=PLAIN, second=""), repeat, env)
        warm = measure(RENDER.format(preload=PRELOAD, render=DESIGNER, second=""), repeat, env)
        warm_plain = measure(RENDER.format(preload=PRELOAD, render=PLAIN, second=""), repeat, env)

    ms = lambda s: round(1000 * s, 1)  # noqa: E731
    c, p = median([x["seconds"] for x in cold]), median([x["seconds"] for x in plain])
    wc, wp = median([x["seconds"] for x in warm]), median([x["seconds"] for x in warm_plain])
    second = median([x["second_seconds"] for x in cold])
    rows = [
        row("6a. import jupyter_designer (ms)", ms(t["jupyter_designer"]), ms(t["ipywidgets"]),
            target="lazy: no heavy library loaded", ok=not loaded,
            note=f"vs import ipywidgets; import pandas, sklearn takes {ms(t['pandas, sklearn']):.0f} ms; "
                 f"heavy libraries loaded: {', '.join(loaded) or 'none'}"),
        row("6b. first %designer render, fresh interpreter (ms)", ms(c), ms(p),
            note=f"Designer display data + canvas snapshot ({cold[0]['widgets']} widgets, "
                 f"{cold[0]['open_bytes'] / 1024:.0f} KB of widget state incl. the canvas bundle) vs "
                 "import ipywidgets + a 4-widget box"),
        row("6c. first %designer render, pandas/sklearn/ipywidgets imported (ms)", ms(wc), ms(wp),
            note="as in a notebook after its imports; vs the same 4-widget box"),
        row("6d. second %designer render in the same interpreter (ms)", ms(second), ms(c),
            note="vs the first render"),
    ]
    write_results("startup", rows, {"repeat": repeat, "imports": imports, "cold": cold, "plain": plain,
                                    "warm": warm, "warm_plain": warm_plain}, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
