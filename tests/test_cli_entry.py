"""The command line as installed: the console script and ``python -m jupyter_designer.cli``
reach every command group of the cli/ package."""

import importlib.metadata
import json
import subprocess
import sys

GROUPS = ["run", "list", "show", "export", "validate", "register", "inference", "deploy",
          "endpoint", "publish", "submit", "pipeline-endpoint", "serve", "compute"]


def test_console_script_is_the_cli_package_entry_point():
    from jupyter_designer.cli import main

    eps = {e.name: e for e in importlib.metadata.entry_points(group="console_scripts")}
    assert eps["jupyter-designer"].value == "jupyter_designer.cli:main"
    assert eps["jupyter-designer"].load() is main


def test_every_command_group_answers(tmp_path):
    out = subprocess.run([sys.executable, "-m", "jupyter_designer.cli", "--help"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    for g in GROUPS:
        assert g in out.stdout, g
    out = subprocess.run([sys.executable, "-m", "jupyter_designer.cli", "--workspace",
                          str(tmp_path / "ws"), "compute", "list", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "local" in {t["name"] for t in json.loads(out.stdout)}
    # an input error: one "error:" line and status 2
    out = subprocess.run([sys.executable, "-m", "jupyter_designer.cli", "--workspace",
                          str(tmp_path / "ws"), "register", "dataset", "x", "a.csv",
                          "--na-values", "NA"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stderr.startswith("error:"), (out.returncode, out.stderr)
