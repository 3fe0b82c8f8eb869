"""Typed input and output ports of components."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import PortError, a_or_an


class PortType:
    """Port data types, named as the reference product names them."""

    DATASET = "DataFrameDirectory"
    UNTRAINED_MODEL = "UntrainedModelDirectory"
    TRAINED_MODEL = "ModelDirectory"
    TRANSFORMATION = "TransformationDirectory"
    EVALUATION = "EvaluationResultsDirectory"
    ANY = "AnyDirectory"
    #: images with their labels (Convert to Image Directory's output)
    IMAGE_DIRECTORY = "ImageDirectory"

    ALL = (DATASET, UNTRAINED_MODEL, TRAINED_MODEL, TRANSFORMATION, EVALUATION, ANY,
           IMAGE_DIRECTORY)
    TITLES = {DATASET: "dataset", UNTRAINED_MODEL: "untrained model",
              TRAINED_MODEL: "trained model", TRANSFORMATION: "transformation",
              EVALUATION: "evaluation results", ANY: "any", IMAGE_DIRECTORY: "image directory"}


DATASET = PortType.DATASET
UNTRAINED_MODEL = PortType.UNTRAINED_MODEL
TRAINED_MODEL = PortType.TRAINED_MODEL
TRANSFORMATION = PortType.TRANSFORMATION
EVALUATION = PortType.EVALUATION
ANY = PortType.ANY
IMAGE_DIRECTORY = PortType.IMAGE_DIRECTORY


@dataclass(frozen=True)
class Port:
    """A component port. ``key`` is an identifier; ``label`` the name shown on the canvas."""

    key: str
    type: str = DATASET
    label: str = ""
    optional: bool = False
    description: str = ""

    def __post_init__(self):
        if self.type not in PortType.ALL:
            raise ValueError(f"unknown port type {self.type!r}")
        if not self.label:
            object.__setattr__(self, "label", self.key.replace("_", " ").capitalize())

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "type": self.type,
                "type_title": PortType.TITLES[self.type], "optional": self.optional,
                "description": self.description}


def compatible(out_type: str, in_type: str) -> bool:
    return out_type == in_type or ANY in (out_type, in_type)


def check_compatible(src_title: str, out: Port, dst_title: str, inp: Port) -> None:
    if not compatible(out.type, inp.type):
        raise PortError(
            f"Cannot connect output '{out.label}' of {src_title} ({PortType.TITLES[out.type]}) "
            f"to input '{inp.label}' of {dst_title}, which takes "
            f"{a_or_an(PortType.TITLES[inp.type])}. Connect it to a port that takes "
            f"{a_or_an(PortType.TITLES[out.type])}.")
