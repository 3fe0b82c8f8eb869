"""``jupyter designer`` commands for inference pipelines and endpoints.

    jupyter designer inference RUN_ID [--batch] [-o FILE] [--save-as DRAFT]
    jupyter designer deploy RUN_ID --name NAME [--replace] [--description TEXT]
    jupyter designer endpoint list | show NAME | keys NAME | regenerate NAME [--key secondary]
                              | delete NAME | score NAME --data JSON|@FILE | swagger NAME
    jupyter designer publish SOURCE --endpoint NAME [--description TEXT] [--set-default]
    jupyter designer submit ENDPOINT [-p NAME=VALUE ...] [--version V] [--experiment E] [--wait]
    jupyter designer pipeline-endpoint list | show NAME | set-default NAME VERSION
                                       | disable NAME | enable NAME | delete NAME
"""

from __future__ import annotations

import sys

from ._common import _parse_params, _print_json, _read_data, _table, _when, _ws


# -- inference / deploy -----------------------------------------------------------------------
def cmd_inference(args) -> int:
    from jupyter_designer.engine.inference import create_inference
    from jupyter_designer.engine.serialization import dumps
    from jupyter_designer.fileio import atomic_write

    ws = _ws(args)
    p = create_inference(ws, args.run_id, "batch" if args.batch else "realtime", name=args.name)
    text = dumps(p.to_dict())
    if args.save_as:
        version = ws.save_draft(args.save_as, p.to_dict())
        print(f"Saved draft {args.save_as!r} version {version}", file=sys.stderr)
    if args.output:
        atomic_write(args.output, text)
        print(f"Wrote {args.output}", file=sys.stderr)
    elif not args.save_as:
        sys.stdout.write(text)
    return 0


def cmd_deploy(args) -> int:
    from jupyter_designer import serving
    from jupyter_designer.app import deploy

    if (args.run_id is None) == (args.pipeline is None):
        raise SystemExit("error: deploy a run (RUN_ID) or a real-time inference pipeline (--pipeline)")
    ws = _ws(args)
    info = deploy(ws, args.name, run_id=args.run_id, pipeline=args.pipeline,
                  description=args.description, replace=args.replace,
                  removed_rows=args.removed_rows)
    keys = serving.endpoint_keys(ws, args.name)
    if args.json:
        _print_json({**info, **keys})
        return 0
    last = info["versions"][-1]
    print(f"Deployed real-time endpoint {info['name']!r} version {info['version']} "
          f"(scoring: {last.get('fast_path') or 'faithful path'})")
    print(f"  primary key:   {keys['primaryKey']}")
    print(f"  secondary key: {keys['secondaryKey']}")
    print("Serve it with `jupyter designer serve` (or the Jupyter server) at "
          f"/designer/endpoints/{info['name']}/score")
    return 0


# -- real-time endpoints -------------------------------------------------------------------------
def cmd_endpoint(args) -> int:
    from jupyter_designer import serving
    from jupyter_designer.serving import RealtimeEndpoints

    ws = _ws(args)
    reg = RealtimeEndpoints(ws)
    action = args.action
    if action == "list":
        items = reg.list()
        if args.json:
            _print_json(items)
        else:
            print(_table([{"name": e["name"], "version": e["version"], "state": e.get("state"),
                           "updated": _when(e.get("updated")),
                           "description": e.get("description", "")} for e in items],
                         ["name", "version", "state", "updated", "description"]))
        return 0
    if not args.name:
        raise SystemExit(f"error: `endpoint {action}` needs an endpoint NAME")
    if action == "show":
        info = reg.get(args.name)
        meta = reg.meta(args.name)
        if args.json:
            _print_json({**info, "inputs": meta.get("inputs"), "outputs": meta.get("outputs"),
                         "example_request": meta.get("example_request")})
            return 0
        print(f"Endpoint {info['name']!r}: version {info['version']}, {info.get('state')}")
        if info.get("description"):
            print(f"  {info['description']}")
        for v in info["versions"]:
            print(f"  v{v['version']}  {_when(v['created'])}  run {v.get('source_run') or '-'}  "
                  f"{v.get('pipeline_name', '')}  ({v.get('fast_path') or 'faithful path'})")
        for i in meta.get("inputs", []):
            cols = ", ".join(f"{c['name']}:{c['kind']}" for c in i["columns"] if c.get("required", True))
            print(f"  input {i['name']}: {cols}")
        return 0
    if action == "keys":
        keys = reg.keys(args.name)
        if args.json:
            _print_json(keys)
        else:
            print(f"primary:   {keys['primaryKey']}\nsecondary: {keys['secondaryKey']}")
        return 0
    if action == "regenerate":
        keys = reg.regenerate_key(args.name, args.key)
        if args.json:
            _print_json(keys)
        else:
            print(f"Regenerated the {args.key} key of {args.name!r}; the old one is refused from now on.")
            print(f"primary:   {keys['primaryKey']}\nsecondary: {keys['secondaryKey']}")
        return 0
    if action == "delete":
        reg.delete(args.name)
        print(f"Deleted real-time endpoint {args.name!r}")
        return 0
    if action == "score":
        if not args.data:
            raise SystemExit("error: `endpoint score` needs --data JSON (or --data @file.json)")
        result = serving.score(ws, args.name, _read_data(args.data))
        _print_json(result)
        return 0
    if action == "swagger":
        from jupyter_designer.serving.openapi import endpoint_openapi

        info = reg.get(args.name)
        _print_json(endpoint_openapi(info["name"], reg.meta(args.name), info["version"],
                                     base_url=args.base_url or ""))
        return 0
    if action == "snippets":
        snip = serving.endpoint_snippets(args.name, args.base_url or "http://127.0.0.1:5001",
                                         workspace=ws)
        if args.json:
            _print_json(snip)
        else:
            print(snip["curl"])
            print()
            print(snip["python"])
        return 0
    raise SystemExit(f"error: unknown action {action!r}")


