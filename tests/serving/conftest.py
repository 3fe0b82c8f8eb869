import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from automobile import trained_workspace  # noqa: E402


@pytest.fixture(scope="session")
def trained_dir(tmp_path_factory):
    """A workspace folder holding one completed run of the automobile regression."""
    return trained_workspace(tmp_path_factory.mktemp("trained") / "ws")


@pytest.fixture
def trained(trained_dir, tmp_path):
    """A private copy of the trained workspace: ``(workspace, run id)``."""
    from jupyter_designer.store import Workspace

    src, run_id = trained_dir
    dst = tmp_path / "ws"
    shutil.copytree(src, dst)
    ws = Workspace(dst)
    yield ws, run_id
    ws.close()
