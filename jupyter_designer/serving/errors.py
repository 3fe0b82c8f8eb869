"""Errors of the serving layer, each with the HTTP status a front end answers with."""

from __future__ import annotations

from jupyter_designer.engine.errors import DesignerError, NotFoundError


def http_status(exc: Exception) -> int:
    """The HTTP status that reports a designer error: a serving error's own, 404 for what
    does not exist, else 400."""
    if isinstance(exc, ServingError):
        return exc.status
    if isinstance(exc, NotFoundError):
        return 404
    return 400


class ServingError(DesignerError):
    """Base of the serving errors; ``status`` is the HTTP status that reports it."""

    status = 400

    def __init__(self, message: str, *, details: dict | None = None):
        super().__init__(message)
        self.details = details or {}

    def as_dict(self) -> dict:
        return {"error": str(self), **({"details": self.details} if self.details else {})}


class RequestError(ServingError):
    """The request body is malformed, names an unknown column or has a wrong type (400)."""

    status = 400


class UnsupportedMediaTypeError(RequestError):
    """The request body's content type is not one the route reads (415)."""

    status = 415


class AuthenticationError(ServingError):
    """The API key is missing or wrong (401)."""

    status = 401


class EndpointNotFoundError(ServingError, NotFoundError):
    """No endpoint (or version) of that name (404)."""

    status = 404

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class EndpointConflictError(ServingError):
    """The endpoint exists already, or its state forbids the operation (409)."""

    status = 409


class EndpointUnavailableError(ServingError):
    """The endpoint is disabled or still loading (503)."""

    status = 503


class ScoringFailure(ServingError):
    """The pipeline failed on a request for a reason that is not the caller's (500).

    The message says so without internals; the traceback goes to the server log only.
    """

    status = 500


class ForbiddenError(ServingError):
    """The request reaches for something the server's owner does not allow (403)."""

    status = 403
