"""Apply Math Operation (Data Transformation): the reference product's basic, comparison,
arithmetic, rounding, special and trigonometric functions over column sets, with its output
column names."""

from __future__ import annotations


import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.errors import ComponentError
from jupyter_designer.engine.params import Columns, Float
from jupyter_designer.engine.ports import DATASET, Port
from jupyter_designer.engine.schema import NUMERIC_KINDS, Schema, get_roles, kind_of_dtype, set_roles

from .common import ALL_NUMERIC, CATEGORY, Choice, _as_float, _example_frame, _resolve, _unique_name


# =========================================================================================
# Apply Math Operation
# =========================================================================================
MATH_CATEGORIES = ("Basic", "Compare", "Operations", "Rounding", "Special", "Trigonometric")
OUTPUT_MODES = ("Append", "Inplace", "ResultOnly")


def _nan_where(cond, values):
    values = np.asarray(values, dtype="float64")
    return np.where(cond, np.nan, values)


def _factorial(x):
    from scipy.special import gamma
    n = np.floor(x)
    with np.errstate(over="ignore", invalid="ignore"):
        out = gamma(n + 1)
    return np.where(x < 0, np.nan, np.where(n > 170, np.inf, out))


def _double_factorial(x):
    from scipy.special import factorial2
    n = np.floor(np.nan_to_num(x, nan=0.0, posinf=0.0))
    out = np.asarray(factorial2(np.clip(n, 0, 300).astype("int64"), exact=False), dtype="float64")
    out = np.where(n <= 1, 1.0, out)
    out = np.where(n > 300, np.inf, out)
    return np.where(np.isnan(x) | (x < 0), np.nan, out)


def _ein(x):
    """Ein(x) = integral from 0 to x of (1 - exp(-t)) / t dt (the modified exponential integral)."""
    from scipy.special import exp1, expi
    x = np.asarray(x, dtype="float64")
    out = np.zeros_like(x)
    with np.errstate(all="ignore"):
        pos = x > 0
        neg = x < 0
        out = np.where(pos, np.euler_gamma + np.log(np.where(pos, x, 1.0)) + exp1(np.where(pos, x, 1.0)), out)
        out = np.where(neg, np.euler_gamma + np.log(np.where(neg, -x, 1.0)) - expi(np.where(neg, -x, 1.0)), out)
    return np.where(np.isnan(x), np.nan, out)


def _log_base(x, base):
    with np.errstate(all="ignore"):
        out = np.log(x) / np.log(base)
    return np.where((base <= 0) | (base == 1), np.nan, out)


def _round_half_away(x, digits):
    scale = np.power(10.0, np.trunc(digits))
    return np.trunc(x * scale + np.copysign(0.5, x)) / scale


def _significance(y):
    # a significance of 0 means "to the nearest integer" (the reference returns 0/NaN there)
    return np.where(y == 0, 1.0, y)


def _ceiling(x, y):
    s = _significance(y)
    with np.errstate(all="ignore"):
        return np.where((x > 0) & (s < 0), np.nan, np.ceil(x / s) * s)


def _floor(x, y):
    s = _significance(y)
    with np.errstate(all="ignore"):
        return np.where((x > 0) & (s < 0), np.nan, np.floor(x / s) * s)


def _to_multiple(x, y):
    with np.errstate(all="ignore"):
        r = np.mod(x, y)
        out = np.where(r + r >= y, x + y - r, x - r)
    return np.where(y < 0, np.nan, np.where(y == 0, 0.0, out))


def _arg(x):
    return np.where(np.isnan(x), np.nan, np.where(x < 0, np.pi, 0.0))


def _sp(name):
    def f(*args):
        import scipy.special as sc
        return getattr(sc, name)(*args)
    return f