# -- pipeline endpoints ---------------------------------------------------------------------------
def cmd_publish(args) -> int:
    from jupyter_designer.app import publish
    from jupyter_designer.serving import PipelineEndpoints

    ws = _ws(args)
    pe = PipelineEndpoints(ws)
    v = publish(ws, args.endpoint, args.source, description=args.description or "",
                set_default=args.set_default or None, endpoints=pe)
    rec = pe.get(args.endpoint)
    if args.json:
        _print_json({"endpoint": rec["name"], **v, "default_version": rec["default_version"]})
        return 0
    params = ", ".join(f"{p['name']}={p['default']!r}" for p in v["parameters"]) or "(none)"
    print(f"Published {v['pipeline_name']!r} as version {v['version']} of pipeline endpoint "
          f"{rec['name']!r} (default version: {rec['default_version']}); parameters: {params}")
    return 0


def cmd_submit(args) -> int:
    from jupyter_designer.app import submit_to_endpoint

    ws = _ws(args)
    handle = submit_to_endpoint(ws, args.endpoint, parameters=_parse_params(args.param),
                                version=args.version, experiment=args.experiment,
                                background=not args.wait)
    if args.wait:
        rec = handle.record()
        if args.json:
            _print_json({"run_id": rec.id, "status": rec.status, "metrics": rec.metrics,
                         "error": rec.error})
        else:
            print(f"Run {rec.id} {rec.status} ({rec.duration or 0:.2f}s)")
            for k, v in (rec.metrics or {}).items():
                print(f"  {k:<40} {v}")
            if rec.error:
                print(f"error: {rec.error}", file=sys.stderr)
        return 0 if rec.status == "completed" else 1
    # without --wait the run goes on in this process's threads: wait for it quietly, as a CLI
    # process ending would interrupt it
    if args.json:
        _print_json({"run_id": handle.run_id, "status": "running"})
    else:
        print(f"Submitted run {handle.run_id} of pipeline endpoint {args.endpoint!r}")
    handle.wait()
    return 0


