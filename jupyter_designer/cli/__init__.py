"""``jupyter designer``: the command line, one submodule per command group.

- :mod:`.pipelines`: ``run``, ``list``, ``show``, ``validate``, ``register``;
- :mod:`.export`: ``export`` (a run or pipeline as a pipeline file, a Python script, ...);
- :mod:`.endpoints`: ``inference``, ``deploy``, ``endpoint``, ``publish``, ``submit``,
  ``pipeline-endpoint``;
- :mod:`.deployments`: ``deployments`` (traffic split, mirror, promotion), ``monitor``
  (scored-data log, drift);
- :mod:`.serve`: ``serve`` (the standalone scoring server);
- :mod:`.compute`: ``compute list|add|remove|check``;
- :mod:`.automl`: ``automl leaderboard|best-draft``.

Every subcommand prints readable text by default and JSON with ``--json``. Errors caused by
input print one ``error:`` line and exit with status 2. The commands translate flags into calls
of the application layer (:mod:`jupyter_designer.app`) and its results into text.
"""

from __future__ import annotations

import argparse
import sys

from . import automl, compute, deployments, endpoints, export, lineage, pipelines, schedules, serve

#: other modules add subcommands here: function(subparsers, common) registering them
EXTENSIONS: list = []
COMMAND_GROUPS = (pipelines, export, endpoints, deployments, serve, compute, automl, lineage,
                  schedules)
from . import tracking  # noqa: E402  (``mlflow``: tracking, log-run, push-model)
COMMAND_GROUPS += (tracking,)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jupyter designer",
                                     description="jupyter-designer: build, run and serve ML pipelines.")
    parser.add_argument("--workspace", "-w", help="workspace folder (default: $JUPYTER_DESIGNER_WORKSPACE or ./.designer)")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--workspace", "-w", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.add_argument("--json", action="store_true", help="print JSON")

    for group in COMMAND_GROUPS:
        group.add_commands(sub, common)
    for ext in EXTENSIONS:
        ext(sub, common)
    return parser


def main(argv=None) -> int:
    from jupyter_designer.engine.errors import DesignerError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except DesignerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
