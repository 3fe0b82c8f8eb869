"""schemathesis over the OpenAPI documents, against real servers: the REST API of the Jupyter
server extension, and a real-time endpoint's document on ``jupyter designer serve`` and on the
Jupyter server. Zero server errors and zero contract violations (status codes, content types,
headers and bodies as documented; requests the document forbids are refused), with a bounded
number of examples per operation and a fixed seed. The REST API is run over twice: with
generated path parameters (mostly names that do not exist) and with path parameters drawn from
what the workspace holds. Each run takes under a minute on 2 cores, plus a minute to start the
servers."""

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
#: the second run over the REST API, with path parameters naming existing resources: fewer
#: examples per operation, as many of them read real outputs
EXISTING_EXAMPLES = 4
EXISTING_ENDPOINT = "autos-rest"
EXISTING_PIPELINE_ENDPOINT = "autos-pipeline"
EXISTING_DRAFT = "autos draft"


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
    # resources the REST API run finds: a second endpoint (its keys may be regenerated), a
    # pipeline endpoint, the registered datasets, a draft and the run's nodes and outputs
    serving.deploy(ws, EXISTING_ENDPOINT, run_id=run_id)
    serving.publish(ws, EXISTING_PIPELINE_ENDPOINT, run_id)
    ws.save_draft(EXISTING_DRAFT, ws.clone_run(run_id))
    run = ws.get_run(run_id)
    existing = {
        "run_id": [run_id],
        "node_id": sorted(run.nodes),
        "port": sorted({p for n in run.nodes.values() for p in n.outputs}),
        "name": sorted({d.name for d in ws.list_datasets(include_samples=False)}
                       | {EXISTING_ENDPOINT, EXISTING_PIPELINE_ENDPOINT, EXISTING_DRAFT}),
        "version": ["1"],
    }
    ws.close()
    with both_servers(path, folder, ["autos"]) as servers:
        yield {"servers": servers, "key": key, "existing": existing}


def _schemathesis(url: str, auth: str, checks: list, cwd: Path, *, config: Path | None = None,
                  examples: int = EXAMPLES, extra=()) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("schemathesis")
    cmd = [str(exe) if exe.exists() else "schemathesis"]
    if config is not None:
        cmd += ["--config-file", str(config)]
    cmd += ["run", url, "-H", f"Authorization: {auth}", "--checks", ",".join(checks),
            "--max-examples", str(examples), "--seed", str(SEED), "--workers", "1",
            "--phases", "examples,coverage,fuzzing", "--generation-database", "none",
            "--no-color", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=900)


def _assert_clean(proc, server):
    out = proc.stdout + proc.stderr
    summary = out[out.find("SUMMARY"):] if "SUMMARY" in out else out[-3000:]
    print(summary)
    assert proc.returncode == 0, out[-12000:] + "\n--- server log ---\n" + server.log_text()[-4000:]
    assert "Server error" not in out


def test_rest_api_keeps_its_document_on_existing_resources(live, tmp_path):
    """The same checks with the path parameters drawn, most of the time, from what the
    workspace holds (the run, its nodes and output ports, datasets, a draft, an endpoint, a
    pipeline endpoint), so operations on existing resources answer too, not only 404. Deleting
    is left out here (the first run covers it on names that do not exist): it would take the
    resources away from the operations after it. It comes before the run with generated
    parameters, which learns ids from the answers (schemathesis reuses ids seen in responses)
    and may delete the run."""
    import json

    server = live["servers"]["jupyter"]
    existing = live["existing"]
    lines = []
    for param, values in existing.items():
        lines.append(f"[dictionaries.{param}]\nvalues = {json.dumps(values)}\n")
    lines.append("[parameters]")
    for param in existing:
        lines.append(f'"path.{param}" = {{ dictionary = "{param}", probability = 0.8 }}')
    config = tmp_path / "schemathesis.toml"
    config.write_text("\n".join(lines) + "\n")
    har = tmp_path / "requests.har"
    url = f"http://127.0.0.1:{server.port}/designer/api/openapi.json"
    proc = _schemathesis(url, f"token {TOKEN}", CHECKS, tmp_path, config=config,
                         examples=EXISTING_EXAMPLES,
                         extra=["--exclude-method", "DELETE", "--report", "har",
                                "--report-har-path", str(har)])
    _assert_clean(proc, server)
    # the existing resources were found: a run's node output, an endpoint, a pipeline
    # endpoint's version, a dataset preview and a draft each answered 200
    answered = {(e["request"]["url"].split("/designer/api", 1)[1].split("?")[0],
                 e["response"]["status"]) for e in json.loads(har.read_text())["log"]["entries"]}
    ok = {path for path, status in answered if status in (200, 201, 202)}
    from urllib.parse import quote

    run, node = existing["run_id"][0], quote(existing["node_id"][0])
    for wanted in (f"/runs/{run}/nodes", f"/runs/{run}/clone", f"/endpoints/{EXISTING_ENDPOINT}",
                   f"/pipeline-endpoints/{EXISTING_PIPELINE_ENDPOINT}/versions/1",
                   f"/pipelines/{quote(EXISTING_DRAFT)}"):
        assert wanted in ok, (wanted, sorted(a for a in answered if a[0].startswith(wanted)))
    assert any(p.startswith(f"/runs/{run}/nodes/") and p.endswith("/outputs") for p in ok), \
        sorted(ok)[:80]
    assert any(p.startswith("/datasets/") and p.endswith("/preview") for p in ok), sorted(ok)[:80]


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