def cmd_pipeline_endpoint(args) -> int:
    from jupyter_designer.serving import PipelineEndpoints

    ws = _ws(args)
    pe = PipelineEndpoints(ws)
    action = args.action
    if action == "list":
        items = pe.list()
        if args.json:
            _print_json(items)
        else:
            print(_table([{"name": e["name"], "default": e["default_version"],
                           "versions": len(e["versions"]),
                           "enabled": e["enabled"], "description": e.get("description", "")}
                          for e in items], ["name", "default", "versions", "enabled", "description"]))
        return 0
    if not args.name:
        raise SystemExit(f"error: `pipeline-endpoint {action}` needs an endpoint NAME")
    if action == "create":
        rec = pe.create(args.name, args.description or "")
    elif action == "show":
        rec = pe.get(args.name)
        if not args.json:
            print(f"Pipeline endpoint {rec['name']!r}: default version {rec['default_version']}, "
                  f"{'enabled' if rec['enabled'] else 'disabled'}")
            for v in rec["versions"]:
                params = ", ".join(f"{p['name']}={p['default']!r}" for p in v["parameters"]) or "-"
                mark = "*" if v["version"] == rec["default_version"] else " "
                print(f" {mark}v{v['version']}  {_when(v['created'])}  {v['pipeline_name']}  "
                      f"parameters: {params}")
            return 0
    elif action == "set-default":
        if not args.version:
            raise SystemExit("error: `pipeline-endpoint set-default NAME VERSION`")
        rec = pe.set_default(args.name, args.version)
    elif action == "disable":
        rec = pe.disable(args.name)
    elif action == "enable":
        rec = pe.enable(args.name)
    elif action == "delete":
        pe.delete(args.name)
        print(f"Deleted pipeline endpoint {args.name!r}")
        return 0
    else:
        raise SystemExit(f"error: unknown action {action!r}")
    if args.json:
        _print_json(rec)
    else:
        print(f"Pipeline endpoint {rec['name']!r}: default version {rec['default_version']}, "
              f"{'enabled' if rec['enabled'] else 'disabled'}")
    return 0


def add_commands(sub, common) -> None:
    p = sub.add_parser("inference", help="create an inference pipeline from a completed run")
    p.add_argument("run_id")
    p.add_argument("--batch", action="store_true", help="batch inference (dataset parameter) "
                                                        "instead of real-time")
    p.add_argument("--name", help="name of the new pipeline")
    p.add_argument("--output", "-o", help="write the pipeline file here")
    p.add_argument("--save-as", help="save it as a draft of this name")
    common(p)
    p.set_defaults(func=cmd_inference)

    p = sub.add_parser("deploy", help="deploy a real-time endpoint from a completed run")
    p.add_argument("run_id", nargs="?", help="a completed training or real-time inference run")
    p.add_argument("--pipeline", help="a real-time inference pipeline (file or draft) instead of a run")
    p.add_argument("--name", required=True, help="endpoint name (3-32 lowercase letters, digits, -)")
    p.add_argument("--description")
    p.add_argument("--replace", action="store_true", help="deploy a new version of an existing endpoint")
    p.add_argument("--removed-rows", choices=["error", "report"], default=None,
                   help="when the pipeline removes request rows (Clean Missing Data, Remove entire "
                        "row): answer 400 naming them (error, the default) or answer for the other "
                        "rows and list the removed ones (report)")
    common(p)
    p.set_defaults(func=cmd_deploy)

    p = sub.add_parser("endpoint", help="real-time endpoints: list, show, keys, regenerate, delete, score")
    p.add_argument("action", choices=["list", "show", "keys", "regenerate", "delete", "score",
                                      "swagger", "snippets"])
    p.add_argument("name", nargs="?")
    p.add_argument("--key", choices=["primary", "secondary"], default="primary",
                   help="the key to regenerate")
    p.add_argument("--data", help="scoring request JSON, or @file.json")
    p.add_argument("--base-url", help="server URL for swagger/snippets")
    common(p)
    p.set_defaults(func=cmd_endpoint)

    p = sub.add_parser("publish", help="publish a pipeline (run, draft, file) to a pipeline endpoint")
    p.add_argument("source", help="run id, draft name, pipeline file or sample name")
    p.add_argument("--endpoint", "-e", required=True, help="pipeline endpoint name (created if missing)")
    p.add_argument("--description")
    p.add_argument("--set-default", action="store_true", help="make this version the default")
    common(p)
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("submit", help="submit a run of a pipeline endpoint")
    p.add_argument("endpoint")
    p.add_argument("--param", "-p", action="append", metavar="NAME=VALUE")
    p.add_argument("--version", help="published version (default: the endpoint's default)")
    p.add_argument("--experiment", help="experiment name (default: the endpoint's name)")
    p.add_argument("--wait", action="store_true", help="wait and print the run's result")
    common(p)
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser("pipeline-endpoint", help="pipeline endpoints: list, show, create, "
                                                 "set-default, disable, enable, delete")
    p.add_argument("action", choices=["list", "show", "create", "set-default", "disable", "enable",
                                      "delete"])
    p.add_argument("name", nargs="?")
    p.add_argument("version", nargs="?")
    p.add_argument("--description")
    common(p)
    p.set_defaults(func=cmd_pipeline_endpoint)
