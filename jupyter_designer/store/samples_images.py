"""Image sample datasets, made from images that ship inside scikit-learn (nothing is
downloaded).

Each is a table with an ``Image`` column holding the image file (PNG or JPEG) as base64 text,
an ``Image name`` column and a ``Label`` column, which Convert to Image Directory turns into
an image directory. Base64 text keeps the table an ordinary dataset (Parquet, previews, the
REST API) and is also what a real-time scoring request sends.
"""

from __future__ import annotations

from .samples import Sample

#: digits per class in "Digits Images" (the 8x8 digits, upscaled; small so a few epochs of a
#: DenseNet on the CPU take seconds)
DIGITS_PER_CLASS = 40
DIGITS_SIZE = 32


def digit_png(pixels, size: int = DIGITS_SIZE) -> bytes:
    """One 8x8 scikit-learn digit (intensities 0-16) as a ``size`` x ``size`` grayscale PNG
    (each pixel repeated; written with zlib, so loading the sample needs no imaging library)."""
    import struct
    import zlib

    import numpy as np

    img = (np.asarray(pixels, dtype=float).reshape(8, 8) * (255 / 16)).round().astype(np.uint8)
    img = np.repeat(np.repeat(img, size // 8, axis=0), size // 8, axis=1)
    h, w = img.shape

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _digits_images():
    import base64

    import numpy as np
    import pandas as pd
    from sklearn.datasets import load_digits

    raw = load_digits()
    keep = np.concatenate([np.flatnonzero(raw.target == d)[:DIGITS_PER_CLASS] for d in range(10)])
    keep.sort()
    return pd.DataFrame({
        "Image name": [f"digit_{i:04d}.png" for i in keep],
        "Image": [base64.b64encode(digit_png(raw.data[i])).decode("ascii") for i in keep],
        "Label": raw.target[keep].astype("int64"),
    })


def _sample_images():
    import base64
    from pathlib import Path

    import pandas as pd
    import sklearn.datasets

    folder = Path(sklearn.datasets.__file__).with_name("images")
    files = sorted(folder.glob("*.jpg"))
    return pd.DataFrame({
        "Image name": [f.name for f in files],
        "Image": [base64.b64encode(f.read_bytes()).decode("ascii") for f in files],
        "Label": [f.stem for f in files],
    })


SAMPLES = (
    Sample("Digits Images",
           f"{DIGITS_PER_CLASS * 10} handwritten digits ({DIGITS_PER_CLASS} of each) from "
           f"scikit-learn's digits, upscaled from 8x8 to {DIGITS_SIZE}x{DIGITS_SIZE} grayscale "
           "PNG images (base64 text in 'Image'). Predict 'Label', the digit 0-9 (multiclass); "
           "convert it with Convert to Image Directory.", "multiclass", "Label", _digits_images),
    Sample("Sample Images",
           "The two photographs that ship with scikit-learn (china.jpg, flower.jpg; 640x427 "
           "JPEG, base64 text in 'Image'), labeled by their name.", "binary", "Label",
           _sample_images),
)