# name -> (number of arguments, function of float arrays). Results are doubles, except the
# comparisons (booleans). Domain edges follow numpy (log(0) = -inf, log(-1) = NaN, x/0 = inf).
_UNARY_BASIC = {
    "Abs": np.abs, "Conj": lambda x: x, "Cuberoot": np.cbrt, "DoubleFactorial": _double_factorial,
    "Eps": lambda x: np.abs(np.spacing(x)), "Exp": np.exp, "ExpMinus1": np.expm1,
    "Factorial": _factorial, "ImaginaryPart": np.zeros_like, "Ln": np.log, "LnPlus1": np.log1p,
    "Log10": np.log10, "Log2": np.log2, "RealPart": lambda x: x, "Sqrt": np.sqrt,
    "SqrtPi": lambda x: np.sqrt(x * np.pi), "Square": np.square, "Sign": np.sign,
}
_BINARY_BASIC = {
    "Atan2": lambda x, y: np.arctan2(y, x),
    "Exp2": lambda x, y: np.exp2(x) * y,
    "Hypotenuse": np.hypot,
    "Log": _log_base,
    "NthRoot": lambda x, y: _nan_where(x < 0, np.power(x, 1.0 / y)),
    "Pow": np.power,
}
_COMPARE = {
    "EqualTo": np.equal, "GreaterThan": np.greater, "GreaterThanOrEqualTo": np.greater_equal,
    "LessThan": np.less, "LessThanOrEqualTo": np.less_equal,
    "NotEqualTo": lambda x, y: ~np.equal(x, y) & ~np.isnan(x) & ~np.isnan(y),
    "PairMax": np.maximum, "PairMin": np.minimum,
}
_OPERATIONS = {"Add": np.add, "Divide": np.divide, "Multiply": np.multiply,
               "Subtract": np.subtract}
_UNARY_ROUNDING = {
    "CeilingPower2": lambda x: np.square(np.ceil(x)),
    "ToEven": lambda x: np.round(x / 2.0) * 2.0,
    "ToOdd": lambda x: np.floor(x / 2.0) * 2.0 + 1.0,
}
_BINARY_ROUNDING = {
    "Ceiling": _ceiling, "Floor": _floor,
    "Mod": lambda x, y: _nan_where(y == 0, np.mod(x, y)),
    "Quotient": lambda x, y: np.trunc(x / y),
    "Remainder": lambda x, y: _nan_where(y == 0, np.fmod(x, y)),
    "RoundDigits": _round_half_away,
    "RoundDown": lambda x, y: np.trunc(x * np.power(10.0, np.trunc(y))) / np.power(10.0, np.trunc(y)),
    "RoundUp": lambda x, y: np.sign(x) * np.ceil(np.abs(x) * np.power(10.0, np.trunc(y)))
    / np.power(10.0, np.trunc(y)),
    "ToMultiple": _to_multiple,
    "Truncate": lambda x, y: np.trunc(x * np.power(10.0, np.trunc(y))) / np.power(10.0, np.trunc(y)),
}
_UNARY_SPECIAL = {
    "EllipticIntegralE": lambda x: _nan_where(x < 0, _sp("ellipe")(x)),
    "EllipticIntegralK": lambda x: _nan_where(x < 0, _sp("ellipk")(x)),
    "Erf": _sp("erf"), "Erfc": _sp("erfc"), "ErfcScaled": _sp("erfcx"), "ErfInverse": _sp("erfinv"),
    "ExponentialIntegralEin": _ein, "Gamma": _sp("gamma"),
    "GammaLn": lambda x: _nan_where(x < 0, _sp("gammaln")(x)),
}
_BINARY_SPECIAL = {
    "Beta": lambda x, y: _nan_where((x < 0) | (y < 0), _sp("beta")(x, y)),
    "BetaLn": lambda x, y: _nan_where((x < 0) | (y < 0), _sp("betaln")(x, y)),
    "GammaRegularizedP": lambda x, y: _sp("gammainc")(x, y),
    "GammaRegularizedPInverse": lambda x, y: _sp("gammaincinv")(x, y),
    "GammaRegularizedQ": lambda x, y: _sp("gammaincc")(x, y),
    "GammaRegularizedQInverse": lambda x, y: _sp("gammainccinv")(x, y),
    "Polygamma": lambda x, y: _nan_where(y < 0, _sp("polygamma")(np.clip(np.nan_to_num(np.trunc(y)), 0, None).astype("int64"), x)),
}
_deg, _rad = np.degrees, np.radians
_TRIG = {
    "Acos": np.arccos, "AcosDegrees": lambda x: _deg(np.arccos(x)), "Acosh": np.arccosh,
    "Acot": lambda x: np.arctan(1.0 / x), "AcotDegrees": lambda x: _deg(np.arctan(1.0 / x)),
    "Acoth": lambda x: np.arctanh(1.0 / x), "Acsc": lambda x: np.arcsin(1.0 / x),
    "AcscDegrees": lambda x: _deg(np.arcsin(1.0 / x)), "Acsch": lambda x: np.arcsinh(1.0 / x),
    "Arg": _arg, "Asec": lambda x: np.arccos(1.0 / x),
    "AsecDegrees": lambda x: _deg(np.arccos(1.0 / x)), "Asech": lambda x: np.arccosh(1.0 / x),
    "Asin": np.arcsin, "AsinDegrees": lambda x: _deg(np.arcsin(x)), "Asinh": np.arcsinh,
    "Atan": np.arctan, "AtanDegrees": lambda x: _deg(np.arctan(x)), "Atanh": np.arctanh,
    "Cos": np.cos, "CosDegrees": lambda x: np.cos(_rad(x)), "Cosh": np.cosh,
    "Cot": lambda x: 1.0 / np.tan(x), "CotDegrees": lambda x: 1.0 / np.tan(_rad(x)),
    "Coth": lambda x: 1.0 / np.tanh(x), "Csc": lambda x: 1.0 / np.sin(x),
    "CscDegrees": lambda x: 1.0 / np.sin(_rad(x)), "Csch": lambda x: 1.0 / np.sinh(x),
    "DegreesToRadians": _rad, "RadiansToDegrees": _deg,
    "Sec": lambda x: 1.0 / np.cos(x), "SecDegrees": lambda x: 1.0 / np.cos(_rad(x)),
    "Sech": lambda x: 1.0 / np.cosh(x), "Sign": np.sign, "Sin": np.sin, "Sinc": np.sinc,
    "SinDegrees": lambda x: np.sin(_rad(x)), "Sinh": np.sinh, "Tan": np.tan,
    "TanDegrees": lambda x: np.tan(_rad(x)), "Tanh": np.tanh,
}

