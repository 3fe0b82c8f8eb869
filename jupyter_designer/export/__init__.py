"""Export a pipeline or a run to other formats: a table of formats, each a small function.

:mod:`.python_script`: a standalone Python script; :mod:`.models`: a trained model as a
scikit-learn Pipeline in a skops file, an ONNX file or an MLflow model directory.

``FORMATS`` maps a format name to an :class:`ExportFormat`: its description, the file suffix
it writes and a function ``(pipeline, parameters, *, workspace, source, output, run) ->
ExportResult`` (``run``: the run record when a run is exported, else ``None``). Other
formats register themselves with :func:`register_format`; the ``jupyter designer export --format`` choices, the API and the
canvas read the same table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .python_script import ExportError


@dataclass
class ExportResult:
    """What an export wrote: the main file, the data files beside it."""

    format: str
    path: Path
    files: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"format": self.format, "path": str(self.path), "files": [str(f) for f in self.files]}


@dataclass(frozen=True)
class ExportFormat:
    name: str
    description: str
    suffix: str
    write: Callable


FORMATS: dict[str, ExportFormat] = {}


def register_format(name: str, write: Callable, *, description: str, suffix: str) -> None:
    """Add an export format: ``write(pipeline, parameters, *, workspace, source, output, run)``
    returns an :class:`ExportResult` (``output`` is the file to write)."""
    FORMATS[name] = ExportFormat(name, description, suffix, write)


def get_format(name: str) -> ExportFormat:
    fmt = FORMATS.get(str(name).strip().lower())
    if fmt is None:
        raise ExportError(f"There is no export format {name!r}. Formats: "
                          f"{', '.join(sorted(FORMATS))}.")
    return fmt


def _write_python(pipeline, parameters, *, workspace, source, output, run=None) -> ExportResult:
    from jupyter_designer.fileio import atomic_write

    from .python_script import python_script

    output = Path(output)
    text, files = python_script(pipeline, parameters, workspace=workspace, source=source,
                                script_name=output.name, run=run)
    folder = output.parent
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for f in files:
        f.write(folder)
        written.append(folder / f.name)
    atomic_write(output, text)
    return ExportResult("python", output, written)


def _write_pipeline(pipeline, parameters, *, workspace, source, output, run=None) -> ExportResult:
    from jupyter_designer.fileio import atomic_write

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(output, pipeline.to_json())
    return ExportResult("pipeline", output, [])


register_format("pipeline", _write_pipeline, suffix=".json",
                description="the pipeline file (JSON), to open as a draft or run")
register_format("python", _write_python, suffix=".py",
                description="a standalone Python script (pandas, scikit-learn and the learners' "
                            "libraries) that reproduces the run's outputs and metrics")

__all__ = ["FORMATS", "ExportError", "ExportFormat", "ExportResult", "get_format",
           "register_format"]


def _write_model(fmt: str) -> Callable:
    """A trained model's export (:mod:`.models`): from the run, or a real-time inference
    pipeline."""
    def write(pipeline, parameters, *, workspace, source, output, run=None) -> ExportResult:
        from .models import export_model

        info = export_model(workspace, run.id if run is not None else pipeline, fmt, output)
        return ExportResult(fmt, Path(info["path"]), [])

    return write


for _fmt, _suffix, _what in (
        ("skops", ".skops", "the trained model with the steps scoring does around it, as one "
                            "scikit-learn Pipeline saved with skops"),
        ("onnx", ".onnx", "the trained model as ONNX (the endpoints' conversion), one input per "
                          "feature column"),
        ("mlflow", "", "an MLflow pyfunc model directory (signature, input example) that `mlflow "
                       "models serve` serves as the endpoint scores")):
    register_format(_fmt, _write_model(_fmt), suffix=_suffix, description=_what)
