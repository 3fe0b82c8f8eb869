"""Fast scoring steps: what a component does to a real-time scoring request's rows, on plain
numpy columns and on one row of Python values, with no DataFrame built per request.

Components and fitted transformations declare their own fast step next to their code, so
the fast scoring path (:mod:`jupyter_designer.serving.fast`) never needs to know their
internals, and a renamed or new component is either covered by its own declaration or
plainly not covered:

- a fitted :class:`~jupyter_designer.engine.models.Transformation` may define
  ``fast_step(self)`` returning a step (below) or ``None`` (no fast step for this state,
  e.g. Clean Missing Data with MICE);
- a component's run function may carry ``fast_step(constants, params, sample_outputs)``:
  ``constants`` are its inputs that do not depend on the request (a trained model, a
  fitted transformation), ``params`` its resolved parameters, ``sample_outputs`` what it
  produced on the training data's sample rows. It returns a step, :data:`PASS_THROUGH`
  (the table goes on unchanged, e.g. Web Service Output) or ``None``.

A step is called as ``step(columns, n, known) -> (columns, n)``: ``columns`` is
``{name: numpy array}`` of ``n`` rows, ``known`` the set of column names known to hold no
missing (or non-finite) value, which the step keeps up to date. ``step.row_function(kinds)``,
given the numpy kind of each column the step receives (which columns and kinds do not depend
on the request), returns ``row -> row`` doing the same to a one-row request held as
``{name: Python value}``. A step raises :class:`Fallback` for a request it cannot handle
exactly; the faithful path then answers it. A step with ``has_row = False`` has no row version.

:class:`ScoreWithModel` is the step of Score Model / Assign Data to Clusters: the scoring
layer turns it into the compiled model (ONNX Runtime) it runs.
"""

from __future__ import annotations

import numpy as np

#: What a component's ``fast_step`` returns when the table passes through it unchanged.
PASS_THROUGH = "pass through"

STR_TYPES = {str}


class Fallback(Exception):
    """The fast path cannot handle this request exactly; use the faithful path."""


class RowRemoved(Exception):
    """A step removed the request's one row: the columns version answers (an empty table)."""


# -- column helpers ------------------------------------------------------------------------
def isna(a: np.ndarray) -> np.ndarray:
    """Where a column holds a missing value: NaN in a float column, None or a float NaN in an
    object column; never in other columns."""
    k = a.dtype.kind
    if k == "f":
        return np.isnan(a)
    if k == "O":
        return np.array([v is None or (v.__class__ is float and v != v) for v in a.tolist()],
                        dtype=bool)
    return np.zeros(len(a), dtype=bool)


def as_float(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "fiub":
        return a.astype(np.float64, copy=False)
    raise Fallback("not numeric")


def fill(a: np.ndarray, value) -> np.ndarray:
    """The column with its missing values replaced by ``value``."""
    mask = isna(a)
    if not mask.any():
        return a
    if a.dtype.kind == "f":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Fallback("replacement type")
        return np.where(mask, float(value), a)
    if a.dtype.kind == "O":
        out = a.copy()
        out[mask] = value
        return out
    raise Fallback("fill")


def row_missing(v) -> bool:
    """Whether a row value is what :func:`isna` finds missing in its column: a float column's
    values are floats, an object column's None or a float NaN, other columns' never missing."""
    return v is None or (v.__class__ is float and v != v)


def refuse(why: str):
    """The row function of a step that cannot take the columns it receives (its columns
    version refuses every request)."""
    def row(r):
        raise Fallback(why)
    return row


def fill_value(kind: str, value):
    """The value :func:`fill` puts in place of a missing one, in a column of numpy ``kind``."""
    if kind == "f":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Fallback("replacement type")
        return float(value)
    if kind == "O":
        return value
    raise Fallback("fill")


# -- steps shared by several components ----------------------------------------------------------
class SelectColumns:
    """A fixed list of columns, in order (Select Columns in Dataset: the columns it selected
    on the sample rows)."""

    def __init__(self, names):
        self.names = list(names)

    def __call__(self, t: dict, n: int, known: set):
        try:
            return {c: t[c] for c in self.names}, n
        except KeyError:
            raise Fallback("column") from None

    def row_function(self, kinds: dict):
        names = self.names
        if any(c not in kinds for c in names):
            return refuse("column")
        return lambda r: {c: r[c] for c in names}


class KeepColumns:
    """A fitted column list whose label column may be absent from data to score (Select
    Columns Transform, Filter Based Feature Selection)."""

    def __init__(self, columns, label=None):
        self.columns = list(columns)
        self.label = label

    def __call__(self, t: dict, n: int, known: set):
        for c in self.columns:
            if c not in t and c != self.label:
                raise Fallback("column")
        return {c: t[c] for c in self.columns if c in t}, n

    def row_function(self, kinds: dict):
        return lambda r: self(r, 1, set())[0]


class ScoreWithModel:
    """Score Model / Assign Data to Clusters: score with ``model`` and append the score
    columns to the table (``append``) or give them alone. The scoring layer compiles it."""

    def __init__(self, model, append: bool):
        self.model = model
        self.append = bool(append)
