"""``jupyter designer automl``: what a Train AutoML Model run found, and its best model as a draft.

    jupyter designer automl leaderboard RUN [--node NODE] [--top 10]
    jupyter designer automl best-draft RUN [--node NODE] [--name "My draft"]
"""

from __future__ import annotations


def cmd_automl(args) -> int:
    from jupyter_designer.app import automl

    from ._common import _print_json, _table, _ws

    ws = _ws(args)
    if args.automl_command == "best-draft":
        out = automl.open_best_model_draft(ws, args.run, args.node, name=args.name)
        if args.json:
            _print_json(out)
        else:
            print(f"Saved draft {out['draft']!r} (version {out['version']}): {out['learner']} "
                  f"with {out['parameters']}; AutoML {out['metric']} {out['metric_value']:.4g}.")
            print(f"Run it with: jupyter designer run {out['draft']!r}")
        return 0
    node, info = automl.best_model_info(ws, args.run, args.node)
    board = ws.run_output(args.run, node, "leaderboard").head(args.top)
    if args.json:
        _print_json({"node": node, "best": info,
                     "leaderboard": board.astype(object).where(board.notna(), None).to_dict("records")})
        return 0
    rows = board.to_dict("records")
    cols = ["Rank", "Trial", "Learner", info["metric"], "Duration (s)", "Hyperparameters"]
    print(_table(rows, cols, wide=("Hyperparameters",)))
    return 0


def add_commands(subparsers, common) -> None:
    """Adds ``automl leaderboard|best-draft`` to ``jupyter designer``."""
    p = subparsers.add_parser("automl", help="the leaderboard and best model of a Train AutoML Model run")
    sub = p.add_subparsers(dest="automl_command", required=True)
    q = sub.add_parser("leaderboard", help="the trials of a run's Train AutoML Model, best first")
    q.add_argument("run", help="run id")
    q.add_argument("--node", help="the Train AutoML Model node (when the run has several)")
    q.add_argument("--top", type=int, default=10, help="rows to show (default 10)")
    common(q)
    q.set_defaults(func=cmd_automl)
    q = sub.add_parser("best-draft", help="save the best model's pipeline (winning learner and "
                                          "settings, editable) as a new draft")
    q.add_argument("run", help="run id")
    q.add_argument("--node", help="the Train AutoML Model node (when the run has several)")
    q.add_argument("--name", help="name of the new draft (default: '<pipeline> - best model')")
    common(q)
    q.set_defaults(func=cmd_automl)
