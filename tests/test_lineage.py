"""Lineage: after retraining on a new dataset version and redeploying, the endpoint's lineage
names the new run, dataset version and model version; the old version's lineage is intact.
Also: model aliases, and a workspace written before lineage existed still loads."""

import json
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "serving"))

from automobile import DATASET, automobile_pipeline  # noqa: E402

from jupyter_designer.app.lineage import lineage, lineage_text  # noqa: E402
from jupyter_designer.engine.errors import DesignerError, NotFoundError  # noqa: E402
from jupyter_designer.store import Workspace  # noqa: E402


def _train(ws, data_name):
    from jupyter_designer.engine.pipeline import Pipeline
    from jupyter_designer.engine.runner import Runner

    doc = automobile_pipeline(ws).to_dict()
    for n in doc["nodes"]:
        if n["kind"] == "dataset":
            n["data"] = {"name": data_name, "type": "dataset"}
    p = Pipeline.from_dict(doc, workspace=ws)
    h = Runner(ws).submit(p, "autos")
    rec = ws.get_run(h.run_id)
    assert rec.status == "completed", {k: n.error for k, n in rec.nodes.items() if n.error}
    return h.run_id


@pytest.fixture(scope="session")
def retrained(tmp_path_factory):
    """Train on cars v1, register price v1, deploy; then cars v2 -> run 2 -> price v2
    (champion) -> redeploy."""
    from jupyter_designer import serving

    ws = Workspace(tmp_path_factory.mktemp("lineage") / "ws")
    raw = ws.get_dataset(DATASET)
    ws.register_dataset("cars", raw)
    run1 = _train(ws, "cars")
    m1 = ws.register_output_as_model(run1, "train_model", "trained_model", "price")
    serving.deploy(ws, "autos", run_id=run1)
    ws.register_dataset("cars", raw.iloc[: len(raw) - 20])
    run2 = _train(ws, "cars")
    m2 = ws.register_output_as_model(run2, "train_model", "trained_model", "price")
    ws.set_model_alias("price", "champion", m2.version)
    serving.deploy(ws, "autos", run_id=run2, replace=True)
    yield ws, run1, run2
    ws.close()


def test_endpoint_lineage_names_the_new_run_dataset_and_model(retrained):
    ws, run1, run2 = retrained
    result = lineage(ws, "autos")
    assert result["subject"]["kind"] == "endpoint"
    ans = result["answer"]
    assert ans["from"] == ["endpoint:autos@2"]
    assert {"name": "price", "version": 2, "aliases": ["champion"]} in ans["models"]
    assert not any(m["version"] == 1 for m in ans["models"])
    assert [r["run_id"] for r in ans["runs"]] == [run2]
    assert ans["datasets"] == [{"name": "cars", "version": 2}]
    text = lineage_text(result)
    assert "real-time endpoint 'autos'" in text and "version 2 (live)" in text
    assert f"run {run2}" in text and "dataset 'cars' version 2" in text
    assert "model 'price' version 2 [champion]" in text


def test_old_version_lineage_is_intact(retrained):
    ws, run1, run2 = retrained
    old = lineage(ws, "autos", version=1)["answer"]
    assert [r["run_id"] for r in old["runs"]] == [run1]
    assert old["datasets"] == [{"name": "cars", "version": 1}]
    assert [(m["name"], m["version"]) for m in old["models"]] == [("price", 1)]
    # the model version keeps what it was trained on
    info = ws.model_info("price", 1)
    assert info.lineage["run"] == run1
    assert [(d["name"], d["version"]) for d in info.lineage["datasets"]] == [("cars", 1)]


def test_model_lineage_and_aliases(retrained):
    ws, run1, run2 = retrained
    result = lineage(ws, "price")
    assert result["subject"]["kind"] == "model"
    ids = {n["id"] for n in result["nodes"]}
    assert {"model:price@1", "model:price@2", f"run:{run1}", f"run:{run2}",
            "dataset:cars@1", "dataset:cars@2", "endpoint:autos@1", "endpoint:autos@2"} <= ids
    assert {"source": "endpoint:autos@2", "target": "model:price@2",
            "relation": "serves"} in result["edges"]
    # an alias moves: champion back to version 1, then lineage of the alias follows it
    ws.set_model_alias("price", "champion", 1)
    try:
        assert ws.model_info("price", "champion").version == 1
        assert ws.model_info("price", 2).aliases == ()
        assert lineage(ws, "price", version="champion")["answer"]["runs"][0]["run_id"] == run1
    finally:
        ws.set_model_alias("price", "champion", 2)
    with pytest.raises(NotFoundError, match="no alias 'best'.*'champion'"):
        ws.model_info("price", "best")
    with pytest.raises(DesignerError, match="must be a name"):
        ws.set_model_alias("price", "7", 1)


