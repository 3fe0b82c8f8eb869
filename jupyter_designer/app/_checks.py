"""Argument checks shared by the use cases: one message shape for every front end."""

from __future__ import annotations

from jupyter_designer.serving.errors import RequestError


def exactly_one(given: dict, what: str) -> str:
    """The one key of ``given`` whose value is not None, else a 400 saying what to give.

    ``what`` describes the choices, e.g. ``'"path" (a file) or "csv" (CSV text)'``."""
    chosen = [k for k, v in given.items() if v is not None]
    if len(chosen) != 1:
        raise RequestError(f"Give exactly one of {what}"
                           + (f"; got {', '.join(map(repr, chosen))}." if chosen else "."))
    return chosen[0]


def optional_dict(value, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RequestError(f"{what} must be an object (name -> value). Got "
                           f"{type(value).__name__} instead.")
    return value


def text(value, what: str, *, default: str | None = None, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise RequestError(f"Give {what}.")
        return default
    if not isinstance(value, str) or (required and not value.strip()):
        raise RequestError(f"{what} must be a non-empty string. Got {value!r} instead."
                           if required else f"{what} must be a string. Got {value!r} instead.")
    return value


def flag(value, what: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise RequestError(f"{what} must be true or false. Got {value!r} instead.")
    return value


def object_body(doc, example: str) -> dict:
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise RequestError(f"The request body must be a JSON object like {example}.")
    return doc


def known_fields(doc: dict, fields, what: str) -> None:
    unknown = [k for k in doc if k not in fields]
    if unknown:
        raise RequestError(f"Unknown field {unknown[0]!r}; {what} takes "
                           f"{', '.join(map(repr, fields))}.", details={"field": unknown[0]})
