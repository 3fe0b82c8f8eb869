"""Lineage: which data, which run and which model are behind a model or an endpoint.

:func:`lineage` answers for a registered model, a real-time endpoint or a pipeline endpoint
with a graph: ``nodes`` (``{"id", "kind", "label", ...}``) and ``edges`` (``{"source",
"target", "relation"}``) pointing from a thing to what it came from (an endpoint version to
the run it was deployed from and the model versions it serves, a model version to the run that
trained it, a run to the dataset versions it read, a dataset version registered from a run
output to that run). ``answer`` sums it up for what is live now: the models, the runs that
trained them and the datasets those runs read. :func:`lineage_text` renders it as a tree for
the command line.

Everything is read from what the workspace recorded when each thing was made (a model
version keeps its run's dataset versions, a run keeps the versions it read), so retraining
and redeploying leave the lineage of older versions as it was.
"""

from __future__ import annotations

import datetime as _dt

from jupyter_designer.engine.errors import DesignerError, NotFoundError
from jupyter_designer.serving.errors import RequestError

KINDS = ("model", "endpoint", "pipeline-endpoint")
#: how far back through runs and registered outputs the graph goes
MAX_DEPTH = 12


class _Graph:
    def __init__(self, ws):
        self.ws = ws
        self.nodes: dict[str, dict] = {}
        self.edges: list[dict] = []
        self._edge_keys: set = set()

    def node(self, nid: str, kind: str, label: str, **attrs) -> str:
        if nid not in self.nodes:
            self.nodes[nid] = {"id": nid, "kind": kind, "label": label, **attrs}
        return nid

    def edge(self, source: str, target: str, relation: str) -> None:
        key = (source, target, relation)
        if key not in self._edge_keys:
            self._edge_keys.add(key)
            self.edges.append({"source": source, "target": target, "relation": relation})

    # -- runs, datasets, models -----------------------------------------------------------------
    def dataset(self, d: dict, depth: int) -> str:
        name, version = d.get("name"), d.get("version")
        nid = f"dataset:{name}@{version}"
        if nid in self.nodes:
            return nid
        attrs = {"name": name, "version": version, "sample": bool(d.get("sample"))}
        self.node(nid, "dataset", f"dataset {name!r} version {version}"
                  + (" (sample)" if d.get("sample") else ""), **attrs)
        if not d.get("sample") and depth < MAX_DEPTH:
            try:
                info = self.ws.dataset_info(name, version)
            except DesignerError:
                self.nodes[nid]["missing"] = True
                return nid
            if info.lineage.get("run"):
                self.edge(nid, self.run(info.lineage["run"], depth + 1, info.lineage),
                          "registered from")
        return nid

    def run(self, run_id: str, depth: int, recorded: dict | None = None) -> str:
        nid = f"run:{run_id}"
        if nid in self.nodes:
            return nid
        try:
            run = self.ws.get_run(run_id)
        except NotFoundError:
            # the run was deleted: what was recorded with the model or dataset still answers
            recorded = recorded or {}
            self.node(nid, "run", f"run {run_id} (deleted)", run_id=run_id, missing=True,
                      experiment=recorded.get("experiment"), pipeline=recorded.get("pipeline"))
            for d in recorded.get("datasets", []):
                self.edge(nid, self.dataset(d, depth + 1), "read")
            return nid
        self.node(nid, "run", f"run {run.id}", run_id=run.id, experiment=run.experiment,
                  pipeline=run.pipeline_name, status=run.status, created=run.created)
        if depth >= MAX_DEPTH:
            return nid
        lin = run.lineage
        for d in lin.get("datasets", []):
            self.edge(nid, self.dataset(d, depth + 1), "read")
        for m in lin.get("models", []):
            self.edge(nid, self.artifact(m, depth + 1), "used")
        if lin.get("draft"):
            self.edge(nid, self.node(f"draft:{lin['draft']}", "draft", f"draft {lin['draft']!r}",
                                     name=lin["draft"]), "submitted from")
        pe = lin.get("pipeline_endpoint")
        if pe:
            self.edge(nid, self.node(f"pipeline-endpoint:{pe['name']}@{pe['version']}",
                                     "pipeline-endpoint-version",
                                     f"pipeline endpoint {pe['name']!r} version {pe['version']}",
                                     name=pe["name"], version=pe["version"]), "ran")
        trig = lin.get("trigger")
        if trig and trig.get("schedule"):
            self.edge(nid, self.node(f"schedule:{trig['schedule']}", "schedule",
                                     f"schedule {trig['schedule']!r}", name=trig["schedule"]),
                      "triggered by")
        return nid

    def model(self, info, depth: int) -> str:
        nid = f"model:{info.name}@{info.version}"
        if nid in self.nodes:
            return nid
        aliases = list(info.aliases)
        label = f"model {info.name!r} version {info.version}"
        if aliases:
            label += f" [{', '.join(aliases)}]"
        self.node(nid, "model", label, name=info.name, version=info.version, aliases=aliases,
                  tags=info.tags, description=info.description, learner=info.learner)
        if info.source_run and depth < MAX_DEPTH:
            self.edge(nid, self.run(info.source_run, depth + 1, info.lineage), "trained by")
        return nid

    def artifact(self, m: dict, depth: int) -> str:
        """A stored model or transformation an inference pipeline uses: its registered model
        versions, else the artifact itself with the run that produced it."""
        aid = m.get("artifact")
        registered = self.ws.models_of_artifact(aid) if aid else []
        if registered:
            first = None
            for info in registered:
                mid = self.model(info, depth)
                first = first or mid
            return first
        nid = f"artifact:{aid}"
        if nid in self.nodes:
            return nid
        kind = "transformation" if m.get("type") == "transformation" or \
            str(m.get("name", "")).startswith("TD-") else "model"
        self.node(nid, kind, f"{'fitted transformation' if kind == 'transformation' else 'trained model'}"
                  f" {m.get('name') or aid!s} (not registered)", artifact=aid,
                  source_node=m.get("source_node"))
        if m.get("source_run") and depth < MAX_DEPTH:
            self.edge(nid, self.run(m["source_run"], depth + 1), "trained by")
        return nid

    def inference_pipeline(self, owner: str, doc: dict, depth: int) -> None:
        for node in doc.get("nodes", []) if isinstance(doc, dict) else []:
            data = node.get("data") or {}
            if node.get("kind") == "dataset" and data.get("artifact"):
                self.edge(owner, self.artifact(data, depth + 1), "serves")


