"""The "Image classification with DenseNet" sample end to end: it runs from the CLI by name,
classifies the held-out digits well, reuses every node on a second run, and deployed as a
real-time endpoint (`jupyter designer serve`, real HTTP) scores a base64 image as the run
scored it."""

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

from jupyter_designer.cli import main  # noqa: E402
from jupyter_designer.store import Workspace  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent / "server"))
from live_servers import LiveServer  # noqa: E402

SAMPLE = "Image classification with DenseNet"
IN = "WebServiceInput0"


def cli(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    assert code == 0, out.err + out.out
    return json.loads(out.out)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("vision") / "ws"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["--workspace", str(path), "run", SAMPLE, "--experiment", "vision", "--json"])
    assert code == 0, buf.getvalue()
    return path, json.loads(buf.getvalue())


def test_the_sample_classifies_digits_and_reuses_every_node(first_run, capsys):
    path, rec = first_run
    assert rec["status"] == "completed"
    accuracy = next(v for k, v in rec["metrics"].items() if k.endswith("Overall accuracy"))
    assert accuracy >= 0.8, rec["metrics"]
    again = cli(capsys, "--workspace", str(path), "run", SAMPLE, "--json")
    statuses = {n["status"] for nid, n in again["nodes"].items() if nid != "digits_images"}
    assert statuses == {"reused"}, again["nodes"]


def test_deployed_endpoint_scores_a_base64_image(first_run):
    from jupyter_designer import serving

    path, rec = first_run
    ws = Workspace(path)
    scored = ws.run_output(rec["id"], "score_image_model", "scored_dataset")
    images = ws.get_dataset("Digits Images").set_index("Image name")
    right = scored[scored["Scored Labels"] == scored["Label"]].iloc[0]
    wrong = scored[scored["Scored Labels"] != scored["Label"]]
    serving.deploy(ws, "digits", run_id=rec["id"])
    key = serving.endpoint_keys(ws, "digits")["primaryKey"]
    ws.close()
    server = LiveServer("serve", path, path.parent)
    try:
        server.wait_ready()
        rows = [{"Image name": right["Image name"], "Image": images.loc[right["Image name"], "Image"]}]
        if len(wrong):  # one the model gets wrong comes back wrong, as in the run
            w = wrong.iloc[0]
            rows.append({"Image name": w["Image name"], "Image": images.loc[w["Image name"], "Image"]})
        code, data, _ = server.call("POST", "/designer/endpoints/digits/score",
                                    {"Inputs": {IN: rows}, "GlobalParameters": {}}, key=key)
        assert code == 200, data
        out = data["Results"]["WebServiceOutput0"]
        assert out[0]["Scored Labels"] == right["Label"]
        assert out[0]["Scored Probabilities_" + str(right["Label"])] == pytest.approx(
            right["Scored Probabilities_" + str(right["Label"])], rel=1e-4)
        if len(wrong):
            assert out[1]["Scored Labels"] == wrong.iloc[0]["Scored Labels"]
        code, data, _ = server.call("POST", "/designer/endpoints/digits/score",
                                    {"Inputs": {IN: [{"Image name": "x", "Image": "not an image"}]},
                                     "GlobalParameters": {}}, key=key)
        assert code in (400, 500) and "Traceback" not in json.dumps(data), data
    finally:
        server.stop()
