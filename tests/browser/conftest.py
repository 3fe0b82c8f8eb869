"""Fixtures of the browser tests: a JupyterLab server and a headless Chromium per module.

Every test gets its own notebook page and writes screenshots of its steps to
``test-artifacts/browser/<test>/``; a failing test also leaves ``NN-FAILED.png``, the
browser console and the server log there.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from browser_lab import Browser, LabServer, have_browser_stack
from designer_page import DesignerPage

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def _failed(request) -> bool:
    return any(getattr(getattr(request.node, f"rep_{w}", None), "failed", False)
               for w in ("setup", "call"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory, request):
    why = have_browser_stack()
    if why:
        # CI installs the stack (.ci/run): there a missing browser is a failure, not a skip
        if os.environ.get("CI"):
            pytest.fail(f"browser tests need a browser stack: {why}")
        pytest.skip(f"browser tests need a browser stack: {why}")
    base = tmp_path_factory.mktemp("lab")
    server = LabServer(base / "notebooks", workspace=base / "designer-workspace")
    server.start()
    yield server
    server.stop()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(server.log_path, ARTIFACTS / f"{request.module.__name__}-server.log")


@pytest.fixture(scope="module")
def browser(lab, tmp_path_factory):
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    b.start()
    yield b
    b.stop()


@pytest.fixture
def notebook(lab):
    """``notebook(name, *cells)`` writes a notebook into the server's root; returns its name."""
    def write(name: str, *cells: str) -> str:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = dict(KERNELSPEC)
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        nbformat.write(nb, lab.root / name)
        return name
    return write


@pytest.fixture
def dp(lab, browser, request):
    """A new browser page (a :class:`DesignerPage`) with this test's artifact folder."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    page = browser.context.new_page()
    d = DesignerPage(page, lab, folder)
    yield d
    if _failed(request):
        d.shot("FAILED")
        (folder / "server.log").write_text(lab.log_tail(200))
    d.dump_console()
    page.close()
    lab.shutdown_kernels()  # two cores: leave them to the next test
