"""What the Text Analytics components share: the category, the extra and the example
corpus."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jupyter_designer.engine.schema import set_roles

CATEGORY = "Text Analytics"
EXTRA = "text"

_TOPICS = {
    "sports": "match team goal coach player season league score win stadium referee champion",
    "cooking": "recipe oven flour butter sugar bake dinner sauce garlic kitchen chef taste",
    "science": "experiment theory physics energy atom molecule research laboratory data cell",
}


def example_corpus(n: int = 30, seed: int = 0) -> pd.DataFrame:
    """Short documents drawn from three planted topic vocabularies (label ``Topic``)."""
    rng = np.random.RandomState(seed)
    filler = "the a of and today very some new".split()
    names = sorted(_TOPICS)
    rows = []
    for i in range(n):
        topic = names[i % len(names)]
        words = _TOPICS[topic].split()
        doc = [words[j] for j in rng.randint(0, len(words), size=8)]
        doc += [filler[j] for j in rng.randint(0, len(filler), size=3)]
        rng.shuffle(doc)
        rows.append({"Topic": topic, "Text": " ".join(doc)})
    df = pd.DataFrame(rows)
    df["Text"] = df["Text"].astype("str")
    set_roles(df, {"Topic": "label"})
    return df


def text_column(ctx, param, value, df) -> str:
    """The one text column a Columns parameter picks, checked to hold text."""
    from jupyter_designer.engine.schema import Schema

    col = param.resolve(value, Schema.from_frame(df), ctx.component)[0]
    s = df[col]
    if not (pd.api.types.is_string_dtype(s) or s.dtype == object):
        raise ctx.error(f"the column {col!r} of the '{param.label}' parameter must hold text; it "
                        f"holds {s.dtype}. Choose a text column.")
    return col


def as_text(series: pd.Series) -> list[str]:
    """A column's values as strings, missing values as empty strings."""
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in series]
