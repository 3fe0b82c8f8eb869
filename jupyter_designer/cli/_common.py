"""What the command groups of ``jupyter designer`` share: the workspace of ``--workspace``,
``NAME=VALUE`` parameters, JSON and table output."""

from __future__ import annotations

import json
import time
from pathlib import Path


def _ws(args):
    from jupyter_designer.store import Workspace

    return Workspace(args.workspace) if getattr(args, "workspace", None) else Workspace()


def _parse_params(items) -> dict:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise SystemExit(f"error: --param takes NAME=VALUE; got {item!r}")
        k, v = item.split("=", 1)
        try:
            out[k.strip()] = json.loads(v)
        except json.JSONDecodeError:
            out[k.strip()] = v
    return out


def _print_json(obj) -> None:
    print(json.dumps(obj, indent=2, default=str, sort_keys=True))


def _table(rows: list[dict], columns: list[str], *, wide: tuple = ()) -> str:
    """A text table; cells are cut at 60 characters except in the ``wide`` columns."""
    if not rows:
        return "(none)"
    limit = {c: None if c in wide else 60 for c in columns}
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    widths = {c: min(w, limit[c] or w) for c, w in widths.items()}
    line = "  ".join(c.ljust(widths[c]) for c in columns)
    out = [line, "  ".join("-" * widths[c] for c in columns)]
    for r in rows:
        out.append("  ".join(str(r.get(c, ""))[:limit[c]].ljust(widths[c]) for c in columns).rstrip())
    return "\n".join(out)


def _metrics_summary(metrics: dict, n: int = 3) -> str:
    """The first ``n`` metrics of a run, each with every side it was reported for:
    ``Mean Absolute Error left=1.2 right=1.5`` for Evaluate Model's two inputs."""
    groups: dict[str, list] = {}
    for k, v in (metrics or {}).items():
        if isinstance(v, (dict, list)):
            continue
        prefix, sep, base = k.rpartition(": ")
        head, _, side = prefix.rpartition(": ")
        if sep and side in ("left", "right"):
            name = f"{head}: {base}" if head else base
            groups.setdefault(name, []).append(f"{side}={_fmt_metric(v)}")
        else:
            groups.setdefault(k, []).append(f"={_fmt_metric(v)}")
    parts = []
    for name, values in list(groups.items())[:n]:
        if len(values) == 1 and values[0].startswith("="):
            parts.append(f"{name}{values[0]}")
        else:
            parts.append(f"{name} {' '.join(values)}")
    return ", ".join(parts)


def _fmt_metric(v):
    if isinstance(v, float):
        return f"{v:.6g}"
    return v


def _asdict(obj) -> dict:
    import dataclasses

    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    if isinstance(obj, dict):
        return obj
    return dict(vars(obj))




def _when(t) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else ""


def _read_data(text: str):
    if text.startswith("@"):
        text = Path(text[1:]).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SystemExit(f"error: --data is not valid JSON ({exc})") from None
