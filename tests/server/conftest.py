"""Fixtures of the server extension tests: a Jupyter server with the designer extension on a
private copy of a trained workspace."""

import shutil
import sys
from pathlib import Path

import pytest
from traitlets.config import Config

# jp_fetch, jp_serverapp, ... for these tests only (pytest_plugins is allowed only at the root,
# where its autouse fixtures would start a ServerApp around every test of the suite)
from pytest_jupyter.jupyter_server import *  # noqa: F401,F403,E402

sys.path.insert(0, str(Path(__file__).parents[1] / "serving"))

from automobile import trained_workspace  # noqa: E402


@pytest.fixture(scope="session")
def trained_dir(tmp_path_factory):
    return trained_workspace(tmp_path_factory.mktemp("server-trained") / "ws")


@pytest.fixture
def designer_ws(trained_dir, tmp_path):
    """``(workspace folder, run id)``: a private copy of the trained workspace."""
    src, run_id = trained_dir
    dst = tmp_path / "designer-ws"
    shutil.copytree(src, dst)
    return dst, run_id


@pytest.fixture
def jp_server_config(designer_ws):
    path, _ = designer_ws
    return Config({"ServerApp": {"jpserver_extensions": {"jupyter_designer": True}},
                   "DesignerServer": {"workspace": str(path)}})


@pytest.fixture
def run_id(designer_ws):
    return designer_ws[1]


@pytest.fixture
def state(jp_serverapp):
    from jupyter_designer.server.state import SETTINGS_KEY

    return jp_serverapp.web_app.settings[SETTINGS_KEY]


@pytest.fixture
def slow_scoring(monkeypatch):
    """``slow_scoring(state, name, seconds)``: the endpoint's pipeline takes that much longer
    to score every request."""
    import time

    def make(state, name, seconds=1.5):
        cp = state.host.compiled(state.host.lookup(name))
        original = cp.score

        def slow(given, **kw):
            time.sleep(seconds)
            return original(given, **kw)

        monkeypatch.setattr(cp, "score", slow)

    return make


@pytest.fixture
def failing_scoring(monkeypatch):
    """``failing_scoring(state, name)``: the endpoint's pipeline fails on every request with
    an internal error whose message says "internal secret"."""

    def make(state, name):
        cp = state.host.compiled(state.host.lookup(name))

        def broken(given, **kw):
            raise ZeroDivisionError("internal secret")

        monkeypatch.setattr(cp, "score", broken)

    return make