def _when(ts) -> str:
    if not ts:
        return ""
    return _dt.datetime.fromtimestamp(float(ts), _dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _live_versions(record: dict) -> dict:
    """version number -> what serves it now (the current version, or each deployment with its
    traffic share when the endpoint splits traffic between deployments)."""
    live: dict = {}
    deployments = record.get("deployments")
    if isinstance(deployments, dict):
        deployments = [{"name": k, **v} for k, v in deployments.items() if isinstance(v, dict)]
    if isinstance(deployments, list) and deployments:
        traffic = record.get("traffic") or {}
        for d in deployments:
            if not isinstance(d, dict) or d.get("version") is None:
                continue
            share = d.get("traffic", traffic.get(d.get("name"), 0) if isinstance(traffic, dict)
                          else None)
            live.setdefault(int(d["version"]), []).append(
                {"deployment": d.get("name"), "traffic": share})
        if live:
            return live
    if record.get("version") is not None:
        live[int(record["version"])] = [{"deployment": None, "traffic": 100}]
    return live


def _subject_kinds(ws, name: str) -> list[str]:
    from jupyter_designer.serving import PipelineEndpoints, RealtimeEndpoints

    found = []
    if RealtimeEndpoints(ws).exists(name):
        found.append("endpoint")
    try:
        ws.model_info(name)
        found.append("model")
    except NotFoundError:
        pass
    if PipelineEndpoints(ws).exists(name):
        found.append("pipeline-endpoint")
    return found


def lineage(ws, name: str, *, kind: str | None = None, version=None) -> dict:
    """The lineage of model, real-time endpoint or pipeline endpoint ``name`` (``kind`` says
    which when a name is several); ``version`` limits it to one version (a model version may
    be an alias such as ``"champion"``)."""
    if not isinstance(name, str) or not name.strip():
        raise RequestError(f"Give the name of a model or an endpoint. Got {name!r} instead.")
    name = name.strip()
    if kind is not None and kind not in KINDS:
        raise RequestError(f"The kind must be one of {', '.join(KINDS)}. Got {kind!r} instead.")
    kinds = _subject_kinds(ws, name)
    if kind is None:
        if not kinds:
            raise NotFoundError(f"There is no model, real-time endpoint or pipeline endpoint named "
                                f"{name!r}. List them with `jupyter designer list models`, "
                                "`jupyter designer endpoint list` and `jupyter designer "
                                "pipeline-endpoint list`.")
        if len(kinds) > 1:
            raise RequestError(f"{name!r} names a {' and a '.join(kinds)}; say which with kind "
                               f"(--kind {' or --kind '.join(kinds)}).")
        kind = kinds[0]
    g = _Graph(ws)
    if kind == "model":
        subject, answer = _model_lineage(g, name, version)
    elif kind == "endpoint":
        subject, answer = _endpoint_lineage(g, name, version)
    else:
        subject, answer = _pipeline_endpoint_lineage(g, name, version)
    subject["version"] = version
    return {"subject": subject, "answer": answer, "nodes": list(g.nodes.values()),
            "edges": g.edges}


def _model_lineage(g: _Graph, name: str, version):
    infos = [g.ws.model_info(name, version)] if version is not None else g.ws.model_versions(name)
    root = g.node(f"models:{infos[0].name}", "registered-model",
                  f"registered model {infos[0].name!r}", name=infos[0].name,
                  aliases=g.ws.model_aliases(infos[0].name))
    for info in reversed(infos):
        g.edge(root, g.model(info, 0), "has version")
    _deployments_of_models(g, {i.artifact_id: f"model:{i.name}@{i.version}" for i in infos})
    latest = infos[-1]
    return ({"kind": "model", "name": latest.name, "id": root},
            _answer(g, [f"model:{latest.name}@{latest.version}"]))


def _deployments_of_models(g: _Graph, by_artifact: dict) -> None:
    """Edges from the real-time endpoint versions that serve these model artifacts."""
    from jupyter_designer.serving import RealtimeEndpoints

    rt = RealtimeEndpoints(g.ws)
    for rec in rt.list():
        for v in rec.get("versions", []):
            doc = rt.records.read_version_json(rec["name"], v["version"], "pipeline.json") or {}
            for node in doc.get("nodes", []):
                aid = (node.get("data") or {}).get("artifact")
                if aid in by_artifact:
                    vid = g.node(f"endpoint:{rec['name']}@{v['version']}", "endpoint-version",
                                 f"endpoint {rec['name']!r} version {v['version']}",
                                 name=rec["name"], version=v["version"])
                    g.edge(vid, by_artifact[aid], "serves")


def _endpoint_lineage(g: _Graph, name: str, version):
    from jupyter_designer.serving import RealtimeEndpoints

    rt = RealtimeEndpoints(g.ws)
    rec = rt.get(name)
    live = _live_versions(rec)
    root = g.node(f"endpoint:{rec['name']}", "endpoint", f"real-time endpoint {rec['name']!r}",
                  name=rec["name"])
    versions = rec.get("versions", [])
    if version is not None:
        versions = [v for v in versions if str(v["version"]) == str(version)]
        if not versions:
            raise NotFoundError(f"Real-time endpoint {rec['name']!r} has no version {version!r}; "
                                f"its versions are "
                                f"{', '.join(str(v['version']) for v in rec['versions'])}.")
    live_ids = []
    for v in versions:
        n = int(v["version"])
        vid = g.node(f"endpoint:{rec['name']}@{n}", "endpoint-version",
                     f"version {n}" + (" (live)" if n in live else ""), name=rec["name"],
                     version=n, live=n in live, deployments=live.get(n, []),
                     pipeline=v.get("pipeline_name"), created=v.get("created"))
        g.edge(root, vid, "has version")
        if n in live:
            live_ids.append(vid)
        doc = rt.records.read_version_json(rec["name"], n, "pipeline.json") or {}
        g.inference_pipeline(vid, doc, 0)
        if v.get("source_run"):
            g.edge(vid, g.run(v["source_run"], 1), "deployed from")
    return ({"kind": "endpoint", "name": rec["name"], "id": root},
            _answer(g, live_ids or [f"endpoint:{rec['name']}@{int(v['version'])}"
                                    for v in versions[-1:]]))


def _pipeline_endpoint_lineage(g: _Graph, name: str, version):
    from jupyter_designer.serving import PipelineEndpoints

    pe = PipelineEndpoints(g.ws)
    rec = pe.get(name)
    root = g.node(f"pipeline-endpoint:{rec['name']}", "pipeline-endpoint",
                  f"pipeline endpoint {rec['name']!r}", name=rec["name"])
    versions = [pe.version(name, version)] if version is not None else rec.get("versions", [])
    default = []
    for v in versions:
        vid = g.node(f"pipeline-endpoint:{rec['name']}@{v['version']}", "pipeline-endpoint-version",
                     f"version {v['version']}" + (" (default)" if v["version"] ==
                                                  rec.get("default_version") else ""),
                     name=rec["name"], version=v["version"], pipeline=v.get("pipeline_name"),
                     created=v.get("created"))
        g.edge(root, vid, "has version")
        if v["version"] == rec.get("default_version"):
            default.append(vid)
        if v.get("source_run"):
            g.edge(vid, g.run(v["source_run"], 1), "published from")
        if v.get("source_draft"):
            g.edge(vid, g.node(f"draft:{v['source_draft']}", "draft",
                               f"draft {v['source_draft']!r}", name=v["source_draft"]),
                   "published from")
    # the runs it started, newest first (what they read and which models they registered)
    for run in g.ws.list_runs(experiment=None, limit=200):
        ran = run.lineage.get("pipeline_endpoint") or {}
        if ran.get("name") == rec["name"] and any(v["version"] == ran.get("version")
                                                  for v in versions):
            rid = g.run(run.id, 1)
            for info in g.ws.models_of_run(run.id):
                g.edge(g.model(info, 1), rid, "trained by")
    return ({"kind": "pipeline-endpoint", "name": rec["name"], "id": root},
            _answer(g, default or [root]))


def _answer(g: _Graph, starts: list[str]) -> dict:
    """The models, runs and dataset versions reachable from ``starts``."""
    out = {"from": list(starts), "models": [], "runs": [], "datasets": []}
    seen, stack = set(), list(starts)
    by_source: dict = {}
    for e in g.edges:
        by_source.setdefault(e["source"], []).append(e["target"])
    while stack:
        nid = stack.pop(0)
        if nid in seen:
            continue
        seen.add(nid)
        node = g.nodes[nid]
        if node["kind"] == "model" and "name" in node:
            out["models"].append({"name": node["name"], "version": node["version"],
                                  "aliases": node.get("aliases", [])})
        elif node["kind"] == "run":
            out["runs"].append({"run_id": node["run_id"], "experiment": node.get("experiment"),
                                "pipeline": node.get("pipeline")})
        elif node["kind"] == "dataset":
            out["datasets"].append({"name": node["name"], "version": node["version"]})
        stack.extend(by_source.get(nid, []))
    return out


def lineage_text(result: dict) -> str:
    """The lineage as an indented tree from its subject, following "came from" edges."""
    nodes = {n["id"]: n for n in result["nodes"]}
    out_edges: dict = {}
    for e in result["edges"]:
        out_edges.setdefault(e["source"], []).append(e)
    lines: list[str] = []
    printed: set = set()

    def label(n: dict) -> str:
        extra = []
        if n["kind"] == "run":
            extra = [f"experiment {n['experiment']!r}" if n.get("experiment") else "",
                     f"pipeline {n['pipeline']!r}" if n.get("pipeline") else "",
                     n.get("status") or "", _when(n.get("created"))]
        elif n["kind"] == "endpoint-version":
            extra = [f"pipeline {n['pipeline']!r}" if n.get("pipeline") else "",
                     _when(n.get("created"))]
            for d in n.get("deployments") or []:
                if d.get("deployment"):
                    extra.append(f"deployment {d['deployment']!r} {d.get('traffic')}%")
        text = n["label"]
        extra = [x for x in extra if x]
        return f"{text} ({', '.join(extra)})" if extra else text

    def walk(nid: str, prefix: str, relation: str | None, last: bool) -> None:
        n = nodes[nid]
        branch = "" if relation is None else ("└─ " if last else "├─ ")
        head = f"{relation} " if relation and relation != "has version" else ""
        again = nid in printed and out_edges.get(nid)
        lines.append(f"{prefix}{branch}{head}{n['label'] + ' (as above)' if again else label(n)}")
        if again:
            return
        printed.add(nid)
        kids = out_edges.get(nid, [])
        child_prefix = prefix + ("" if relation is None else ("   " if last else "│  "))
        for i, e in enumerate(kids):
            walk(e["target"], child_prefix, e["relation"], i == len(kids) - 1)

    walk(result["subject"]["id"], "", None, True)
    served = sorted({nodes[e["source"]]["label"] for e in result["edges"]
                     if e["relation"] == "serves" and e["target"] in printed
                     and e["source"] not in printed})
    if served:
        lines.append("Served by: " + "; ".join(served))
    ans = result.get("answer") or {}
    if ans.get("models") or ans.get("runs") or ans.get("datasets"):
        lines.append("")
        version = result["subject"].get("version")
        lines.append(f"Behind version {version}:" if version is not None else {
            "model": "Behind the latest version:",
                      "pipeline-endpoint": "Behind the default version:"}.get(
            result["subject"]["kind"], "Behind what is live now:"))
        if ans.get("models"):
            lines.append("  models:   " + ", ".join(
                f"{m['name']} v{m['version']}" + (f" [{', '.join(m['aliases'])}]" if m["aliases"]
                                                  else "") for m in ans["models"]))
        if ans.get("runs"):
            lines.append("  runs:     " + ", ".join(r["run_id"] for r in ans["runs"]))
        if ans.get("datasets"):
            lines.append("  datasets: " + ", ".join(f"{d['name']} v{d['version']}"
                                                    for d in ans["datasets"]))
    return "\n".join(lines)
