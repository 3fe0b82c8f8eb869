"""``jupyter designer mlflow``: MLflow tracking and the MLflow model registry.

    jupyter designer mlflow tracking                          # where runs are logged
    jupyter designer mlflow tracking --uri http://127.0.0.1:5000
    jupyter designer mlflow tracking --off
    jupyter designer mlflow log-run RUN                       # log a finished run now
    jupyter designer mlflow push-model NAME [--version 2]     # to the MLflow model registry

``export RUN --format skops|onnx|mlflow --output PATH`` writes a run's model as a file (see
``jupyter designer export``).
"""

from __future__ import annotations

from ._common import _print_json, _ws


def cmd_tracking(args) -> int:
    from jupyter_designer.tracking import mlflow_tracking as mt

    ws = _ws(args)
    if args.uri is not None or args.off:
        mt.set_tracking_uri(ws, None if args.off else args.uri)
    import os

    env = os.environ.get(mt.ENV)
    info = {"tracking_uri": mt.tracking_uri(ws), "workspace_setting": mt.workspace_tracking_uri(ws),
            "environment": env}
    if args.json:
        _print_json(info)
    elif info["tracking_uri"]:
        where = f"${mt.ENV}" if env else "the workspace setting"
        print(f"Runs are logged to MLflow at {info['tracking_uri']} (from {where}).")
    else:
        print(f"MLflow tracking is off. Turn it on with `jupyter designer mlflow tracking --uri "
              f"URI` or ${mt.ENV}.")
    return 0


def cmd_log_run(args) -> int:
    from jupyter_designer.tracking import mlflow_tracking as mt

    ws = _ws(args)
    info = mt.log_run(ws, args.run, args.tracking_uri)
    ws.set_run_lineage(args.run, mlflow=info)
    if args.json:
        _print_json(info)
    else:
        print(f"Logged run {args.run} to {info['tracking_uri']} as MLflow run {info['run_id']} "
              f"(experiment {info['experiment_id']}).")
    return 0


def cmd_push_model(args) -> int:
    from jupyter_designer.tracking import mlflow_tracking as mt

    ws = _ws(args)
    info = mt.push_model(ws, args.name, args.version, uri=args.tracking_uri,
                         registered_name=args.registered_name)
    if args.json:
        _print_json(info)
    else:
        print(f"Pushed model {args.name!r} to the MLflow registry at {info['tracking_uri']}: "
              f"{info['model_uri']} (load it with mlflow.pyfunc.load_model).")
    return 0


def add_commands(sub, common) -> None:
    g = sub.add_parser("mlflow", help="MLflow tracking of runs; push registered models to the "
                                      "MLflow model registry")
    gsub = g.add_subparsers(dest="mlflow_command", required=True)

    p = gsub.add_parser("tracking", help="show or set the MLflow tracking server runs are logged to")
    p.add_argument("--uri", help="the tracking server (e.g. http://127.0.0.1:5000)")
    p.add_argument("--off", action="store_true", help="stop logging runs (the workspace setting)")
    common(p)
    p.set_defaults(func=cmd_tracking)

    p = gsub.add_parser("log-run", help="log a finished run to the MLflow tracking server now")
    p.add_argument("run", help="run id")
    p.add_argument("--tracking-uri", help="default: $MLFLOW_TRACKING_URI or the workspace setting")
    common(p)
    p.set_defaults(func=cmd_log_run)

    p = gsub.add_parser("push-model", help="push a registered model to the MLflow model registry")
    p.add_argument("name", help="the registered model's name")
    p.add_argument("--version", type=int, help="its version (default: the latest)")
    p.add_argument("--registered-name", help="the name in the MLflow registry (default: NAME)")
    p.add_argument("--tracking-uri", help="default: $MLFLOW_TRACKING_URI or the workspace setting")
    common(p)
    p.set_defaults(func=cmd_push_model)
