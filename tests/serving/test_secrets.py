"""Endpoint keys are readable by their owner only: files 0600 in folders 0700, whatever the
umask, and files or folders made with other modes are tightened on their next write."""

import json
import os
import stat

import pytest

from jupyter_designer.store import endpoints as _files
from jupyter_designer.serving.realtime import RealtimeEndpoints, authenticate

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """``umask(value)`` sets the process umask for the test; the old one comes back after."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda value: os.umask(value)
    os.umask(old)


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o077])
def test_secret_json_modes_do_not_depend_on_the_umask(tmp_path, umask, mask):
    umask(mask)
    path = tmp_path / "a" / "b" / "secret.json"
    _files.write_secret_json(path, {"key": "s3cret"})
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert json.loads(path.read_text()) == {"key": "s3cret"}
    # an ordinary file written next to it keeps the umask's mode
    other = tmp_path / "plain.json"
    _files.write_json(other, {})
    assert mode(other) == 0o666 & ~mask


def test_endpoint_keys_are_private(trained, umask):
    ws, run_id = trained
    umask(0o000)   # the most permissive umask: nothing may depend on it
    reg = RealtimeEndpoints(ws)
    reg.deploy("autos", run_id=run_id)
    record = reg.record_path("autos")
    assert mode(record) == 0o600
    assert mode(record.parent) == 0o700
    assert mode(reg.root) == 0o700
    assert "primary" in json.loads(record.read_text())["keys"]
    # a record and folder left readable by others (made by an older version) are tightened
    # by the next write of the record
    os.chmod(record, 0o644)
    os.chmod(record.parent, 0o755)
    os.chmod(reg.root, 0o755)
    keys = reg.regenerate_key("autos", "secondary")
    assert mode(record) == 0o600
    assert mode(record.parent) == 0o700
    assert mode(reg.root) == 0o700
    # a new version and a new description keep them private
    reg.deploy("autos", run_id=run_id, replace=True)
    assert mode(reg.record_path("autos")) == 0o600
    reg.set_description("autos", "car prices")
    assert mode(reg.record_path("autos")) == 0o600
    # no temp file with the keys is left behind, readable or not
    assert sorted(p.name for p in record.parent.iterdir() if p.is_file()) == ["endpoint.json"]
    # the keys still authenticate (compared in constant time)
    authenticate(json.loads(record.read_text()), f"Bearer {keys['secondaryKey']}")
