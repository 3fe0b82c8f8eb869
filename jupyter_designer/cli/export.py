"""``jupyter designer export SOURCE [--format FORMAT] [--output FILE]``.

SOURCE is a run id, a pipeline file, a saved draft's name or a sample's name. The formats are
those of :data:`jupyter_designer.export.FORMATS` (``pipeline``: the pipeline file, the default;
``python``: a standalone script); a format added to that table is a ``--format`` choice here.
"""

from __future__ import annotations

import sys

from ._common import _print_json, _ws


def cmd_export(args) -> int:
    from jupyter_designer.app.export import export
    from jupyter_designer.export import get_format

    fmt = get_format(args.format)
    ws = _ws(args)
    if fmt.name == "pipeline" and not args.output:  # the pipeline file to stdout, as before
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            result = export(ws, args.source, format=fmt.name, output=Path(tmp) / "pipeline.json")
            sys.stdout.write(result.path.read_text(encoding="utf-8"))
        return 0
    result = export(ws, args.source, format=fmt.name, output=args.output)
    if args.json:
        _print_json(result.as_dict())
        return 0
    print(f"Wrote {result.path}")
    for f in result.files:
        print(f"  with {f}")
    if fmt.name == "python":
        print(f"Run it with: python {result.path}")
    return 0


def add_commands(sub, common) -> None:
    from jupyter_designer.export import FORMATS

    p = sub.add_parser("export", help="write a run, draft, sample or pipeline file in another "
                                      "format (the pipeline file, a Python script, ...)")
    p.add_argument("source", help="run id, draft name, sample name or pipeline file")
    p.add_argument("--format", "-f", default="pipeline", choices=sorted(FORMATS),
                   help="; ".join(f"{name}: {f.description}" for name, f in sorted(FORMATS.items()))
                   + " (default: pipeline)")
    p.add_argument("--output", "-o",
                   help="file to write, or a folder to write it in under the pipeline's name "
                        "(default: stdout for the pipeline file, else the pipeline's name in "
                        "the current folder)")
    common(p)
    p.set_defaults(func=cmd_export)
