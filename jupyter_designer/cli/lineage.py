"""``jupyter designer lineage MODEL|ENDPOINT`` and ``jupyter designer model ...`` (the model
registry: versions, aliases, tags, description)."""

from __future__ import annotations

from ._common import _parse_params, _print_json, _table, _ws


def cmd_lineage(args) -> int:
    from jupyter_designer.app.lineage import lineage, lineage_text

    with _ws(args) as ws:
        result = lineage(ws, args.name, kind=args.kind, version=args.version)
    if args.json:
        _print_json(result)
    else:
        print(lineage_text(result))
    return 0


def _version(text):
    if text is None:
        return None
    return int(text) if str(text).isdigit() else text


def cmd_model(args) -> int:
    with _ws(args) as ws:
        if args.action == "versions":
            infos = ws.model_versions(args.name)
            if args.json:
                _print_json([i.as_dict() for i in infos])
                return 0
            print(_table([{"version": i.version, "aliases": ", ".join(i.aliases),
                           "learner": i.learner or i.type, "source run": i.source_run or "",
                           "description": i.description, "tags": i.tags or ""}
                          for i in infos],
                         ["version", "aliases", "learner", "source run", "description", "tags"]))
            return 0
        if args.action == "alias":
            info = ws.set_model_alias(args.name, args.alias, _version(args.version))
            out = {"name": info.name, "alias": args.alias, "version": info.version}
        elif args.action == "unalias":
            ws.remove_model_alias(args.name, args.alias)
            out = {"name": args.name, "alias": args.alias, "removed": True}
        else:  # update
            tags = None
            if args.tag is not None:
                tags = {**ws.model_info(args.name, _version(args.version)).tags,
                        **_parse_params(args.tag)}
            info = ws.update_model(args.name, _version(args.version),
                                   description=args.description, tags=tags)
            out = info.as_dict()
    if args.json:
        _print_json(out)
    elif args.action == "alias":
        print(f"Alias {out['alias']!r} of model {out['name']!r} now names version {out['version']}.")
    elif args.action == "unalias":
        print(f"Removed alias {args.alias!r} of model {args.name!r}.")
    else:
        print(f"Model {out['name']!r} version {out['version']}: description {out['description']!r}, "
              f"tags {out['tags']}.")
    return 0


def add_commands(sub, common) -> None:
    p = sub.add_parser("lineage", help="which data and which run produced a model or the model "
                                       "behind an endpoint")
    p.add_argument("name", help="a registered model, real-time endpoint or pipeline endpoint")
    p.add_argument("--kind", choices=("model", "endpoint", "pipeline-endpoint"),
                   help="which one, when the name is several")
    p.add_argument("--version", help="one version only (a number; for a model also an alias)")
    common(p)
    p.set_defaults(func=cmd_lineage)

    p = sub.add_parser("model", help="registered models: versions, alias, unalias, update")
    msub = p.add_subparsers(dest="action", required=True)
    q = msub.add_parser("versions", help="every version of a model with its aliases")
    q.add_argument("name")
    common(q)
    q = msub.add_parser("alias", help="point an alias (e.g. champion) at a version; it moves "
                                      "from the version it named before")
    q.add_argument("name")
    q.add_argument("alias")
    q.add_argument("version")
    common(q)
    q = msub.add_parser("unalias", help="remove an alias")
    q.add_argument("name")
    q.add_argument("alias")
    common(q)
    q = msub.add_parser("update", help="change a version's description or add tags")
    q.add_argument("name")
    q.add_argument("--version", help="a number or an alias (default: the latest)")
    q.add_argument("--description")
    q.add_argument("--tag", action="append", metavar="NAME=VALUE", help="add or change a tag")
    common(q)
    p.set_defaults(func=cmd_model)
