"""The one atomic-write helper: a target holds its old content or the complete new one, never
a torn one, whether the writer fails, the rename fails or the process is killed mid-write."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from jupyter_designer import fileio
from jupyter_designer.store._fs import tmp_owner_dead


def test_text_files_are_utf8_with_newline_line_ends(tmp_path):
    target = tmp_path / "sub" / "doc.json"
    with fileio.atomic_file(target, "w") as f:
        f.write("é\nline two\n")
    assert target.read_bytes() == "é\nline two\n".encode("utf-8")
    fileio.atomic_write(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    fileio.atomic_write(target, lambda f: f.write(b"from a writer"))
    assert target.read_bytes() == b"from a writer"
    assert sorted(p.name for p in target.parent.iterdir()) == ["doc.json"]


def test_atomic_path_for_writers_that_take_a_path(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old\n")
    with fileio.atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(fileio.TMP_PREFIX)
        with open(tmp, "w") as f:
            f.write("new\n")
        assert target.read_text() == "old\n"   # nothing replaced before the block ends
    assert target.read_text() == "new\n"

    with pytest.raises(RuntimeError, match="writer failed"):
        with fileio.atomic_path(target) as tmp:
            with open(tmp, "w") as f:
                f.write("half")
            raise RuntimeError("writer failed")
    assert target.read_text() == "new\n"
    assert os.listdir(tmp_path) == ["table.csv"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals and file modes")
def test_a_killed_writer_leaves_the_old_file_and_a_temp_file_housekeeping_knows(tmp_path):
    target = tmp_path / "record.json"
    fileio.atomic_write(target, '{"version": 1}')
    script = textwrap.dedent(f"""
        import os, signal
        from jupyter_designer import fileio
        with fileio.atomic_file({str(target)!r}, file_mode=fileio.SECRET_FILE_MODE) as f:
            f.write(b'{{"version": 2, "torn')
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    assert target.read_text() == '{"version": 1}'
    leftovers = [p for p in tmp_path.iterdir() if p != target]
    assert len(leftovers) == 1
    left = leftovers[0]
    assert left.name.startswith(fileio.TMP_PREFIX) and left.name.endswith("-record.json")
    assert os.stat(left).st_mode & 0o777 == 0o600   # the secret mode from the first byte on
    assert tmp_owner_dead(left.name, 0, left)
    # a temp file of a live process (this one) is not housekeeping's to remove
    mine = fileio.tmp_name(target)
    mine.write_bytes(b"")
    assert not tmp_owner_dead(mine.name, 0, mine)