_BASIC_FUNCS = ("Abs", "Atan2", "Conj", "Cuberoot", "DoubleFactorial", "Eps", "Exp", "Exp2",
                "ExpMinus1", "Factorial", "Hypotenuse", "ImaginaryPart", "Ln", "LnPlus1", "Log",
                "Log10", "Log2", "NthRoot", "Pow", "RealPart", "Sign", "Sqrt", "SqrtPi", "Square")
_ROUNDING_FUNCS = ("Ceiling", "CeilingPower2", "Floor", "Mod", "Quotient", "Remainder",
                   "RoundDigits", "RoundDown", "RoundUp", "ToEven", "ToMultiple", "ToOdd",
                   "Truncate")
_SPECIAL_FUNCS = ("Beta", "BetaLn", "EllipticIntegralE", "EllipticIntegralK", "Erf", "Erfc",
                  "ErfcScaled", "ErfInverse", "ExponentialIntegralEin", "Gamma", "GammaLn",
                  "GammaRegularizedP", "GammaRegularizedPInverse", "GammaRegularizedQ",
                  "GammaRegularizedQInverse", "Polygamma")

#: category -> (function parameter key, its label, its choices, default, binary functions,
#:              argument-type label)
_MATH = {
    "Basic": ("basic_math_function", "Basic math function", _BASIC_FUNCS, "Abs",
              tuple(_BINARY_BASIC), "Second argument type"),
    "Compare": ("comparison_function", "Comparison function", tuple(_COMPARE), "EqualTo",
                tuple(_COMPARE), "Value to compare type"),
    "Operations": ("arithmetic_operation", "Arithmetic operation", tuple(_OPERATIONS), "Add",
                   tuple(_OPERATIONS), "Second argument type"),
    "Rounding": ("rounding_operation", "Rounding operation", _ROUNDING_FUNCS, "Ceiling",
                 tuple(_BINARY_ROUNDING), "Precision type"),
    "Special": ("special_function", "Special function", _SPECIAL_FUNCS, "Beta",
                tuple(_BINARY_SPECIAL), "Second argument type"),
    "Trigonometric": ("trigonometric_function", "Trigonometric function", tuple(_TRIG), "Acos",
                      (), ""),
}


def _math_function(category: str, name: str):
    """(arity, function, result kind) of a math operation."""
    if category == "Basic":
        if name in _BINARY_BASIC:
            return 2, _BINARY_BASIC[name], "double"
        return 1, _UNARY_BASIC[name], "double"
    if category == "Compare":
        return 2, _COMPARE[name], "double" if name in ("PairMax", "PairMin") else "boolean"
    if category == "Operations":
        return 2, _OPERATIONS[name], "double"
    if category == "Rounding":
        if name in _BINARY_ROUNDING:
            return 2, _BINARY_ROUNDING[name], "double"
        return 1, _UNARY_ROUNDING[name], "double"
    if category == "Special":
        if name in _BINARY_SPECIAL:
            return 2, _BINARY_SPECIAL[name], "double"
        return 1, _UNARY_SPECIAL[name], "double"
    return 1, _TRIG[name], "double"


