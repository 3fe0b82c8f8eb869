"""The REST routes of the JupyterLab sidebar: models, clone a run into a draft, compare runs,
register a file. Every answer is checked against the REST API's OpenAPI document: its status
code is one the document gives for the route, and its body matches the schema documented for
that code."""

from urllib.parse import unquote

import pytest
from test_handlers import call

#: the sidebar's routes and the status codes the document gives each (403: no valid token)
SIDEBAR_ROUTES = {
    ("/models", "get"): {"200", "400", "403"},
    ("/runs/{run_id}/clone", "post"): {"201", "400", "403", "404"},
    ("/runs-compare", "get"): {"200", "400", "403", "404"},
    ("/register-file", "post"): {"201", "400", "403"},
}


@pytest.fixture
def spec():
    from jupyter_designer.server.openapi import rest_openapi

    return rest_openapi()


def conforms(spec, route, method, code, body, response=None):
    """Assert that ``code`` is documented for the route and ``body`` matches its schema."""
    from openapi_schema_validator import OAS30Validator

    answers = spec["paths"][route][method]["responses"]
    assert str(code) in answers, (route, method, code, body)
    answer = answers[str(code)]
    if "$ref" in answer:
        answer = spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    schema = answer["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    OAS30Validator(schema).validate(body)
    if response is not None:
        assert response.headers["Content-Type"].startswith("application/json")
        for header in answer.get("headers", {}):
            assert response.headers.get(header), (route, header)
    return body


async def test_the_document_gives_each_sidebar_route_its_answers(jp_fetch):
    from openapi_spec_validator import validate

    code, served, _ = await call(jp_fetch, "designer", "api", "openapi.json")
    assert code == 200
    validate(served)
    for (route, method), codes in SIDEBAR_ROUTES.items():
        op = served["paths"][route][method]
        assert set(op["responses"]) == codes, (route, op["responses"])
    # bodies: required fields, unknown ones refused
    register = served["paths"]["/register-file"]["post"]["requestBody"]
    assert register["required"] is True
    schema = register["content"]["application/json"]["schema"]
    assert schema["required"] == ["path", "name"] and schema["additionalProperties"] is False
    clone = served["paths"]["/runs/{run_id}/clone"]["post"]["requestBody"]
    assert clone["required"] is False
    assert clone["content"]["application/json"]["schema"]["additionalProperties"] is False
    runs = served["paths"]["/runs-compare"]["get"]["parameters"]
    assert [(p["name"], p["required"]) for p in runs] == [("runs", True)]


@pytest.mark.parametrize("method,parts,body", [
    ("GET", ("models",), None),
    ("POST", ("runs", "any", "clone"), {}),
    ("GET", ("runs-compare",), None),
    ("POST", ("register-file",), {"path": "a.csv", "name": "a"}),
])
async def test_without_a_valid_token_each_route_answers_403(jp_fetch, spec, method, parts, body):
    code, err, r = await call(jp_fetch, "designer", "api", *parts, method=method, body=body,
                              headers={"Authorization": "token not-the-token"},
                              params={"runs": "a,b"} if parts == ("runs-compare",) else None)
    route = {"models": "/models", "runs": "/runs/{run_id}/clone",
             "runs-compare": "/runs-compare", "register-file": "/register-file"}[parts[0]]
    assert code == 403
    conforms(spec, route, method.lower(), code, err, r)


async def test_models_list_registered_and_trained_models_of_runs(jp_fetch, run_id, spec):
    code, doc, r = await call(jp_fetch, "designer", "api", "models")
    assert code == 200
    conforms(spec, "/models", "get", code, doc, r)
    assert isinstance(doc["registered"], list)
    trained = [m for m in doc["trained"] if m["run_id"] == run_id]
    assert trained, doc
    assert trained[0]["node_title"] and trained[0]["port"]
    code, err, r = await call(jp_fetch, "designer", "api", "models", params={"runs": "x"})
    assert code == 400 and "'runs'" in err["message"]
    conforms(spec, "/models", "get", code, err, r)
    # the number of runs looked through is kept between 1 and 500
    code, doc, _ = await call(jp_fetch, "designer", "api", "models", params={"runs": "0"})
    assert code == 200 and [m["run_id"] for m in doc["trained"]] == [run_id] * len(trained)


async def test_clone_run_into_a_new_draft(jp_fetch, run_id, spec):
    route = "/runs/{run_id}/clone"
    code, out, r = await call(jp_fetch, "designer", "api", "runs", run_id, "clone", method="POST")
    assert code == 201, out
    conforms(spec, route, "post", code, out, r)
    assert unquote(r.headers["Location"]).endswith("/designer/api/pipelines/" + out["draft"])
    code, draft, _ = await call(jp_fetch, "designer", "api", "pipelines", out["draft"])
    assert code == 200 and len(draft["nodes"]) == len(out["pipeline"]["nodes"]) > 1
    code, out2, _ = await call(jp_fetch, "designer", "api", "runs", run_id, "clone", method="POST",
                               body={"save_as": "my clone"})
    assert code == 201 and out2["draft"] == "my clone"
    code, err, r = await call(jp_fetch, "designer", "api", "runs", run_id, "clone", method="POST",
                              body={"save_as": 3})
    assert code == 400 and "save_as" in err["message"]
    conforms(spec, route, "post", code, err, r)
    # a field the route does not take is refused, not ignored
    code, err, _ = await call(jp_fetch, "designer", "api", "runs", run_id, "clone", method="POST",
                              body={"saveAs": "typo"})
    assert code == 400 and "'saveAs'" in err["message"] and "'save_as'" in err["message"]
    code, err, _ = await call(jp_fetch, "designer", "api", "runs", run_id, "clone", method="POST",
                              raw="[1]")
    assert code == 400 and "JSON object" in err["message"]
    code, err, r = await call(jp_fetch, "designer", "api", "runs", "no-such-run", "clone",
                              method="POST")
    assert code == 404 and "no-such-run" in err["message"]
    conforms(spec, route, "post", code, err, r)


async def test_compare_runs_side_by_side(jp_fetch, run_id, spec):
    code, again, _ = await call(jp_fetch, "designer", "api", "runs", method="POST",
                                body={"draft": None, "sample": "Automobile price prediction (basic)",
                                      "experiment": "compare"})
    assert code == 202
    from test_handlers import wait_run

    await wait_run(jp_fetch, again["run_id"])
    code, doc, r = await call(jp_fetch, "designer", "api", "runs-compare",
                              params={"runs": f"{run_id},{again['run_id']}"})
    assert code == 200, doc
    conforms(spec, "/runs-compare", "get", code, doc, r)
    assert [r["id"] for r in doc["runs"]] == [run_id, again["run_id"]]
    kinds = {row["kind"] for row in doc["rows"]}
    assert kinds == {"parameter", "metric"}
    assert all(len(row["values"]) == 2 for row in doc["rows"])
    code, err, r = await call(jp_fetch, "designer", "api", "runs-compare", params={"runs": run_id})
    assert code == 400 and "two run ids" in err["message"]
    conforms(spec, "/runs-compare", "get", code, err, r)
    code, err, _ = await call(jp_fetch, "designer", "api", "runs-compare")
    assert code == 400 and "two run ids" in err["message"]
    code, err, _ = await call(jp_fetch, "designer", "api", "runs-compare",
                              params={"runs": f"{run_id}, {run_id}"})
    assert code == 400 and "named twice" in err["message"] and run_id in err["message"]
    code, err, r = await call(jp_fetch, "designer", "api", "runs-compare",
                              params={"runs": f"{run_id},no-such-run"})
    assert code == 404 and "no-such-run" in err["message"]
    conforms(spec, "/runs-compare", "get", code, err, r)


async def test_register_a_file_of_the_file_browser(jp_fetch, jp_root_dir, spec):
    sub = jp_root_dir / "data"
    sub.mkdir()
    (sub / "cars.csv").write_text("make,price,sold\naudi,13950,2024-01-02\nbmw,,2024-02-03\n")
    code, out, r = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "data/cars.csv", "name": "cars", "description": "d"})
    assert code == 201, out
    conforms(spec, "/register-file", "post", code, out, r)
    assert unquote(r.headers["Location"]).endswith("/designer/api/datasets/cars")
    assert out["name"] == "cars" and out["rows"] == 2 and out["missing_values"] == {"price": 1}
    assert any("sold" in n for n in out["notes"]), out["notes"]
    code, items, _ = await call(jp_fetch, "designer", "api", "datasets")
    assert any(d["name"] == "cars" for d in items)
    code, err, r = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "../outside.csv", "name": "x"})
    assert code == 400 and "outside" in err["message"]
    conforms(spec, "/register-file", "post", code, err, r)
    code, err, _ = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "data/none.csv", "name": "x"})
    assert code == 400 and "data/none.csv" in err["message"]
    code, err, _ = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "data/cars.csv", "name": ""})
    assert code == 400 and "name" in err["message"]
    code, err, _ = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "data/cars.csv", "name": "c2", "na_values": "NA"})
    assert code == 400 and "na_values" in err["message"]
    # fields the route does not take are refused, not ignored
    code, err, _ = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "data/cars.csv", "name": "c3", "parse_dates": False})
    assert code == 400 and "'parse_dates'" in err["message"] and "'na_values'" in err["message"]
    code, err, _ = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "data/cars.csv", "name": "c3", "description": False})
    assert code == 400 and "description" in err["message"]
    code, err, _ = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "data/\u0000.csv", "name": "c3"})
    assert code == 400 and "not a usable file path" in err["message"]
    code, err, _ = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "data/" + "x" * 5000 + ".csv", "name": "c3"})
    assert code == 400, err
    code, err, _ = await call(jp_fetch, "designer", "api", "register-file", method="POST")
    assert code == 400 and "JSON object body" in err["message"]
    (sub / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x01")
    code, err, r = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "data/logo.png", "name": "logo"})
    assert code == 400 and ".png" in err["message"] and ".csv" in err["message"]
    conforms(spec, "/register-file", "post", code, err, r)
    # a description and na_values given as null are taken as not given
    code, out, _ = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "data/cars.csv", "name": "plain cars",
                                    "description": None, "na_values": None})
    assert code == 201 and out["version"] == 1 and out["description"] == ""
    assert out["missing_values"] == {"price": 1}
