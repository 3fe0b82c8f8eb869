"""schemathesis over the OpenAPI documents, against real servers: the REST API of the Jupyter
server extension, and a real-time endpoint's document on ``jupyter designer serve`` and on the
Jupyter server. Zero server errors and zero contract violations (status codes, content types,
headers and bodies as documented; requests the document forbids are refused), with a bounded
number of examples per operation and a fixed seed, so a CI run takes about a minute."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from live_servers import TOKEN, both_servers  # noqa: E402

pytestmark = pytest.mark.slow

#: what is checked: the responses against the document, and that requests violating it are
#: refused. Not checked: "schema-valid request accepted" (a body can match the document and
#: still be refused for what no schema says, e.g. a pipeline document that does not load) and,
#: on the REST API, "401 without the Authorization header": Jupyter answers 403 there, as every
#: Jupyter REST API does, and the document says so on every operation.
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance",
          "negative_data_rejection"]
EXAMPLES = 8
SEED = 20261204


@pytest.fixture(scope="module")
def live(trained_dir, tmp_path_factory):
    from jupyter_designer import serving
    from jupyter_designer.store import Workspace

    src, run_id = trained_dir
    folder = tmp_path_factory.mktemp("schemathesis")
    path = folder / "ws"
    shutil.copytree(src, path)
    ws = Workspace(path)
    serving.deploy(ws, "autos", run_id=run_id)
    key = serving.endpoint_keys(ws, "autos")["primaryKey"]
    ws.close()
    with both_servers(path, folder, ["autos"]) as servers:
        yield {"servers": servers, "key": key}


def _schemathesis(url: str, auth: str, checks: list, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("schemathesis")
    cmd = [str(exe) if exe.exists() else "schemathesis", "run", url,
           "-H", f"Authorization: {auth}", "--checks", ",".join(checks),
           "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--workers", "1",
           "--phases", "examples,coverage,fuzzing", "--generation-database", "none",
           "--no-color"]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=900)


def _assert_clean(proc, server):
    out = proc.stdout + proc.stderr
    summary = out[out.find("SUMMARY"):] if "SUMMARY" in out else out[-3000:]
    print(summary)
    assert proc.returncode == 0, out[-12000:] + "\n--- server log ---\n" + server.log_text()[-4000:]
    assert "Server error" not in out


def test_rest_api_keeps_its_document(live, tmp_path):
    server = live["servers"]["jupyter"]
    url = f"http://127.0.0.1:{server.port}/designer/api/openapi.json"
    proc = _schemathesis(url, f"token {TOKEN}", CHECKS, tmp_path)
    _assert_clean(proc, server)
    # every operation of the document was called
    import re

    selected = re.search(r"Selected: (\d+)/(\d+)", proc.stdout)
    tested = re.search(r"Tested: (\d+)", proc.stdout)
    assert selected and tested and selected[1] == selected[2] == tested[1] and int(tested[1]) > 30, \
        proc.stdout[-2000:]


@pytest.mark.parametrize("kind", ["serve", "jupyter"])
def test_endpoint_keeps_its_document(live, kind, tmp_path):
    server = live["servers"][kind]
    url = f"http://127.0.0.1:{server.port}/designer/endpoints/autos/swagger.json"
    # an endpoint answers 401 without its key, as its document says
    proc = _schemathesis(url, f"Bearer {live['key']}", CHECKS + ["missing_required_header"],
                         tmp_path)
    _assert_clean(proc, server)
    assert "Selected: 9/9" in proc.stdout, proc.stdout[-2000:]
