"""Image directories and image transformations: the values that flow through the Computer
Vision components.

An :class:`ImageDirectory` (the reference "ImageDirectory" port type) holds encoded image
files (PNG or JPEG bytes), their names and, when known, their labels. It is a plain class of
this package holding bytes and lists, so the workspace stores it as a node output (skops)
and loads it back unchanged. Image transformations are recorded on the directory by Apply
Image Transformation and carried out when the images are read (by Train PyTorch Model and
Score Image Model), so random augmentations differ per epoch as they should.

Images enter a pipeline as a dataset with an image column holding, per row, the image file
as bytes, as base64 text (optionally a ``data:image/...;base64,`` URI) or as a path to an
image file; a real-time request sends base64 text.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass, field

from jupyter_designer.engine.models import Transformation

#: column names taken as the image column / label column / name column (case-insensitive)
IMAGE_COLUMNS = ("image", "images", "image data", "image_data", "img")
LABEL_COLUMNS = ("label", "category", "class", "labels")
NAME_COLUMNS = ("image name", "image_name", "name", "file", "filename", "path")

#: transformations left out in "For inference" mode (they create new samples at random)
RANDOM_STEPS = ("random_resized_crop", "random_crop", "random_horizontal_flip",
                "random_vertical_flip", "random_rotation", "random_affine", "random_grayscale",
                "random_perspective", "random_erasing")
#: ImageNet statistics, which torchvision's architectures (and their pretrained weights) expect
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


class ImageError(ValueError):
    """An image cannot be read."""


@dataclass
class ImageDirectory:
    """Images with their names, labels and the transformations to apply when reading them."""

    images: list                         # encoded image files (bytes)
    names: list
    labels: list | None = None           # one per image, or None when unlabeled
    label_column: str = "Label"          # the label's column name in scored datasets
    transforms: list = field(default_factory=list)   # [{"steps": {...}, "mode": ...}, ...]

    def __post_init__(self):
        if len(self.names) != len(self.images):
            raise ValueError("an image directory needs one name per image")
        if self.labels is not None and len(self.labels) != len(self.images):
            raise ValueError("an image directory needs one label per image")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def labeled(self) -> bool:
        return self.labels is not None

    @property
    def classes(self) -> list:
        return sorted(set(self.labels)) if self.labels is not None else []

    def subset(self, index) -> "ImageDirectory":
        index = [int(i) for i in index]
        return ImageDirectory([self.images[i] for i in index], [self.names[i] for i in index],
                              [self.labels[i] for i in index] if self.labels is not None else None,
                              self.label_column, list(self.transforms))

    def with_transform(self, steps: dict, mode: str) -> "ImageDirectory":
        return ImageDirectory(list(self.images), list(self.names),
                              list(self.labels) if self.labels is not None else None,
                              self.label_column, [*self.transforms, {"steps": dict(steps), "mode": mode}])

    def image(self, i: int):
        """Image ``i`` as an RGB ``PIL.Image``."""
        return decode_image(self.images[i], self.names[i])

    def frame(self):
        """A table describing the directory (name, label, size in bytes), for previews."""
        import pandas as pd

        df = pd.DataFrame({"Image name": list(self.names),
                           "Size (bytes)": [len(b) for b in self.images]})
        if self.labels is not None:
            df[self.label_column] = list(self.labels)
        return df

    def describe(self) -> dict:
        return {"type": "ImageDirectory", "images": len(self), "labeled": self.labeled,
                "classes": [str(c) for c in self.classes][:50],
                "transforms": [t["mode"] for t in self.transforms]}


def decode_image(data: bytes, name: str = "image"):
    from PIL import Image, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ImageError(f"image {name!r} is not a readable image file ({exc}).") from None
    return img.convert("RGB")


def encode_png(img) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def image_bytes(value, row_name: str) -> bytes:
    """The encoded image file a dataset cell holds: bytes, base64 text (or a data URI) or a
    path to an image file."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("data:"):
            text = text.partition(",")[2]
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            data = b""
        if data:
            return data
        from pathlib import Path

        path = Path(value).expanduser()
        if value and len(value) < 4096 and path.is_file():
            return path.read_bytes()
        raise ImageError(f"{row_name} is neither base64 image data nor the path of an image "
                         f"file (it starts {value[:30]!r}).")
    raise ImageError(f"{row_name} holds {type(value).__name__}; an image cell holds the image "
                     "file as bytes, as base64 text or as a file path.")


def pick_column(df, names):
    """The first column of ``df`` named one of ``names`` (case-insensitive), else None."""
    by_lower = {str(c).strip().lower(): c for c in df.columns}
    return next((by_lower[n] for n in names if n in by_lower), None)


