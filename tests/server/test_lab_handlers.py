"""The REST routes of the JupyterLab sidebar: models, clone a run into a draft, compare runs."""

from urllib.parse import unquote

from test_handlers import call


async def test_models_list_registered_and_trained_models_of_runs(jp_fetch, run_id):
    code, doc, _ = await call(jp_fetch, "designer", "api", "models")
    assert code == 200
    assert isinstance(doc["registered"], list)
    trained = [m for m in doc["trained"] if m["run_id"] == run_id]
    assert trained, doc
    assert trained[0]["node_title"] and trained[0]["port"]
    code, err, _ = await call(jp_fetch, "designer", "api", "models", params={"runs": "x"})
    assert code == 400 and "'runs'" in err["message"]


async def test_clone_run_into_a_new_draft(jp_fetch, run_id):
    code, out, r = await call(jp_fetch, "designer", "api", "runs", run_id, "clone", method="POST")
    assert code == 201, out
    assert unquote(r.headers["Location"]).endswith("/designer/api/pipelines/" + out["draft"])
    code, draft, _ = await call(jp_fetch, "designer", "api", "pipelines", out["draft"])
    assert code == 200 and len(draft["nodes"]) == len(out["pipeline"]["nodes"]) > 1
    code, out2, _ = await call(jp_fetch, "designer", "api", "runs", run_id, "clone", method="POST",
                               body={"save_as": "my clone"})
    assert code == 201 and out2["draft"] == "my clone"
    code, err, _ = await call(jp_fetch, "designer", "api", "runs", run_id, "clone", method="POST",
                              body={"save_as": 3})
    assert code == 400 and "save_as" in err["message"]
    code, err, _ = await call(jp_fetch, "designer", "api", "runs", "no-such-run", "clone",
                              method="POST")
    assert code == 404 and "no-such-run" in err["message"]


async def test_compare_runs_side_by_side(jp_fetch, run_id):
    code, again, _ = await call(jp_fetch, "designer", "api", "runs", method="POST",
                                body={"draft": None, "sample": "Automobile price prediction (basic)",
                                      "experiment": "compare"})
    assert code == 202
    from test_handlers import wait_run

    await wait_run(jp_fetch, again["run_id"])
    code, doc, _ = await call(jp_fetch, "designer", "api", "runs-compare",
                              params={"runs": f"{run_id},{again['run_id']}"})
    assert code == 200, doc
    assert [r["id"] for r in doc["runs"]] == [run_id, again["run_id"]]
    kinds = {row["kind"] for row in doc["rows"]}
    assert kinds == {"parameter", "metric"}
    assert all(len(row["values"]) == 2 for row in doc["rows"])
    code, err, _ = await call(jp_fetch, "designer", "api", "runs-compare", params={"runs": run_id})
    assert code == 400 and "two run ids" in err["message"]


async def test_register_a_file_of_the_file_browser(jp_fetch, jp_root_dir):
    sub = jp_root_dir / "data"
    sub.mkdir()
    (sub / "cars.csv").write_text("make,price,sold\naudi,13950,2024-01-02\nbmw,,2024-02-03\n")
    code, out, r = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "data/cars.csv", "name": "cars", "description": "d"})
    assert code == 201, out
    assert out["name"] == "cars" and out["rows"] == 2 and out["missing_values"] == {"price": 1}
    assert any("sold" in n for n in out["notes"]), out["notes"]
    code, items, _ = await call(jp_fetch, "designer", "api", "datasets")
    assert any(d["name"] == "cars" for d in items)
    code, err, _ = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "../outside.csv", "name": "x"})
    assert code == 400 and "outside" in err["message"]
    code, err, _ = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "data/none.csv", "name": "x"})
    assert code == 400 and "data/none.csv" in err["message"]
    code, err, _ = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "data/cars.csv", "name": ""})
    assert code == 400 and "name" in err["message"]
    code, err, _ = await call(jp_fetch, "designer", "api", "register-file", method="POST",
                              body={"path": "data/cars.csv", "name": "c2", "na_values": "NA"})
    assert code == 400 and "na_values" in err["message"]
