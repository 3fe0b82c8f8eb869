"""User components: typed functions become components, kept in the workspace's palette so
another process (here a real `jupyter designer run`) can run a pipeline that uses them."""

import json
import os
import subprocess
import sys
import textwrap
from typing import Literal

import numpy as np
import pandas as pd
import pytest

import jupyter_designer as jd
from jupyter_designer.engine.component import REGISTRY
from jupyter_designer.engine.errors import ParameterError
from jupyter_designer.engine.ports import ANY, DATASET


def test_type_hints_become_ports_and_parameters(tmp_path):
    ws = jd.Workspace(tmp_path / "ws")

    @jd.component(name="Scale Column Test", workspace=ws)
    def scale_column(data: pd.DataFrame, other: pd.DataFrame | None = None, column: str = "x",
                     factor: float = 2.0, times: int = 1, mode: Literal["mul", "add"] = "mul",
                     keep: list[str] | None = None, flag: bool = False) -> pd.DataFrame:
        out = data.copy()
        for _ in range(times):
            out[column] = out[column] * factor if mode == "mul" else out[column] + factor
        return out

    spec = REGISTRY.get("Scale Column Test")
    assert spec.category == "User Components" and spec.user
    assert [(p.key, p.type, p.optional) for p in spec.inputs] == [("data", DATASET, False), ("other", DATASET, True)]
    kinds = {p.key: p.kind for p in spec.params}
    assert kinds == {"column": "string", "factor": "float", "times": "int", "mode": "enum",
                     "keep": "columns", "flag": "bool"}
    with pytest.raises(ParameterError, match="'Mode' parameter of Scale Column Test must be one of 'mul', 'add'"):
        spec.resolve_params({"mode": "div"})
    assert ws.list_components() == ["scale_column_test"]
    source = (ws.path / "components" / "scale_column_test.py").read_text()
    assert "import pandas as pd" in source and "from typing import Literal" in source


def test_another_process_runs_a_pipeline_with_a_saved_component(tmp_path):
    ws_path = tmp_path / "ws"
    ws = jd.Workspace(ws_path)
    ws.register_dataset("numbers", pd.DataFrame({"x": [1.0, 2.0, 3.0]}))

    @jd.component(name="Add Noise Free Offset", workspace=ws)
    def add_offset(data: pd.DataFrame, offset: float = 1.0) -> pd.DataFrame:
        return data.assign(y=np.asarray(data["x"]) + offset)

    p = jd.Pipeline("uses user component", workspace=ws)
    d = p.add_dataset("numbers")
    n = p.add_component("Add Noise Free Offset", {"offset": 10})
    p.connect(d, None, n, "data")
    f = tmp_path / "p.json"
    p.save(f)
    REGISTRY.remove("add_noise_free_offset")  # this process forgets it; the file remains
    env = {**os.environ, "JUPYTER_DESIGNER_WORKSPACE": str(ws_path)}
    proc = subprocess.run([sys.executable, "-m", "jupyter_designer.cli", "run", str(f), "--json"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rec = json.loads(proc.stdout)
    assert rec["status"] == "completed"
    out = ws.run_output(rec["id"], n.id, "results_dataset")
    assert list(out["y"]) == [11.0, 12.0, 13.0]
    # and this process finds it again through the workspace
    assert REGISTRY.get("Add Noise Free Offset").user
