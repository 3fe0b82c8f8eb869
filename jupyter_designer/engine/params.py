"""Component parameters declared as data.

Each parameter is a small value object: it validates and coerces a value (one error type,
one message shape, as scikit-learn's ``_param_validation``), describes itself as JSON (which
drives the properties panel and the REST schema) and says when it applies
(``visible_if``: the reference product's conditional parameters, e.g. Split Data's mode).

Values are plain JSON data, so a pipeline file holds them as they are.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from .errors import ParameterError
from .schema import NUMERIC_KINDS, Schema

#: A node parameter bound to a pipeline parameter is stored as {PIPELINE_PARAMETER: name}.
PIPELINE_PARAMETER = "$pipeline_parameter"


def _fmt(value) -> str:
    return repr(value) if not isinstance(value, str) else repr(value)


@dataclass
class Param:
    """Base of every parameter declaration."""

    key: str
    label: str = ""
    default: Any = None
    required: bool = True
    description: str = ""
    visible_if: dict[str, Sequence] = field(default_factory=dict)
    kind: str = "any"

    def __post_init__(self):
        if not self.label:
            self.label = self.key.replace("_", " ").capitalize()

    # -- validation ---------------------------------------------------------------
    def expectation(self) -> str:
        """What a valid value is, as it appears in error messages."""
        return "any value"

    def coerce(self, value):
        """Return the value in canonical form or raise ``ValueError``/``TypeError``."""
        return value

    def validate(self, value, component: str = "the component"):
        if value is None:
            if self.required:
                raise ParameterError(
                    f"The '{self.label}' parameter of {component} is required: it must be "
                    f"{self.expectation()}. Got nothing instead.",
                    component=component, parameter=self.key)
            return None
        try:
            return self.coerce(value)
        except (ValueError, TypeError) as exc:
            detail = f" ({exc})" if str(exc) else ""
            raise ParameterError(
                f"The '{self.label}' parameter of {component} must be {self.expectation()}. "
                f"Got {_fmt(value)} instead{detail}.",
                component=component, parameter=self.key) from None

    def is_satisfied_by(self, value) -> bool:
        try:
            self.validate(value)
            return True
        except ParameterError:
            return False

    def is_visible(self, values: dict) -> bool:
        for key, allowed in self.visible_if.items():
            v = values.get(key)
            if isinstance(allowed, (str, bool, int, float)):
                allowed = [allowed]
            if v not in allowed:
                return False
        return True

    def as_dict(self) -> dict:
        d = {"key": self.key, "label": self.label, "kind": self.kind, "default": self.default,
             "required": self.required, "description": self.description,
             "expected": self.expectation()}
        if self.visible_if:
            d["visible_if"] = {k: list(v) if not isinstance(v, (str, bool, int, float)) else [v]
                               for k, v in self.visible_if.items()}
        return d

    def __str__(self) -> str:
        return self.expectation()


@dataclass
class Int(Param):
    min: int | None = None
    max: int | None = None
    kind: str = "int"

    def expectation(self) -> str:
        return _range_text("an int", self.min, self.max)

    def coerce(self, value):
        if isinstance(value, bool):
            raise TypeError("a bool is not an int")
        if isinstance(value, str):
            value = value.strip()
            if not re.fullmatch(r"[+-]?\d+", value):
                raise ValueError("")
            value = int(value)
        if isinstance(value, numbers.Integral):
            value = int(value)
        elif isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError("")
        _check_range(value, self.min, self.max)
        return value

    def as_dict(self):
        return {**super().as_dict(), "min": self.min, "max": self.max}


@dataclass
class Float(Param):
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    kind: str = "float"

    def expectation(self) -> str:
        return _range_text("a float", self.min, self.max, self.min_exclusive, self.max_exclusive)

    def coerce(self, value):
        if isinstance(value, bool):
            raise TypeError("a bool is not a number")
        if isinstance(value, str):
            value = float(value.strip())
        if not isinstance(value, numbers.Real):
            raise TypeError("")
        value = float(value)
        if math.isnan(value):
            raise ValueError("NaN is not allowed")
        _check_range(value, self.min, self.max, self.min_exclusive, self.max_exclusive)
        return value

    def as_dict(self):
        return {**super().as_dict(), "min": self.min, "max": self.max,
                "min_exclusive": self.min_exclusive, "max_exclusive": self.max_exclusive}


@dataclass
class Bool(Param):
    kind: str = "bool"

    def expectation(self) -> str:
        return "a bool (true or false)"

    def coerce(self, value):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.strip().lower() in ("true", "1", "yes")
        if isinstance(value, numbers.Integral) and value in (0, 1):
            return bool(value)
        raise TypeError("")


@dataclass
class String(Param):
    multiline: bool = False
    pattern: str | None = None
    allow_empty: bool = True
    kind: str = "string"

    def expectation(self) -> str:
        if self.pattern:
            return f"a str matching {self.pattern!r}"
        return "a str" if self.allow_empty else "a non-empty str"

    def coerce(self, value):
        if isinstance(value, bool) or not isinstance(value, (str, numbers.Number)):
            raise TypeError("")
        value = str(value)
        if not self.allow_empty and not value.strip():
            raise ValueError("it is empty")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise ValueError("")
        return value

    def as_dict(self):
        return {**super().as_dict(), "multiline": self.multiline}


@dataclass
class Script(String):
    """A multi-line script (Python or SQL) edited in a code area."""

    language: str = "python"
    kind: str = "script"
    multiline: bool = True

    def expectation(self) -> str:
        return f"{self.language} source code (a str)"

    def as_dict(self):
        return {**super().as_dict(), "language": self.language}


@dataclass
class Enum(Param):
    choices: Sequence = ()
    kind: str = "enum"

    def expectation(self) -> str:
        return "one of " + ", ".join(repr(c) for c in self.choices)

    def coerce(self, value):
        if value in self.choices:
            return value
        if isinstance(value, str):  # case-insensitive match for hand-written files and the CLI
            for c in self.choices:
                if isinstance(c, str) and c.lower() == value.strip().lower():
                    return c
        raise ValueError("")

    def as_dict(self):
        return {**super().as_dict(), "choices": list(self.choices)}


@dataclass
class List(Param):
    """A list of values of one type; a string "1, 2, 5" is accepted as well."""

    item: Param | None = None
    min_length: int = 0
    kind: str = "list"

    def expectation(self) -> str:
        inner = self.item.expectation() if self.item else "values"
        return f"a list of {inner}" + (f" with at least {self.min_length} item(s)"
                                        if self.min_length else "")

    def coerce(self, value):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise TypeError("")
        out = [self.item.coerce(v) for v in value] if self.item else list(value)
        if len(out) < self.min_length:
            raise ValueError(f"it has {len(out)} item(s)")
        return out

    def as_dict(self):
        return {**super().as_dict(), "item": self.item.as_dict() if self.item else None}


def tunable_range(param: Param, default_values: Sequence, mode_key: str = "create_trainer_mode") -> List:
    """The "parameter range" twin of a learner parameter (Tune Model Hyperparameters sweeps it)."""
    item = Int(param.key, param.label, min=getattr(param, "min", None),
               max=getattr(param, "max", None)) if isinstance(param, Int) else \
        Float(param.key, param.label, min=getattr(param, "min", None),
              max=getattr(param, "max", None)) if isinstance(param, Float) else param
    return List(f"{param.key}_range", f"Range for {param.label[0].lower() + param.label[1:]}",
                default=list(default_values), item=item, min_length=1,
                visible_if={mode_key: ["Parameter Range"]},
                description=f"Values of '{param.label}' to try in a sweep")


# -- column selection ---------------------------------------------------------------
COLUMN_TYPES = ("Numeric", "Integer", "Double", "String", "Boolean", "DateTime", "TimeSpan",
                "Categorical", "Feature", "Label", "Score", "All")


def _type_matches(type_name: str, col) -> bool:
    t = type_name.lower()
    if t == "all":
        return True
    if t == "numeric":
        return col.kind in NUMERIC_KINDS
    if t in ("feature", "label", "score"):
        if t == "feature":
            return col.role in (None, "feature")
        return col.role == t
    return col.kind == t


def parse_indices(text: str, n_columns: int | None = None) -> list[int]:
    """Parse 1-based index ranges like ``"8,1-4,6"`` into 0-based indices, in the given order."""
    out: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"(\d+)\s*-\s*(\d+)", part)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a < 1 or b < a:
                raise ValueError(f"{part!r} is not a range like 1-4")
            rng = range(a, b + 1)
        elif re.fullmatch(r"\d+", part):
            rng = [int(part)]
            if rng[0] < 1:
                raise ValueError("column indices start at 1")
        else:
            raise ValueError(f"{part!r} is not an index or a range like 1-4")
        for i in rng:
            if n_columns is not None and i > n_columns:
                raise ValueError(f"column index {i} is out of range: the dataset has "
                                 f"{n_columns} columns")
            if i - 1 not in out:
                out.append(i - 1)
    return out


class ColumnSelectionError(ParameterError):
    pass


def normalize_selection(value) -> dict:
    """Canonical form of a column selection value.

    Accepted: a list of names; a comma-separated string of names; or the rule form
    ``{"begin_with": "none"|"all", "rules": [{"action": "include"|"exclude",
    "by": "names"|"type"|"indices", "values": [...]}]}``.
    """
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)):
        if not all(isinstance(v, str) for v in value):
            raise TypeError("column names must be strings")
        return {"begin_with": "none",
                "rules": [{"action": "include", "by": "names", "values": list(value)}]}
    if not isinstance(value, dict):
        raise TypeError("")
    begin = str(value.get("begin_with", "none")).lower().replace(" columns", "")
    if begin not in ("none", "all", "no"):
        raise ValueError(f"begin_with must be 'none' or 'all', not {value.get('begin_with')!r}")
    begin = "none" if begin == "no" else begin
    rules = []
    for i, r in enumerate(value.get("rules", [])):
        if not isinstance(r, dict):
            raise TypeError(f"rule {i + 1} is not an object")
        action = str(r.get("action", "include")).lower()
        by = str(r.get("by", "names")).lower()
        vals = r.get("values", [])
        if action not in ("include", "exclude"):
            raise ValueError(f"rule {i + 1}: action must be 'include' or 'exclude'")
        if by not in ("names", "type", "indices"):
            raise ValueError(f"rule {i + 1}: 'by' must be 'names', 'type' or 'indices'")
        if isinstance(vals, str):
            vals = [vals] if by == "indices" else [v.strip() for v in vals.split(",") if v.strip()]
        if by == "type":
            bad = [v for v in vals if v.lower() not in [t.lower() for t in COLUMN_TYPES]]
            if bad:
                raise ValueError(f"rule {i + 1}: unknown column type(s) {bad}; use "
                                 + ", ".join(COLUMN_TYPES))
        if by == "indices":
            parse_indices(",".join(str(v) for v in vals))
        rules.append({"action": action, "by": by, "values": [str(v) for v in vals]})
    return {"begin_with": begin, "rules": rules}


def resolve_selection(value, schema: Schema, *, component: str = "the component",
                      label: str = "Columns") -> list[str]:
    """The column names a selection picks from ``schema``, in dataset order (names: given order)."""
    sel = normalize_selection(value)
    cols = list(schema.columns)
    chosen: list[str] = [c.name for c in cols] if sel["begin_with"] == "all" else []
    for rule in sel["rules"]:
        if rule["by"] == "names":
            missing = [n for n in rule["values"] if n not in schema]
            if missing:
                raise ColumnSelectionError(
                    f"The '{label}' parameter of {component} names column(s) "
                    f"{', '.join(repr(m) for m in missing)} that the input dataset does not "
                    f"have. Available columns: {', '.join(schema.names) or '(none)'}.",
                    component=component, parameter=label)
            picked = list(rule["values"])
        elif rule["by"] == "type":
            picked = [c.name for c in cols if any(_type_matches(t, c) for t in rule["values"])]
        else:
            try:
                idx = parse_indices(",".join(rule["values"]), len(cols))
            except ValueError as exc:
                raise ColumnSelectionError(
                    f"The '{label}' parameter of {component} must be valid column indices. "
                    f"Got {','.join(rule['values'])!r} instead ({exc}).",
                    component=component, parameter=label) from None
            picked = [cols[i].name for i in idx]
        if rule["action"] == "include":
            chosen += [n for n in picked if n not in chosen]
        else:
            chosen = [n for n in chosen if n not in picked]
    only_names = all(r["by"] == "names" and r["action"] == "include" for r in sel["rules"])
    if not only_names or sel["begin_with"] == "all":
        order = {c.name: i for i, c in enumerate(cols)}
        chosen.sort(key=order.__getitem__)
    return chosen


@dataclass
class Columns(Param):
    """A column selection (the reference product's column selector).

    ``single=True`` declares a one-column pick such as "Label column"; its value may be a
    plain column name. ``kinds`` restricts what the picked columns may be (e.g. numeric).
    """

    single: bool = False
    kinds: Sequence[str] | None = None
    port: str | None = None  # the input port whose schema the picker lists
    kind: str = "columns"

    def expectation(self) -> str:
        if self.single:
            return "one column name"
        return "a column selection (a list of names, or include/exclude rules)"

    def coerce(self, value):
        if self.single:
            if isinstance(value, dict):
                sel = normalize_selection(value)
                names = [v for r in sel["rules"] for v in r["values"] if r["by"] == "names"]
                if len(sel["rules"]) == 1 and len(names) == 1:
                    return names[0]
                return sel
            if isinstance(value, (list, tuple)) and len(value) == 1:
                value = value[0]
            if not isinstance(value, str) or not value.strip():
                raise TypeError("")
            return value.strip()
        return normalize_selection(value)

    def resolve(self, value, schema: Schema, component: str = "the component") -> list[str]:
        names = resolve_selection(value if not isinstance(value, str) or not self.single else [value],
                                  schema, component=component, label=self.label)
        if self.single and len(names) != 1:
            raise ColumnSelectionError(
                f"The '{self.label}' parameter of {component} must select exactly one column. "
                f"Got {len(names)} ({', '.join(names) or 'none'}) instead.",
                component=component, parameter=self.key)
        if self.kinds:
            bad = [n for n in names if schema[n].kind not in self.kinds]
            if bad:
                raise ColumnSelectionError(
                    f"The '{self.label}' parameter of {component} must select columns of kind "
                    f"{', '.join(self.kinds)}. Got {', '.join(f'{n!r} ({schema[n].kind})' for n in bad)} "
                    f"instead.", component=component, parameter=self.key)
        return names

    def as_dict(self):
        return {**super().as_dict(), "single": self.single,
                "kinds": list(self.kinds) if self.kinds else None, "port": self.port}


# -- helpers -------------------------------------------------------------------------
def _range_text(what, lo, hi, lo_open=False, hi_open=False) -> str:
    if lo is None and hi is None:
        return what
    if lo is not None and hi is not None:
        return f"{what} in the range {'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
    if lo is not None:
        return f"{what} {'>' if lo_open else '>='} {lo}"
    return f"{what} {'<' if hi_open else '<='} {hi}"


def _check_range(v, lo, hi, lo_open=False, hi_open=False):
    if lo is not None and (v < lo or (lo_open and v == lo)):
        raise ValueError("")
    if hi is not None and (v > hi or (hi_open and v == hi)):
        raise ValueError("")


def is_binding(value) -> bool:
    return isinstance(value, dict) and set(value) == {PIPELINE_PARAMETER}


def resolve_params(params: Iterable[Param], values: dict, component: str,
                   *, pipeline_values: dict | None = None, check_unknown: bool = True) -> dict:
    """Validate ``values`` against ``params``: defaults filled in, hidden parameters ignored.

    Bindings to pipeline parameters are substituted from ``pipeline_values`` when given,
    and left in place (unchecked) otherwise.
    """
    params = list(params)
    known = {p.key: p for p in params}
    if check_unknown:
        unknown = [k for k in values if k not in known]
        if unknown:
            raise ParameterError(
                f"{component} has no parameter {', '.join(repr(u) for u in unknown)}. "
                f"Its parameters are: {', '.join(known) or '(none)'}.", component=component,
                parameter=unknown[0])
    raw = {}
    for p in params:
        v = values.get(p.key, p.default)
        if is_binding(v) and pipeline_values is not None:
            name = v[PIPELINE_PARAMETER]
            if name not in pipeline_values:
                raise ParameterError(
                    f"The '{p.label}' parameter of {component} is bound to pipeline parameter "
                    f"{name!r}, which is not defined.", component=component, parameter=p.key)
            v = pipeline_values[name]
        raw[p.key] = v
    out = {}
    for p in params:
        v = raw[p.key]
        if is_binding(v):
            out[p.key] = v
        elif not p.is_visible(raw):
            out[p.key] = raw[p.key] if raw[p.key] is not None and p.is_satisfied_by(raw[p.key]) else p.default
        else:
            out[p.key] = p.validate(v, component)
    return out
