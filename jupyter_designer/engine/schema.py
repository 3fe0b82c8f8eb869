"""Design-time table schemas: the columns (name, kind, role) flowing through a dataset port.

A schema is known before a run wherever a component can derive it from its input schemas
and parameters, so column pickers and "label column" checks work on a draft that never ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

#: Column kinds, as the reference product's column-type filter names them (lower case).
KINDS = ("integer", "double", "boolean", "string", "categorical", "datetime", "timespan")
NUMERIC_KINDS = ("integer", "double")
ROLES_ATTR = "designer_roles"  # DataFrame.attrs key holding {column: "label"|"score"|"feature"}


def kind_of_dtype(dtype) -> str:
    """The designer's column kind for a pandas/numpy dtype."""
    import pandas as pd
    from pandas.api import types as t

    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if t.is_bool_dtype(dtype):
        return "boolean"
    if t.is_integer_dtype(dtype):
        return "integer"
    if t.is_float_dtype(dtype):
        return "double"
    if t.is_datetime64_any_dtype(dtype):
        return "datetime"
    if t.is_timedelta64_dtype(dtype):
        return "timespan"
    return "string"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    role: str | None = None  # "label", "score", "feature" or None

    def as_dict(self) -> dict:
        d = {"name": self.name, "kind": self.kind}
        if self.role:
            d["role"] = self.role
        return d


@dataclass(frozen=True)
class Schema:
    """An ordered list of columns. Immutable; derive new schemas with the helpers."""

    columns: tuple[Column, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, columns: Iterable) -> "Schema":
        cols = []
        for c in columns:
            if isinstance(c, Column):
                cols.append(c)
            elif isinstance(c, dict):
                cols.append(Column(c["name"], c.get("kind", "string"), c.get("role")))
            else:
                name, kind, *rest = c
                cols.append(Column(name, kind, rest[0] if rest else None))
        return cls(tuple(cols))

    @classmethod
    def from_frame(cls, df) -> "Schema":
        roles = dict(df.attrs.get(ROLES_ATTR, {})) if hasattr(df, "attrs") else {}
        return cls(tuple(Column(str(n), kind_of_dtype(df[n].dtype), roles.get(str(n)))
                         for n in df.columns))

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def __contains__(self, name) -> bool:
        return any(c.name == name for c in self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def __iter__(self):
        return iter(self.columns)

    def __getitem__(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def kind(self, name: str) -> str:
        return self[name].kind

    def select(self, names: Iterable[str]) -> "Schema":
        by = {c.name: c for c in self.columns}
        return Schema(tuple(by[n] for n in names if n in by))

    def drop(self, names: Iterable[str]) -> "Schema":
        gone = set(names)
        return Schema(tuple(c for c in self.columns if c.name not in gone))

    def add(self, *cols) -> "Schema":
        new = Schema.of(cols).columns
        new_names = {c.name for c in new}
        return Schema(tuple(c for c in self.columns if c.name not in new_names) + new)

    def replace(self, name: str, **changes) -> "Schema":
        out = []
        for c in self.columns:
            if c.name == name:
                c = Column(changes.get("name", c.name), changes.get("kind", c.kind),
                           changes.get("role", c.role))
            out.append(c)
        return Schema(tuple(out))

    def as_list(self) -> list[dict]:
        return [c.as_dict() for c in self.columns]

    def label(self) -> str | None:
        for c in self.columns:
            if c.role == "label":
                return c.name
        return None


def get_roles(df) -> dict:
    """Column roles carried by a DataFrame (``label``/``score``/``feature``)."""
    return dict(df.attrs.get(ROLES_ATTR, {}))


def set_roles(df, roles: dict, *, replace: bool = False):
    """Set column roles on ``df`` in place (dropping roles of columns it no longer has)."""
    current = {} if replace else get_roles(df)
    current.update({k: v for k, v in roles.items()})
    df.attrs[ROLES_ATTR] = {k: v for k, v in current.items() if v and k in df.columns}
    return df
