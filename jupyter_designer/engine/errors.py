"""The designer's error types.

Every error a user can cause derives from :class:`DesignerError`, so front ends (canvas,
CLI, REST) can show the message as it is and never a traceback.
"""

from __future__ import annotations


def a_or_an(phrase: str) -> str:
    """``phrase`` with its indefinite article: "an untrained model", "a dataset"."""
    text = str(phrase)
    return ("an " if text[:1].lower() in "aeiou" and text[:1] else "a ") + text


class DesignerError(Exception):
    """Base of every error caused by user input; ``str(err)`` is meant for the user."""


class ParameterError(DesignerError, ValueError):
    """A parameter value does not satisfy its declaration.

    The message has one shape: "The 'x' parameter of Y must be ... Got ... instead."
    """

    def __init__(self, message: str, *, component: str | None = None, parameter: str | None = None):
        super().__init__(message)
        self.component = component
        self.parameter = parameter


class PortError(DesignerError, ValueError):
    """Two ports cannot be connected, or a port name does not exist."""


class PipelineError(DesignerError, ValueError):
    """An edit of a pipeline draft cannot be made (unknown node, duplicate edge, ...)."""


class ValidationIssue:
    """One problem found when validating a pipeline draft."""

    __slots__ = ("node_id", "node_title", "port", "parameter", "message")

    def __init__(self, message: str, *, node_id: str | None = None, node_title: str | None = None,
                 port: str | None = None, parameter: str | None = None):
        self.message = message
        self.node_id = node_id
        self.node_title = node_title
        self.port = port
        self.parameter = parameter

    def as_dict(self) -> dict:
        return {"node_id": self.node_id, "node": self.node_title, "port": self.port,
                "parameter": self.parameter, "message": self.message}

    def __str__(self) -> str:
        where = ""
        if self.node_title or self.node_id:
            where = f"{self.node_title or ''} [{self.node_id}]".strip() + ": "
        return where + self.message

    def __repr__(self) -> str:
        return f"ValidationIssue({str(self)!r})"


class PipelineValidationError(DesignerError, ValueError):
    """A pipeline draft is not valid; ``issues`` lists every problem found."""

    def __init__(self, issues: list[ValidationIssue]):
        self.issues = list(issues)
        lines = "\n".join(f"  - {i}" for i in self.issues)
        super().__init__(f"The pipeline is not valid ({len(self.issues)} problem"
                         f"{'s' if len(self.issues) != 1 else ''}):\n{lines}")


class PipelineFileError(DesignerError, ValueError):
    """A pipeline file is malformed; the message names the JSON path of the problem."""

    def __init__(self, path: str, message: str, *, source: str | None = None):
        self.json_path = path
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{path}: {message}")


class ComponentError(DesignerError):
    """A component failed on its input for a reason the user can fix (raised inside nodes)."""


class DatasetError(DesignerError, ValueError):
    """A dataset cannot be read, registered or found."""


class NotFoundError(DesignerError, KeyError):
    """A named thing (component, dataset, run, model, endpoint ...) does not exist."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class RunInterrupted(DesignerError):
    """A run was interrupted (Ctrl-C, or its process died)."""