_MATH_COLUMNS = Columns("column_set", "Column set", default=ALL_NUMERIC, port="dataset",
                        description="Numeric columns the operation applies to")


def _math_params():
    params = [
        Choice("category", "Category", default="Basic", choices=MATH_CATEGORIES,
               description="The kind of math operation"),
    ]
    for cat, (key, label, choices, default, _binary, _type_label) in _MATH.items():
        params.append(Choice(key, label, default=default, choices=choices,
                             visible_if={"category": [cat]}))
    params.append(_MATH_COLUMNS)
    for cat, (key, _label, _choices, _default, binary, type_label) in _MATH.items():
        if not binary:
            continue
        prefix = cat.lower()
        cond = {"category": [cat], key: list(binary)}
        params += [
            Choice(f"{prefix}_argument_type", type_label, default="Constant",
                   choices=("Constant", "ColumnSet"), visible_if=cond,
                   description="Whether the second argument is a constant or columns"),
            Float(f"{prefix}_constant", "Second argument", default=0.0,
                  visible_if={**cond, f"{prefix}_argument_type": ["Constant"]},
                  description="The constant second argument"),
            Columns(f"{prefix}_column_set", "Second argument", port="dataset",
                    visible_if={**cond, f"{prefix}_argument_type": ["ColumnSet"]},
                    description="The column(s) holding the second argument"),
        ]
    params.append(Choice("output_mode", "Output mode", default="Append", choices=OUTPUT_MODES,
                         aliases={"Result Only": "ResultOnly", "In place": "Inplace"},
                         description="Append result columns, replace the columns in place, "
                                     "or output the results only"))
    return params


_MATH_PARAMS = _math_params()
_MATH_PARAM_BY_KEY = {p.key: p for p in _MATH_PARAMS}


