"""Small helpers of the server package."""

from __future__ import annotations

from urllib.parse import quote


def join(*pieces: str) -> str:
    """Join URL path pieces with single slashes (``join("/", "designer", "api")``)."""
    out = "/".join(p.strip("/") for p in pieces if p and p.strip("/"))
    return "/" + out if out else "/"


def escape(name: str) -> str:
    return quote(str(name), safe="")