def test_dataset_registered_from_a_run_output_records_the_run(retrained):
    ws, run1, run2 = retrained
    info = ws.register_output_as_dataset(run2, "clean_missing_data", "cleaned_dataset",
                                         "cleaned cars")
    assert info.lineage["run"] == run2 and info.lineage["node"] == "clean_missing_data"
    assert ws.dataset_info("cleaned cars").lineage["datasets"][0]["version"] == 2


def test_unknown_names_get_a_clear_error(retrained):
    ws, *_ = retrained
    with pytest.raises(NotFoundError, match="no model, real-time endpoint or pipeline endpoint"):
        lineage(ws, "nothing")
    with pytest.raises(DesignerError, match="kind must be one of"):
        lineage(ws, "autos", kind="table")


def test_workspace_without_lineage_fields_still_loads(tmp_path):
    """A schema-2 workspace (written before lineage and aliases) opens, migrates, and its old
    records read with empty lineage."""
    from jupyter_designer.store import db as dbmod

    path = tmp_path / "old"
    path.mkdir()
    conn = sqlite3.connect(path / "designer.db", isolation_level=None)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("BEGIN")
    dbmod._migrate_1(conn)
    dbmod._migrate_2(conn)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    conn.execute("INSERT INTO experiments (name, created) VALUES ('e', 1.0)")
    conn.execute("INSERT INTO runs (id, experiment, status, created) VALUES "
                 "('r1', 'e', 'completed', 1.0)")
    conn.execute("INSERT INTO models (name, name_key, version, artifact_id, source_run, created)"
                 " VALUES ('m', 'm', 1, 'abc', 'r1', 1.0)")
    conn.execute("INSERT INTO datasets (name, name_key, version, artifact_id, content_hash, n_rows,"
                 " n_columns, schema, created) VALUES ('d', 'd', 1, 'x', 'h', 1, 1, ?, 1.0)",
                 (json.dumps([{"name": "a", "kind": "numeric"}]),))
    conn.execute("COMMIT")
    conn.close()
    with Workspace(path) as ws:
        assert ws.schema_version == dbmod.SCHEMA_VERSION
        assert ws.get_run("r1").lineage == {}
        assert ws.get_run("r1").as_dict()["lineage"] == {}
        info = ws.model_info("m")
        assert info.lineage == {} and info.aliases == ()
        assert ws.dataset_info("d").lineage == {}
        # lineage of an old model still answers with what is recorded (the run, no datasets)
        result = lineage(ws, "m")
        assert result["answer"]["runs"] == [{"run_id": "r1", "experiment": "e", "pipeline": ""}]
        ws.set_model_alias("m", "champion", 1)
        assert ws.model_info("m", "champion").aliases == ("champion",)


def test_cli_lineage_and_model_commands(retrained, capsys):
    from jupyter_designer.cli import main

    ws, run1, run2 = retrained
    assert main(["-w", str(ws.path), "lineage", "autos"]) == 0
    out = capsys.readouterr().out
    assert "Behind what is live now:" in out and f"runs:     {run2}" in out
    assert "datasets: cars v2" in out
    assert main(["-w", str(ws.path), "lineage", "autos", "--version", "1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["answer"]["datasets"] == [{"name": "cars", "version": 1}]
    assert main(["-w", str(ws.path), "model", "update", "price", "--version", "champion",
                 "--tag", "stage=prod", "--description", "retrained on cars v2"]) == 0
    capsys.readouterr()
    info = ws.model_info("price", 2)
    assert info.tags == {"stage": "prod"} and info.description == "retrained on cars v2"
    assert main(["-w", str(ws.path), "lineage", "no such thing"]) == 2
    assert "no model, real-time endpoint or pipeline endpoint" in capsys.readouterr().err


def test_lineage_under_a_traffic_split_names_both_deployments(retrained):
    from jupyter_designer.serving import RealtimeEndpoints

    ws, run1, run2 = retrained
    rt = RealtimeEndpoints(ws)
    rt.put_deployment("autos", "blue", 1)
    rt.put_deployment("autos", "green", 2)
    rt.set_traffic("autos", {"blue": 90, "green": 10})
    try:
        result = lineage(ws, "autos")
        assert sorted(r["run_id"] for r in result["answer"]["runs"]) == sorted([run1, run2])
        text = lineage_text(result)
        assert "deployment 'blue' 90%" in text and "deployment 'green' 10%" in text
    finally:
        rt.promote("autos", "green")
        rt.remove_deployment("autos", "blue")
    assert [r["run_id"] for r in lineage(ws, "autos")["answer"]["runs"]] == [run2]