def _num_text(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _math_plan(schema: Schema, params: dict, component_name: str = "Apply Math Operation"):
    """What to compute: [(result name, data column, arg column or constant or None)], kind."""
    category = params["category"]
    key = _MATH[category][0]
    op = params[key]
    arity, fn, kind = _math_function(category, op)
    cols = _resolve(_MATH_COLUMNS, params["column_set"], schema, component_name)
    if not cols:
        raise ComponentError(f"{component_name}: the 'Column set' parameter selects no column. "
                             f"Select at least one numeric column.")
    plan = []
    if arity == 1:
        plan = [(f"{op}({c})", c, None) for c in cols]
    else:
        prefix = category.lower()
        if params[f"{prefix}_argument_type"] == "Constant":
            const = params[f"{prefix}_constant"]
            plan = [(f"{op}({c}_${_num_text(const)})", c, float(const)) for c in cols]
        else:
            arg_param = _MATH_PARAM_BY_KEY[f"{prefix}_column_set"]
            value = params.get(f"{prefix}_column_set")
            if value is None:
                raise ComponentError(
                    f"{component_name}: the 'Second argument' column set is required when the "
                    f"argument type is ColumnSet. Select the column(s) holding the second "
                    f"argument.")
            args = _resolve(arg_param, value, schema, component_name)
            if not args:
                raise ComponentError(f"{component_name}: the 'Second argument' column set selects "
                                     f"no column. Select at least one numeric column.")
            if len(cols) == 1 or len(args) == 1:
                if len(cols) == 1 and len(args) > 1 and params["output_mode"] == "Inplace":
                    raise ComponentError(
                        f"{component_name}: 'Inplace' output needs one result per column of the "
                        f"'Column set', but {len(args)} second-argument columns give "
                        f"{len(args)} results for {cols[0]!r}. Use 'Append' or 'ResultOnly', "
                        f"or select one second-argument column.")
                plan = [(f"{op}({c}_{a})", c, ("column", a)) for c in cols for a in args]
            elif len(cols) == len(args):
                plan = [(f"{op}({c}_{a})", c, ("column", a)) for c, a in zip(cols, args)]
            else:
                raise ComponentError(
                    f"{component_name}: the 'Column set' selects {len(cols)} columns and the "
                    f"'Second argument' selects {len(args)}; they must select the same number of "
                    f"columns, or one of them a single column.")
    return plan, cols, kind


def _math_layout(names: list, plan: list, cols: list, mode: str):
    """[(output name, source)]: source is an input column name or an index into ``plan``."""
    if mode == "ResultOnly":
        taken: list = []
        out = []
        for i, (name, _c, _a) in enumerate(plan):
            name = _unique_name(name, taken, style="paren", start=2)
            taken.append(name)
            out.append((name, i))
        return out
    if mode == "Inplace":
        by_col = {}
        for i, (_name, c, _a) in enumerate(plan):
            by_col.setdefault(c, i)
        return [(n, by_col[n] if n in by_col else n) for n in names]
    out = [(n, n) for n in names]
    taken = list(names)
    for i, (name, _c, _a) in enumerate(plan):
        name = _unique_name(name, taken, style="paren", start=2)
        taken.append(name)
        out.append((name, i))
    return out


def _math_schema(inputs, params):
    schema = inputs.get("dataset")
    if schema is None:
        return None
    plan, cols, kind = _math_plan(schema, params)
    by = {c.name: c for c in schema.columns}
    out = []
    for name, src in _math_layout(schema.names, plan, cols, params["output_mode"]):
        if isinstance(src, int):
            role = by[name].role if params["output_mode"] == "Inplace" else None
            out.append((name, kind, role))
        else:
            out.append(by[src])
    return {"result_dataset": Schema.of(out)}


def math_frame(df: pd.DataFrame, plan: list, cols: list, category: str, op: str,
               output_mode: str) -> pd.DataFrame:
    """Apply Math Operation's result table: the operation ``op`` of ``category`` computed as
    ``plan`` says (see :func:`_math_plan`), laid out for ``output_mode``."""
    _arity, fn, kind = _math_function(category, op)
    results = []
    with np.errstate(all="ignore"):
        for _name, c, arg in plan:
            x = _as_float(df[c])
            if arg is None:
                r = fn(x)
            elif isinstance(arg, tuple):
                r = fn(x, _as_float(df[arg[1]]))
            else:
                r = fn(x, np.full_like(x, arg))
            r = np.asarray(r)
            r = r.astype(bool) if kind == "boolean" else r.astype("float64")
            results.append(r)
    data = {}
    for name, src in _math_layout(list(df.columns), plan, cols, output_mode):
        data[name] = results[src] if isinstance(src, int) else df[src]
    return pd.DataFrame(data, index=df.index)


@component(
    "Apply Math Operation", category=CATEGORY, subcategory="Manipulation",
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("result_dataset", DATASET, "Result dataset")],
    params=_MATH_PARAMS, schema=_math_schema,
)
def apply_math_operation(ctx, inputs, params):
    """Applies a mathematical operation to column values.

    Result columns are named as the reference product names them: "Abs(x)" for a function
    of one column, "Add(x_$5)" with a constant, "Add(x_y)" with a second column. With a
    second column set, a single column on either side pairs with every column of the other,
    otherwise columns pair up in order. Values at the edges of a function's domain follow
    numpy (log(0) = -inf, sqrt(-1) = NaN, 1/0 = inf); Ceiling and Floor take the precision as
    a significance (a multiple), 0 meaning whole numbers.
    """
    df = inputs["dataset"]
    schema = Schema.from_frame(df)
    plan, cols, kind = _math_plan(schema, params, ctx.component)
    arg_cols = sorted({a[1] for _n, _c, a in plan if isinstance(a, tuple)})
    for what, names in (("Column set", cols), ("Second argument", arg_cols)):
        bad = [c for c in names if kind_of_dtype(df[c].dtype) not in (*NUMERIC_KINDS, "boolean")
               and not df[c].isna().all()]
        if bad:
            raise ctx.error(
                f"the '{what}' parameter selects non-numeric column(s) "
                f"{', '.join(f'{c!r} ({kind_of_dtype(df[c].dtype)})' for c in bad)}; math "
                f"operations apply to numeric columns only. Exclude them from the selection.")
    category = params["category"]
    op = params[_MATH[category][0]]
    out = math_frame(df, plan, cols, category, op, params["output_mode"])
    roles = get_roles(df)
    set_roles(out, roles if params["output_mode"] != "ResultOnly" else {})
    ctx.log("%s %s on %d column(s)", category, op, len(cols))
    return {"result_dataset": out}


# =========================================================================================
# Examples run by the component contract tests
# =========================================================================================
EXAMPLES = {
    "apply_math_operation": lambda: (
        {"dataset": _example_frame()},
        {"category": "Operations", "arithmetic_operation": "Divide",
         "operations_argument_type": "ColumnSet", "column_set": ["income"],
         "operations_column_set": ["age"]}),
}
