"""What the export tests of the component families share: run an exported script in the
fresh environment without jupyter-designer and compare what it computed with the run."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pandas as pd
from test_export_python import _METRIC_LINE, _clean_env, _run_metrics

from jupyter_designer.export.script_code import _var


def script_var(node, port) -> str:
    """The script's variable holding ``node``'s output ``port`` (None: its first output)."""
    base = _var(node.id)
    ports = node.spec.outputs
    if len(ports) == 1:
        return base
    key = port or ports[0].key
    digit = re.search(r"(\d+)$", key)
    return f"{base}_{digit.group(1) if digit else key}"


def assert_script_reproduces_run(fresh_python: str, ws, rec, script: Path, outputs: dict,
                                 folder: Path) -> None:
    """Run ``script`` in the fresh environment; its printed metrics equal the run's, every
    output of ``outputs`` (name -> (node, port)) equals the run's stored table exactly
    (dtypes, order, index), and no function is defined twice with different code (one copied
    helper replacing another)."""
    text = script.read_text(encoding="utf-8")
    got = folder / "got"
    got.mkdir()
    variables = {name: script_var(node, port) for name, (node, port) in outputs.items()}
    dump = "; ".join(f"g[{v!r}].to_parquet({str(got / (v + '.parquet'))!r})"
                     for v in sorted(set(variables.values())))
    out = subprocess.run([fresh_python, "-c", "import runpy, sys; g = runpy.run_path(sys.argv[1]); "
                          + dump, str(script)], cwd=script.parent, env=_clean_env(),
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-4000:]
    printed = {(m["node"], m["name"]): ast.literal_eval(m["value"])
               for m in map(_METRIC_LINE.match, out.stdout.splitlines()) if m}
    assert printed == _run_metrics(rec) and printed
    defined: dict = {}
    for stmt in ast.parse(text).body:
        if isinstance(stmt, ast.FunctionDef):
            code = ast.get_source_segment(text, stmt)
            assert defined.setdefault(stmt.name, code) == code, f"{stmt.name} defined twice"
    for name, (node, port) in outputs.items():
        port = port or node.spec.outputs[0].key
        expected = ws.load_artifact(rec.nodes[node.id].outputs[port]).copy()
        expected.attrs = {}
        actual = pd.read_parquet(got / f"{variables[name]}.parquet")
        assert len(expected.columns) > 0, name
        pd.testing.assert_frame_equal(actual, expected, check_exact=True, obj=name)
