"""The values a pipeline draft is made of: nodes, edges and pipeline parameters.

:class:`~jupyter_designer.engine.pipeline.Pipeline` edits them (undoably);
:mod:`.serialization` reads and writes them as the pipeline file.
"""

from __future__ import annotations

import copy as _copy
from dataclasses import dataclass, field
from typing import Any

from .component import REGISTRY, ComponentSpec, slug
from .errors import DesignerError, ParameterError, PortError
from .ports import DATASET, TRAINED_MODEL, TRANSFORMATION, Port

#: data node types: what a data node's single output port carries
DATA_TYPES = {"dataset": DATASET, "model": TRAINED_MODEL, "transformation": TRANSFORMATION}
PARAMETER_TYPES = ("int", "float", "str", "bool", "dataset")


@dataclass
class Node:
    """A node of a draft: a component with parameter values, or a data node (dataset,
    trained model ``MD-`` or fitted transformation ``TD-``)."""

    id: str
    kind: str                                  # "component" | "dataset"
    component: str | None = None               # component id
    data: dict | None = None                   # data nodes: {"name", "version", "type", ...}
    params: dict = field(default_factory=dict)
    comment: str = ""
    position: tuple = (0.0, 0.0)
    compute: str | None = None
    regenerate: bool = False
    name: str | None = None                    # display name override

    @property
    def spec(self) -> ComponentSpec | None:
        return REGISTRY.get(self.component) if self.kind == "component" else None

    @property
    def title(self) -> str:
        if self.name:
            return self.name
        if self.kind == "component":
            try:
                return self.spec.name
            except DesignerError:
                return self.component or "?"
        d = self.data or {}
        if d.get("parameter"):
            return f"{d.get('name') or d['parameter']} (pipeline parameter)"
        return d.get("name", "?")

    @property
    def inputs(self) -> tuple:
        return self.spec.inputs if self.kind == "component" else ()

    @property
    def outputs(self) -> tuple:
        if self.kind == "component":
            return self.spec.outputs
        t = (self.data or {}).get("type", "dataset")
        return (Port("dataset" if t == "dataset" else t, DATA_TYPES[t],
                     {"dataset": "Dataset", "model": "Trained model",
                      "transformation": "Transformation"}[t]),)

    def input(self, key) -> Port:
        if self.kind != "component":
            raise PortError(f"{self.title} is a data node: it has no input ports.")
        return self.spec.input(key)

    def output(self, key) -> Port:
        if self.kind == "component":
            return self.spec.output(key)
        port = self.outputs[0]
        if key in (None, port.key, port.label) or slug(str(key)) == slug(port.label):
            return port
        raise PortError(f"{self.title} has no output port {key!r}; its output is {port.label!r}.")

    def as_dict(self) -> dict:
        d = {"id": self.id, "kind": self.kind, "title": self.title,
             "params": _copy.deepcopy(self.params), "comment": self.comment,
             "position": [float(self.position[0]), float(self.position[1])],
             "compute": self.compute, "regenerate": self.regenerate,
             "inputs": [p.as_dict() for p in self._safe(lambda: self.inputs, ())],
             "outputs": [p.as_dict() for p in self._safe(lambda: self.outputs, ())]}
        if self.kind == "component":
            d["component"] = self.component
            d["category"] = self._safe(lambda: self.spec.category, "")
        else:
            d["data"] = dict(self.data or {})
        if self.name:
            d["name"] = self.name
        return d

    @staticmethod
    def _safe(fn, default):
        try:
            return fn()
        except DesignerError:
            return default


@dataclass(frozen=True)
class DesignSource:
    """The component node feeding an input port, as a component's ``design_check`` sees it:
    ``design_check(input_schemas, params, upstream)`` gets ``{port: DesignSource}`` and
    returns ``[(parameter key or None, message), ...]``."""

    node_id: str
    title: str
    spec: ComponentSpec
    params: dict


@dataclass(frozen=True)
class Edge:
    id: str
    source: str
    source_port: str
    target: str
    target_port: str

    def as_dict(self) -> dict:
        return {"id": self.id, "source": self.source, "source_port": self.source_port,
                "target": self.target, "target_port": self.target_port}


@dataclass
class PipelineParameter:
    name: str
    type: str = "str"
    default: Any = None
    description: str = ""

    def as_dict(self) -> dict:
        return {"name": self.name, "type": self.type, "default": self.default,
                "description": self.description}

    def coerce(self, value):
        try:
            if self.type == "int":
                if isinstance(value, bool):
                    raise ValueError
                if isinstance(value, float) and not value.is_integer():
                    raise ValueError
                return int(value)
            if self.type == "float":
                if isinstance(value, bool):
                    raise ValueError
                return float(value)
            if self.type == "bool":
                if isinstance(value, str):
                    if value.lower() not in ("true", "false", "1", "0"):
                        raise ValueError
                    return value.lower() in ("true", "1")
                return bool(value)
            return str(value) if value is not None else None
        except (TypeError, ValueError):
            raise ParameterError(
                f"The pipeline parameter {self.name!r} must be of type {self.type}. "
                f"Got {value!r} instead.", parameter=self.name) from None
