"""Computer Vision: Convert to Image Directory, Split Image Directory, Init Image
Transformation, Apply Image Transformation, ResNet and DenseNet; with Train PyTorch Model
(category Model Training) and Score Image Model (Model Scoring & Evaluation), which train and
score the image classifiers.

Names, ports, parameters and defaults are the reference product's. Images flow as
:class:`~.images.ImageDirectory` values; networks are torchvision's architectures, built
untrained (no weights can be downloaded) or from a local state-dict file.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.models import TrainedModel
from jupyter_designer.engine.params import Bool, Enum, Float, Int, String
from jupyter_designer.engine.ports import (ANY, DATASET, IMAGE_DIRECTORY, TRAINED_MODEL,
                                           TRANSFORMATION, UNTRAINED_MODEL, Port)
from jupyter_designer.engine.schema import ROLES_ATTR

from .images import (ImageDirectory, ImageError, ImageTransformation, encode_png, split_directory,
                     to_directory)
from .networks import DENSENETS, FACTORY, IMAGE_TASK, RESNETS, ImageUntrainedModel, NetworkError

CATEGORY = "Computer Vision"
VISION = {"requires": ("torch", "torchvision"), "install_extra": "vision"}
IMAGE_DATA = "Image Data Transformation"
CLASSIFICATION = "Image Classification"

OUT_DIR = Port("output_image_directory", IMAGE_DIRECTORY, "Output image directory")
IN_DIR = Port("input_image_directory", IMAGE_DIRECTORY, "Input image directory")


def _directory(ctx, inputs, key, label) -> ImageDirectory:
    value = inputs.get(key)
    if not isinstance(value, ImageDirectory):
        raise ctx.error(f"connect an image directory (the output of Convert to Image Directory) "
                        f"to the '{label}' input; got {type(value).__name__}.")
    return value


# -- Convert to Image Directory ----------------------------------------------------------------
@component(
    "Convert to Image Directory", category=CATEGORY, subcategory=IMAGE_DATA,
    inputs=[Port("input_dataset", ANY, "Input dataset",
                 description="A dataset with an image column (image files as bytes, base64 text "
                             "or file paths) and, for training, a label column")],
    outputs=[OUT_DIR], **VISION,
)
def convert_to_image_directory(ctx, inputs, params):
    """Converts an image dataset to an image directory, the format the Computer Vision
    components take."""
    df = inputs.get("input_dataset")
    if isinstance(df, ImageDirectory):
        return {"output_image_directory": df}
    if not isinstance(df, pd.DataFrame):
        raise ctx.error("connect an image dataset (a table with an image column) to the 'Input "
                        f"dataset' input; got {type(df).__name__}.")
    roles = df.attrs.get(ROLES_ATTR, {}) or {}
    label_col = next((c for c in df.columns if roles.get(str(c)) == "label"), None)
    try:
        out = to_directory(df, label_col)
    except ImageError as exc:
        raise ctx.error(str(exc)) from None
    ctx.log("Image directory of %d images%s", len(out),
            f", {len(out.classes)} classes in {out.label_column!r}" if out.labeled else ", unlabeled")
    return {"output_image_directory": out}


# -- Split Image Directory --------------------------------------------------------------------
@component(
    "Split Image Directory", category=CATEGORY, subcategory=IMAGE_DATA,
    inputs=[IN_DIR],
    outputs=[Port("output_image_directory1", IMAGE_DIRECTORY, "Output image directory1"),
             Port("output_image_directory2", IMAGE_DIRECTORY, "Output image directory2")],
    params=[Float("fraction_of_images_in_the_first_output", "Fraction of images in the first output",
                  default=0.9, min=0.0, max=1.0,
                  description="The share of the images (of each class) going to the first output")],
    training_only=True, **VISION,
)
def split_image_directory(ctx, inputs, params):
    """Splits the images of an image directory into two, class by class."""
    d = _directory(ctx, inputs, "input_image_directory", "Input image directory")
    first, second = split_directory(d, params["fraction_of_images_in_the_first_output"], ctx.seed)
    ctx.log("Split %d images into %d and %d", len(d), len(first), len(second))
    return {"output_image_directory1": first, "output_image_directory2": second}


# -- Init / Apply Image Transformation ----------------------------------------------------------
def _flag(key, label, default, description):
    return Bool(key, label, default=default, description=description)


def _size(key, label, default, flag, description):
    return Int(key, label, default=default, min=1, visible_if={flag: [True]}, description=description)


TRANSFORM_PARAMS = [
    _flag("resize", "Resize", True, "Resize the images (shorter side) to Size"),
    _size("size", "Size", 256, "resize", "The size of the shorter side after resizing"),
    _flag("center_crop", "Center crop", True, "Crop the center of the images to Crop size"),
    _size("crop_size", "Crop size", 224, "center_crop", "The side of the square center crop"),
    _flag("pad", "Pad", False, "Pad every side of the images"),
    Int("padding", "Padding", default=0, min=0, visible_if={"pad": [True]},
        description="Pixels added on every side"),
    _flag("color_jitter", "Color jitter", False, "Change brightness, contrast and saturation"),
    _flag("grayscale", "Grayscale", False, "Convert the images to grayscale (three channels)"),
    _flag("random_resized_crop", "Random resized crop", False,
          "Crop a random part and resize it (training only)"),
    _size("random_resized_crop_size", "Random resized crop size", 224, "random_resized_crop",
          "The side of the random resized crop"),
    _flag("random_crop", "Random crop", False, "Crop at a random place (training only)"),
    _size("random_crop_size", "Random crop size", 224, "random_crop", "The side of the random crop"),
    _flag("random_horizontal_flip", "Random horizontal flip", False,
          "Flip half the images left to right (training only)"),
    _flag("random_vertical_flip", "Random vertical flip", False,
          "Flip half the images upside down (training only)"),
    _flag("random_rotation", "Random rotation", False, "Rotate at random (training only)"),
    Int("random_rotation_degrees", "Random rotation degrees", default=0, min=0, max=180,
        visible_if={"random_rotation": [True]}, description="The largest rotation, in degrees"),
    _flag("random_affine", "Random affine", False, "Random affine transform (training only)"),
    Int("random_affine_degrees", "Random affine degrees", default=0, min=0, max=180,
        visible_if={"random_affine": [True]}, description="The largest rotation, in degrees"),
    _flag("random_grayscale", "Random grayscale", False,
          "Make 10% of the images grayscale (training only)"),
    _flag("random_perspective", "Random perspective", False,
          "Random perspective distortion (training only)"),
    _flag("random_erasing", "Random erasing", False,
          "Erase a random rectangle of half the images (training only)"),
]


@component(
    "Init Image Transformation", category=CATEGORY, subcategory=IMAGE_DATA,
    outputs=[Port("output_image_transformation", TRANSFORMATION, "Output image transformation")],
    params=TRANSFORM_PARAMS, transformation_output="output_image_transformation", **VISION,
)
def init_image_transformation(ctx, inputs, params):
    """Declares the image transformation (resizing, cropping, augmentation) that Apply Image
    Transformation applies to an image directory; images are then normalized with ImageNet's
    mean and standard deviation."""
    steps = {p.key: params.get(p.key) for p in TRANSFORM_PARAMS}
    return {"output_image_transformation": ImageTransformation(steps)}


@component(
    "Apply Image Transformation", category=CATEGORY, subcategory=IMAGE_DATA,
    inputs=[Port("input_image_transformation", TRANSFORMATION, "Input image transformation"),
            Port("input_image_directory", IMAGE_DIRECTORY, "Input image directory")],
    outputs=[OUT_DIR],
    params=[Enum("mode", "Mode", choices=("For training", "For inference"), default=None,
                 description="'For inference' leaves out the random transformations (random "
                             "crops, flips, rotations, ...) that create new training samples")],
    **VISION,
)
def apply_image_transformation(ctx, inputs, params):
    """Applies an image transformation from Init Image Transformation to an image directory."""
    tr = inputs.get("input_image_transformation")
    if not isinstance(tr, ImageTransformation):
        raise ctx.error("connect the output of Init Image Transformation to the 'Input image "
                        "transformation' input (other transformations go to Apply "
                        f"Transformation); got {type(tr).__name__}.")
    d = _directory(ctx, inputs, "input_image_directory", "Input image directory")
    return {"output_image_directory": d.with_transform(tr.steps, params["mode"])}


# -- ResNet / DenseNet --------------------------------------------------------------------------
WEIGHTS_FILE = String("pretrained_weights_file", "Pretrained weights file", default="",
                      required=False, visible_if={"pretrained": [True]},
                      description="A local file holding the network's state dict "
                                  "(torch.save(model.state_dict(), path)); weights are never "
                                  "downloaded")


def _untrained(ctx, name, params):
    from pathlib import Path

    values = dict(params)
    if params.get("pretrained"):
        path = (params.get("pretrained_weights_file") or "").strip()
        if not path:
            raise ctx.error(
                "Pretrained is set, but no Pretrained weights file is given, and weights cannot "
                "be downloaded here. Give the path of a local state-dict file of "
                f"{params['model_name']} (torch.save(model.state_dict(), path)), or clear "
                "Pretrained to train from scratch.")
        file = Path(path).expanduser()
        if not file.is_file():
            raise ctx.error(f"the Pretrained weights file {path!r} does not exist; give the path "
                            "of a local state-dict file, or clear Pretrained.")
        weights = file.read_bytes()
    else:
        weights = b""
    return ImageUntrainedModel(learner=name, task=IMAGE_TASK, params=values, seed=ctx.seed,
                               factory=FACTORY, weights=weights)


@component(
    "ResNet", category=CATEGORY, subcategory=CLASSIFICATION,
    outputs=[Port("untrained_model", UNTRAINED_MODEL, "Untrained model")],
    params=[Enum("model_name", "Model name", choices=RESNETS, default="resnext101_32x8d",
                 description="The ResNet structure"),
            Bool("pretrained", "Pretrained", default=True,
                 description="Start from pretrained weights (from the Pretrained weights file)"),
            WEIGHTS_FILE,
            Bool("zero_init_residual", "Zero init residual", default=False,
                 description="Zero-initialize the last batch norm of each residual branch")],
    learner=True, **VISION,
)
def resnet(ctx, inputs, params):
    """Creates an untrained ResNet image classifier for Train PyTorch Model."""
    return {"untrained_model": _untrained(ctx, "ResNet", params)}


@component(
    "DenseNet", category=CATEGORY, subcategory=CLASSIFICATION,
    outputs=[Port("untrained_model", UNTRAINED_MODEL, "Untrained model")],
    params=[Enum("model_name", "Model name", choices=DENSENETS, default="densenet201",
                 description="The DenseNet structure"),
            Bool("pretrained", "Pretrained", default=True,
                 description="Start from pretrained weights (from the Pretrained weights file)"),
            WEIGHTS_FILE,
            Bool("memory_efficient", "Memory efficient", default=False,
                 description="Use checkpointing: much less memory, slower")],
    learner=True, **VISION,
)
def densenet(ctx, inputs, params):
    """Creates an untrained DenseNet image classifier for Train PyTorch Model."""
    return {"untrained_model": _untrained(ctx, "DenseNet", params)}


# -- Train PyTorch Model -----------------------------------------------------------------------
@component(
    "Train PyTorch Model", category="Model Training", subcategory="",
    inputs=[Port("untrained_model", UNTRAINED_MODEL, "Untrained model"),
            Port("training_dataset", IMAGE_DIRECTORY, "Training dataset"),
            Port("validation_dataset", IMAGE_DIRECTORY, "Validation dataset")],
    outputs=[Port("trained_model", TRAINED_MODEL, "Trained model")],
    params=[Int("epochs", "Epochs", default=5, min=1, description="Passes over the training images"),
            Int("batch_size", "Batch size", default=16, min=1, description="Images per training step"),
            Int("warmup_step_number", "Warmup step number", default=0, min=0,
                description="Epochs over which the learning rate rises to its value"),
            Float("learning_rate", "Learning rate", default=0.001, min=0.0, min_exclusive=True,
                  description="The initial learning rate of stochastic gradient descent"),
            Int("random_seed", "Random seed", default=1, description="Seed of the weights' "
                "initialization and the order of the images"),
            Int("patience", "Patience", default=3, min=1,
                description="Stop after this many epochs without a lower validation loss"),
            Int("print_frequency", "Print frequency", default=10, min=1,
                description="Log the training loss every this many steps")],
    training_only=True, model_output="trained_model", **VISION,
)
def train_pytorch_model(ctx, inputs, params):
    """Trains a ResNet or DenseNet image classifier on a labeled image directory, on a GPU when
    one is present (else the CPU), keeping the epoch with the lowest validation loss."""
    from . import networks

    model = inputs.get("untrained_model")
    if not isinstance(model, ImageUntrainedModel):
        raise ctx.error("connect ResNet or DenseNet to the 'Untrained model' input (Train Model "
                        "trains the other learners).")
    train = _directory(ctx, inputs, "training_dataset", "Training dataset")
    valid = _directory(ctx, inputs, "validation_dataset", "Validation dataset")
    try:
        trained = networks.train_classifier(
            model, train, valid, log=ctx.log,
            **{k: params[k] for k in ("epochs", "batch_size", "warmup_step_number", "learning_rate",
                                      "random_seed", "patience", "print_frequency")})
    except (ImageError, NetworkError) as exc:
        raise ctx.error(str(exc)) from None
    last = trained.history[-1]
    ctx.log_metric("Validation accuracy", max(h["validation accuracy"] for h in trained.history))
    ctx.log_metric("Validation loss", min(h["validation loss"] for h in trained.history))
    ctx.log_metric("Epochs trained", last["epoch"])
    return {"trained_model": TrainedModel(
        estimator=trained, task="multiclass", feature_columns=[], label_column=train.label_column,
        classes=list(trained.classes), learner=model.learner,
        info={"image_model": True, "model_name": model.params["model_name"],
              "history": trained.history})}


# -- Score Image Model -------------------------------------------------------------------------
@component(
    "Score Image Model", category="Model Scoring & Evaluation", subcategory="",
    inputs=[Port("trained_model", TRAINED_MODEL, "Trained model"),
            Port("dataset", IMAGE_DIRECTORY, "Dataset")],
    outputs=[Port("scored_dataset", DATASET, "Scored dataset")],
    **VISION,
)
def score_image_model(ctx, inputs, params):
    """Predicts the class of each image with a trained image model: the image's name, its
    label when known, Scored Labels and one Scored Probabilities_<class> column per class."""
    from jupyter_designer.components import ml

    from . import networks

    model = inputs.get("trained_model")
    if not isinstance(model, TrainedModel) or not isinstance(model.estimator, networks.ImageClassifier):
        raise ctx.error("connect an image model (the output of Train PyTorch Model) to the "
                        "'Trained model' input; other models are scored by Score Model.")
    d = _directory(ctx, inputs, "dataset", "Dataset")
    label = model.label_column or "Label"
    try:
        out = networks.score_table(model.estimator, model.classes, d, label)
    except (ImageError, NetworkError) as exc:
        raise ctx.error(str(exc)) from None
    roles = {label: "label"} if d.labeled else {}
    for c in out.columns[out.columns.get_loc(ml.SCORED_LABELS):]:
        roles[str(c)] = "score"
    out.attrs[ROLES_ATTR] = roles
    ctx.log("Scored %d images with %s", len(d), model.learner)
    return {"scored_dataset": out}


# -- examples for the contract tests (tiny images, one epoch) -----------------------------------
def _example_frame(n_per_class=4, size=32):
    from PIL import Image

    rng = np.random.default_rng(0)
    rows = []
    for label in (0, 1):
        for k in range(n_per_class):
            px = rng.integers(0, 60, (size, size, 3), dtype=np.uint8)
            if label:
                px[:, : size // 2] = 255
            rows.append({"Image": encode_png(Image.fromarray(px)), "Label": label,
                         "Image name": f"{label}_{k}.png"})
    return pd.DataFrame(rows)


def _example_directory():
    from jupyter_designer.engine.component import RunContext

    spec = convert_to_image_directory.spec
    return spec.run(RunContext(spec), {"input_dataset": _example_frame()}, {})["output_image_directory"]


def _small_transform():
    steps = {p.key: p.default for p in TRANSFORM_PARAMS}
    steps.update(size=32, crop_size=32)
    return ImageTransformation(steps)


@functools.lru_cache(maxsize=1)
def _example_trained():
    from jupyter_designer.engine.component import RunContext

    d = _example_directory().with_transform(_small_transform().steps, "For inference")
    untrained = ImageUntrainedModel("ResNet", IMAGE_TASK, {"model_name": "resnet18", "pretrained": False},
                                    factory=FACTORY)
    spec = train_pytorch_model.spec
    params = spec.resolve_params({"epochs": 1, "batch_size": 4})
    return spec.run(RunContext(spec), {"untrained_model": untrained, "training_dataset": d,
                                       "validation_dataset": d}, params)["trained_model"], d


EXAMPLES = {
    "convert_to_image_directory": lambda: ({"input_dataset": _example_frame()}, {}),
    "split_image_directory": lambda: ({"input_image_directory": _example_directory()},
                                      {"fraction_of_images_in_the_first_output": 0.5}),
    "init_image_transformation": lambda: ({}, {"size": 32, "crop_size": 32,
                                               "random_horizontal_flip": True}),
    "apply_image_transformation": lambda: ({"input_image_transformation": _small_transform(),
                                            "input_image_directory": _example_directory()},
                                           {"mode": "For training"}),
    "resnet": lambda: ({}, {"model_name": "resnet18", "pretrained": False}),
    "densenet": lambda: ({}, {"model_name": "densenet121", "pretrained": False}),
    "train_pytorch_model": lambda: (
        {"untrained_model": ImageUntrainedModel(
            "ResNet", IMAGE_TASK, {"model_name": "resnet18", "pretrained": False}, factory=FACTORY),
         "training_dataset": _example_directory().with_transform(_small_transform().steps,
                                                                 "For training"),
         "validation_dataset": _example_directory().with_transform(_small_transform().steps,
                                                                   "For inference")},
        {"epochs": 1, "batch_size": 4}),
    "score_image_model": lambda: (dict(zip(("trained_model", "dataset"), _example_trained())), {}),
}
