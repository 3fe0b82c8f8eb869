"""Code generators of the Python export for Computer Vision: Convert to Image Directory, Split
Image Directory, Init and Apply Image Transformation, ResNet and DenseNet, Train PyTorch Model
and Score Image Model (torchvision's networks, trained with PyTorch).

The script carries the image directory, the reading of images, the networks, their training and
scoring, copied from :mod:`jupyter_designer.components.computer_vision` when exporting, so the
two never drift apart. Evaluate Model's own generator evaluates the scored images.
"""

from __future__ import annotations

import inspect
import textwrap

from .script_code import LOG_SOURCE, NodeCode, Step, _lit, generator
from .script_code import one_input as _one_input

#: what the script imports for the vision steps
IMPORTS = ("import base64", "import binascii", "import io", "import math", "import time",
           "import types", "from dataclasses import dataclass, field", "import torch")


def _module_code(obj) -> str:
    """The source of a module-level function or class, without the imports of the component
    package (the script defines every name it uses)."""
    src = textwrap.dedent(inspect.getsource(obj)).rstrip()
    return "\n".join(line for line in src.splitlines()
                     if not line.strip().startswith(("from jupyter_designer", "from .")))


def _vision_source() -> str:
    from jupyter_designer.components import ml
    from jupyter_designer.components.computer_vision import images as im
    from jupyter_designer.components.computer_vision import networks as nw

    consts = [f"{name} = {_lit(getattr(im, name))}" for name in
              ("IMAGE_COLUMNS", "LABEL_COLUMNS", "NAME_COLUMNS", "MEAN", "STD")]
    consts += [f"{name} = {_lit(getattr(nw, name))}" for name in ("RESNETS", "DENSENETS")]
    consts += [f"SCORED_LABELS = {ml.SCORED_LABELS!r}",
               f"SCORED_PROBABILITIES = {ml.SCORED_PROBABILITIES!r}"]
    parts = ["\n".join(consts), LOG_SOURCE]
    for obj in (ml.probability_column, im.ImageError, im.ImageDirectory, im.decode_image,
                im.image_bytes, im.pick_column, im.to_directory, im.split_directory, im.compose,
                im.tensors, nw.NetworkError, nw.build, nw.read_state, nw.load_pretrained,
                nw.device, nw.ImageClassifier, nw.train, nw.train_classifier,
                nw.score_table):
        parts.append(_module_code(obj))
    return "\n\n\n".join(parts)


def _step(g: NodeCode, code: str, metrics: str | None = None) -> Step:
    g.export.add_source("vision", _vision_source())
    return Step(code, imports=IMPORTS, metrics=metrics)


def _label_column(g: NodeCode):
    """The label column the run's dataset marks (its role), else None (the script then
    takes the column named like a label, as the component does)."""
    schema = g.schemas.get("input_dataset")
    if schema is None:
        schema = g.export.run_schema(g.sources.get("input_dataset"))
    return schema.label() if schema is not None else None


@generator("convert_to_image_directory")
def _convert(g: NodeCode) -> Step:
    data = _one_input(g, "input_dataset")
    return _step(g, f"{g.out()} = to_directory({data}, {_lit(_label_column(g))})")


@generator("split_image_directory")
def _split(g: NodeCode) -> Step:
    frac = g.params["fraction_of_images_in_the_first_output"]
    code = (f"{g.out('output_image_directory1')}, {g.out('output_image_directory2')} = "
            f"split_directory({_one_input(g, 'input_image_directory')}, {_lit(frac)}, seed=0)")
    return _step(g, code)


@generator("init_image_transformation")
def _init_transformation(g: NodeCode) -> Step:
    from jupyter_designer.components.computer_vision import TRANSFORM_PARAMS

    body = "".join(f"    {p.key!r}: {_lit(g.params.get(p.key))},\n" for p in TRANSFORM_PARAMS)
    return _step(g, f"{g.out()} = {{  # the image transformation's settings\n{body}}}")


@generator("apply_image_transformation")
def _apply_transformation(g: NodeCode) -> Step:
    code = (f"{g.out()} = {_one_input(g, 'input_image_directory')}.with_transform("
            f"{_one_input(g, 'input_image_transformation')}, {g.params['mode']!r})")
    return _step(g, code)


@generator("resnet", "densenet")
def _network(g: NodeCode) -> Step:
    params = dict(g.untrained.params) if g.untrained is not None else dict(g.params)
    lines = [f"{g.out()} = types.SimpleNamespace(  # the untrained {g.spec.name}",
             f"    params={_lit(params)},"]
    if params.get("pretrained"):
        path = (params.get("pretrained_weights_file") or "").strip()
        if not path:
            raise g.fail("Pretrained is set without a Pretrained weights file; give the file "
                         "or clear Pretrained.")
        lines.append(f"    weights=Path({path!r}).expanduser().read_bytes(),")
    else:
        lines.append('    weights=b"",')
    lines.append(")")
    return _step(g, "\n".join(lines))


def _run_threads(g: NodeCode) -> int | None:
    """How many CPU threads the exported run trained the node's network with (None when a
    draft is exported, or the run's model does not say)."""
    ex = g.export
    rec = ex.run.nodes.get(g.node.id) if ex.run is not None else None
    if ex.workspace is None or rec is None or rec.status not in ("completed", "reused"):
        return None
    try:
        model = ex.workspace.run_output(ex.run.id, g.node.id, "trained_model")
    except Exception:  # noqa: BLE001 - an output that cannot be read: train with the default
        return None
    network = getattr(model, "estimator", model)  # the ImageClassifier the TrainedModel holds
    threads = (getattr(network, "settings", None) or {}).get("threads")
    return int(threads) if threads else None


@generator("train_pytorch_model")
def _train(g: NodeCode) -> Step:
    from jupyter_designer.components.computer_vision import train_pytorch_model

    out = g.out()
    settings = "".join(f"    {p.key}={_lit(g.params[p.key])},\n"
                       for p in train_pytorch_model.spec.params)
    threads = _run_threads(g)
    code = ""
    if threads:  # for training and every scoring after it
        code = (f"# the run's CPU threads: PyTorch's sums, so the weights and scores, depend on "
                f"them\ntorch.set_num_threads({threads})\n")
    code += (f"{out} = train_classifier(\n"
            f"    {_one_input(g, 'untrained_model')}, {_one_input(g, 'training_dataset')}, "
            f"{_one_input(g, 'validation_dataset')},\n{settings}    log=log)\n"
            f"{out}.label_column = {_one_input(g, 'training_dataset')}.label_column\n"
            f"{out}_metrics = {{\n"
            f'    "Validation accuracy": max(h["validation accuracy"] for h in {out}.history),\n'
            f'    "Validation loss": min(h["validation loss"] for h in {out}.history),\n'
            f'    "Epochs trained": {out}.history[-1]["epoch"],\n'
            "}")
    return _step(g, code, metrics=f"{out}_metrics")


@generator("score_image_model")
def _score(g: NodeCode) -> Step:
    out = g.out()
    model = _one_input(g, "trained_model")
    images = _one_input(g, "dataset")
    code = (f"{out} = score_table({model}, {model}.classes, {images}, {model}.label_column)\n"
            f'{out}.attrs["scored_by"] = {{"task": "multiclass", "label": {model}.label_column,\n'
            f'                              "classes": list({model}.classes)}}')
    return _step(g, code)

