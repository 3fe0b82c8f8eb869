"""The JupyterLab extension ships prebuilt: its build output is in the package, the wheel
installs it as shared data (share/jupyter/labextensions/jupyter-designer), and JupyterLab
lists it as enabled, so installing needs no node."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILT = ROOT / "jupyter_designer" / "labextension"
SOURCE = ROOT / "labextension" / "lab"
SHARE = "share/jupyter/labextensions/jupyter-designer"


def _built_package() -> dict:
    return json.loads((BUILT / "package.json").read_text())


def test_built_extension_is_committed_and_complete():
    pkg = _built_package()
    assert pkg["name"] == "jupyter-designer"
    build = pkg["jupyterlab"]["_build"]
    remote = BUILT / build["load"]
    assert remote.is_file(), f"{remote} is missing: rebuild with `jlpm build` in labextension/lab"
    assert (BUILT / "static" / "style.js").is_file()
    text = "".join(p.read_text() for p in (BUILT / "static").glob("*.js"))
    # the plugin, its commands and the file type are in the bundle
    for needle in ("jupyter-designer:plugin", "jupyter-designer:new-pipeline",
                   "jupyter-designer:open-in-notebook", ".dpipeline", "ML Designer",
                   "jupyter-designer:open-run", "jupyter-designer:compare-runs",
                   "jupyter-designer:register-dataset", "runs-compare", "register-file",
                   "jp-mod-dirty"):
        assert needle in text, f"{needle!r} is not in the built extension"
    # widgets render through JupyterLab's own widget manager, never a bundled copy
    assert 'jupyterlab-manager",import:null' in remote.read_text(), \
        "@jupyter-widgets/jupyterlab-manager must be shared (bundled: false), not bundled"


def test_built_extension_matches_its_source_package():
    src = json.loads((SOURCE / "package.json").read_text())
    built = _built_package()
    assert src["name"] == built["name"] and src["version"] == built["version"]
    assert (SOURCE / src["jupyterlab"]["outputDir"]).resolve() == BUILT.resolve()
    assert (SOURCE / "yarn.lock").is_file(), "commit labextension/lab/yarn.lock"


def test_pyproject_installs_the_extension_as_shared_data():
    text = (ROOT / "pyproject.toml").read_text()
    assert f'"jupyter_designer/labextension" = "{SHARE}"' in text
    assert f'"labextension/lab/install.json" = "{SHARE}/install.json"' in text
    install = json.loads((SOURCE / "install.json").read_text())
    assert install["packageName"] == "jupyter-designer"


def test_jupyter_labextension_list_shows_it_enabled():
    out = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"],
                         capture_output=True, text=True, timeout=120)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)
    line = next((ln for ln in text.splitlines() if "jupyter-designer" in ln), None)
    assert line is not None, f"jupyter-designer is not listed (install with pip install -e .):\n{text}"
    assert "enabled" in line and "OK" in line, line
    assert f"v{_built_package()['version']}" in line


@pytest.mark.slow
def test_wheel_carries_the_prebuilt_extension(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("jupyter_designer-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    data = f"jupyter_designer-{_built_package()['version']}.data/data/{SHARE}"
    load = _built_package()["jupyterlab"]["_build"]["load"]
    for rel in ("package.json", "install.json", load, "static/style.js"):
        assert f"{data}/{rel}" in names, f"{data}/{rel} is not in {wheel.name}"


def test_extension_logic_unit_tests_pass_under_node():
    """The TypeScript side's logic (labextension/lab/src/logic.js: REST URLs, run grouping,
    status text, comparisons, registration summaries) under node's own test runner."""
    import shutil

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH: the extension's unit tests (labextension/lab/test) "
                    "need node >= 18")
    out = subprocess.run([node, "--test", str(SOURCE / "test" / "logic.test.mjs")],
                         capture_output=True, text=True, timeout=120, cwd=SOURCE)
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"^# pass [1-9]", out.stdout, re.M), out.stdout
    assert re.search(r"^# fail 0", out.stdout, re.M), out.stdout


BINDER = ROOT / "binder"


def test_binder_environment_matches_the_package_and_opens_the_tutorial(tmp_path):
    """repo2docker's files: the Python of runtime.txt is one the package supports, the pinned
    front ends are the package's own dependencies, postBuild installs the repository and opens
    a tutorial that exists, start shares one workspace; the scripts parse and are executable."""
    import os
    import tomllib

    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime.startswith("python-"), runtime
    assert SpecifierSet(project["requires-python"]).contains(runtime.split("-", 1)[1] + ".0")
    deps = {Requirement(d).name for d in project["dependencies"]}
    pins = [Requirement(line) for line in (BINDER / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert pins and all(r.name in deps for r in pins), \
        f"binder pins {[r.name for r in pins]} that the package does not depend on"

    post = (BINDER / "postBuild").read_text()
    assert "pip install --no-cache-dir ." in post
    url = re.search(r'default_url = "/lab/tree/([^"]+)"', post)
    assert url and (ROOT / url.group(1)).is_file(), "postBuild must open an existing notebook"
    link = re.search(r"urlpath=lab/tree/(\S+?)`", (BINDER / "README.md").read_text())
    assert link and (ROOT / link.group(1)).is_file()
    for script in ("postBuild", "start"):
        path = BINDER / script
        assert os.access(path, os.X_OK), f"binder/{script} must be executable"
        subprocess.run(["bash", "-n", str(path)], check=True, timeout=30)

    # start: the kernels and the server extension get one workspace, then the command runs
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_DESIGNER_WORKSPACE"}
    env["HOME"] = str(tmp_path)
    out = subprocess.run([str(BINDER / "start"), sys.executable, "-c",
                          "import os; print(os.environ['JUPYTER_DESIGNER_WORKSPACE'])"],
                         capture_output=True, text=True, env=env, timeout=30, check=True)
    assert out.stdout.strip() == str(tmp_path / ".designer")