def to_directory(df, label_column=None) -> ImageDirectory:
    """Convert to Image Directory: the images of a table's image column (bytes, base64 text or
    file paths), named by its name column and labeled by ``label_column`` (else a column named
    like a label), as an image directory."""
    import numpy as np

    image_col = pick_column(df, IMAGE_COLUMNS)
    if image_col is None:
        raise ImageError(f"the dataset has no image column; name the column holding the images "
                         f"one of {', '.join(repr(c) for c in IMAGE_COLUMNS[:2])}. Its columns: "
                         f"{', '.join(map(str, df.columns))}.")
    label_col = label_column if label_column is not None else pick_column(df, LABEL_COLUMNS)
    name_col = pick_column(df, NAME_COLUMNS)
    images = []
    for i, value in enumerate(df[image_col].tolist()):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            raise ImageError(f"row {i} has no image in column {image_col!r}; remove rows without "
                             "an image (Clean Missing Data) first.")
        images.append(image_bytes(value, f"row {i} of column {image_col!r}"))
    names = [str(v) for v in df[name_col]] if name_col is not None else \
        [f"image_{i}" for i in range(len(df))]
    labels = None
    if label_col is not None:
        lab = df[label_col]
        if lab.isna().any():
            raise ImageError(f"the label column {label_col!r} has {int(lab.isna().sum())} missing "
                             "values; every image of a labeled directory needs its label.")
        # labels are text, as the class folders of an image directory are named (and as
        # Evaluate Model compares them)
        labels = [str(v.item() if hasattr(v, "item") else v) for v in lab.tolist()]
    return ImageDirectory(images, names, labels, str(label_col) if label_col is not None else "Label")


def split_directory(d: ImageDirectory, fraction: float, seed: int):
    """Split Image Directory: ``fraction`` of the images of each class to the first directory,
    the rest to the second, drawn with ``seed``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    groups = {}
    for i, lab in enumerate(d.labels if d.labeled else [None] * len(d)):
        groups.setdefault(lab, []).append(i)
    first = []
    for key in sorted(groups, key=str):
        idx = np.array(groups[key])
        rng.shuffle(idx)
        first.extend(idx[:int(round(fraction * len(idx)))].tolist())
    chosen = set(first)
    first = sorted(chosen)
    second = [i for i in range(len(d)) if i not in chosen]
    return d.subset(first), d.subset(second)


def to_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# -- Init Image Transformation --------------------------------------------------------------
class ImageTransformation(Transformation):
    """The transformation Init Image Transformation declares: its settings, applied to an
    image directory by Apply Image Transformation (never to a table)."""

    source = "Init Image Transformation"

    def __init__(self, steps: dict | None = None):
        self.steps = dict(steps or {})

    def __eq__(self, other):
        return type(other) is type(self) and other.steps == self.steps

    def transform(self, df):
        raise ImageError("an image transformation applies to an image directory: connect it to "
                         "Apply Image Transformation, not Apply Transformation.")

    def describe(self) -> dict:
        return {"type": "ImageTransformation", "source": self.source, "steps": self.steps}


def compose(transforms: list, *, training: bool):
    """The torchvision transform reading one image as a normalized tensor, from the
    transformations recorded on a directory (random ones only when ``training`` and the
    directory's transformation was applied "For training")."""
    from torchvision import transforms as T

    ops = []
    erasing = []
    for t in transforms:
        s = t["steps"]
        random_ok = training and t["mode"] == "For training"
        if s.get("resize"):
            ops.append(T.Resize(int(s["size"])))
        if s.get("center_crop"):
            ops.append(T.CenterCrop(int(s["crop_size"])))
        if s.get("pad"):
            ops.append(T.Pad(int(s["padding"])))
        if s.get("color_jitter"):
            ops.append(T.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4))
        if s.get("grayscale"):
            ops.append(T.Grayscale(num_output_channels=3))
        if random_ok:
            if s.get("random_resized_crop"):
                ops.append(T.RandomResizedCrop(int(s["random_resized_crop_size"])))
            if s.get("random_crop"):
                ops.append(T.RandomCrop(int(s["random_crop_size"])))
            if s.get("random_horizontal_flip"):
                ops.append(T.RandomHorizontalFlip())
            if s.get("random_vertical_flip"):
                ops.append(T.RandomVerticalFlip())
            if s.get("random_rotation"):
                ops.append(T.RandomRotation(float(s["random_rotation_degrees"])))
            if s.get("random_affine"):
                ops.append(T.RandomAffine(float(s["random_affine_degrees"])))
            if s.get("random_grayscale"):
                ops.append(T.RandomGrayscale())
            if s.get("random_perspective"):
                ops.append(T.RandomPerspective())
            if s.get("random_erasing"):
                erasing.append(T.RandomErasing())
    return T.Compose([*ops, T.ToTensor(), T.Normalize(MEAN, STD), *erasing])


def tensors(directory: ImageDirectory, *, training: bool):
    """All images of ``directory`` read and transformed, stacked as one float tensor."""
    import torch

    tf = compose(directory.transforms, training=training)
    out = [tf(directory.image(i)) for i in range(len(directory))]
    shapes = {tuple(t.shape) for t in out}
    if len(shapes) > 1:
        raise ImageError(
            f"the images have different sizes after their transformations ({sorted(shapes)[:3]} "
            "...); set Resize and Center crop in Init Image Transformation so all images come "
            "out the same size.")
    return torch.stack(out) if out else torch.empty(0)
