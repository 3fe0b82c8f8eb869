"""Small helpers of the server package."""

from __future__ import annotations

from urllib.parse import quote


def join(*pieces: str) -> str:
    """Join URL path pieces with single slashes (``join("/", "designer", "api")``)."""
    out = "/".join(p.strip("/") for p in pieces if p and p.strip("/"))
    return "/" + out if out else "/"


def escape(name: str) -> str:
    return quote(str(name), safe="")


def below_root(root: str, path, *, example: str, what: str):
    """``(path, target)``: a path given as the file browser shows it, resolved below the
    server's ``root`` folder; a ServingError naming the problem otherwise (no path, not a
    usable path, outside the root). ``example`` is a path to show, ``what`` what the path is
    for ("register a file", "write the model")."""
    from pathlib import Path

    from jupyter_designer.serving.errors import ServingError

    if not isinstance(path, str) or not path.strip():
        raise ServingError(f"Give the file's \"path\" as the file browser shows it, e.g. "
                           f"\"{example}\".")
    path = path.strip().lstrip("/")
    base = Path(root).resolve()
    try:
        target = (base / path).resolve()
        inside = base == target or base in target.parents
        target.exists()   # a NUL character or a name too long fails here
    except (OSError, ValueError) as exc:
        raise ServingError(f"{path!r} is not a usable file path ({exc}); give the path as the "
                           f"file browser shows it, e.g. \"{example}\".") from None
    if not inside:
        raise ServingError(f"{path!r} is outside the Jupyter server's root folder; {what} "
                           "below it.")
    return path, target
