"""Data Transformation components combining or filtering whole tables: Add Columns, Add Rows,
Join Data, Remove Duplicate Rows and Apply SQL Transformation."""

from __future__ import annotations

import re
import sqlite3

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.params import Bool, Columns, Enum, Script
from jupyter_designer.engine.ports import DATASET, Port
from jupyter_designer.engine.schema import NUMERIC_KINDS, Column, Schema, get_roles, kind_of_dtype

from .columns import (CATEGORY, MANIPULATION, _cars, _kind, _nullable_kind, _resolve, _with_roles,
                      unique_name)


# -- Add Columns ---------------------------------------------------------------------------
def add_columns_names(left: list[str], right: list[str]) -> tuple[list[str], list[str]]:
    """Output names of Add Columns: a name in both inputs becomes ``name_1`` (left) and
    ``name_2`` (right), as the reference does."""
    both = set(left) & set(right)
    lnames = [f"{n}_1" if n in both else n for n in left]
    rnames = [f"{n}_2" if n in both else n for n in right]
    taken: set = set()
    out = []
    for n in lnames + rnames:
        n = unique_name(n, taken)
        taken.add(n)
        out.append(n)
    return out[:len(left)], out[len(left):]


def _merge_roles(left_roles: dict, right_roles: dict) -> dict:
    """Roles of a side-by-side combination: the left dataset's label wins."""
    roles = dict(left_roles)
    has_label = "label" in left_roles.values()
    roles.update({k: v for k, v in right_roles.items() if not (v == "label" and has_label)})
    return roles


def _add_columns_schema(inputs, params):
    left, right = inputs.get("left_dataset"), inputs.get("right_dataset")
    if left is None or right is None:
        return None
    ln, rn = add_columns_names(left.names, right.names)
    lroles = {ln[i]: c.role for i, c in enumerate(left) if c.role}
    rroles = {rn[i]: c.role for i, c in enumerate(right) if c.role}
    roles = _merge_roles(lroles, rroles)
    cols = [Column(n, c.kind, roles.get(n)) for n, c in zip(ln + rn, list(left) + list(right))]
    return {"combined_dataset": Schema(tuple(cols))}


@component(
    "Add Columns", category=CATEGORY, subcategory=MANIPULATION,
    inputs=[Port("left_dataset", DATASET, "Left dataset"),
            Port("right_dataset", DATASET, "Right dataset")],
    outputs=[Port("combined_dataset", DATASET, "Combined dataset")],
    schema=_add_columns_schema,
)
def add_columns(ctx, inputs, params):
    """Put the columns of two datasets side by side (row by row, in order)."""
    left, right = inputs["left_dataset"], inputs["right_dataset"]
    ln, rn = add_columns_names([str(c) for c in left.columns], [str(c) for c in right.columns])
    n = max(len(left), len(right))
    for df, what in ((left, "left"), (right, "right")):
        if len(df) < n:
            ctx.warn("The %s dataset has %d rows, the other %d: its missing rows are filled "
                     "with missing values.", what, len(df), n)
    out = add_columns_frame(left, right)
    lroles = {ln[i]: r for i, c in enumerate(left.columns) if (r := get_roles(left).get(str(c)))}
    rroles = {rn[i]: r for i, c in enumerate(right.columns) if (r := get_roles(right).get(str(c)))}
    return {"combined_dataset": _with_roles(out, _merge_roles(lroles, rroles))}


def add_columns_frame(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Add Columns: ``left`` and ``right`` side by side, the shorter one filled with missing
    values (its booleans as nullable booleans)."""
    ln, rn = add_columns_names([str(c) for c in left.columns], [str(c) for c in right.columns])
    n = max(len(left), len(right))
    parts = []
    for df, names in ((left, ln), (right, rn)):
        part = df.set_axis(names, axis=1).reset_index(drop=True)
        if len(part) < n:
            part = part.astype({c: "boolean" for c in part.columns if _kind(part[c]) == "boolean"})
            part = part.reindex(range(n))
        parts.append(part)
    return pd.concat(parts, axis=1)


# -- Add Rows ------------------------------------------------------------------------------
def _rows_kind(k1: str, k2: str) -> str | None:
    if k1 == k2:
        return k1
    pair = {k1, k2}
    if pair == {"integer", "double"}:
        return "double"
    if pair == {"categorical", "string"}:
        return "string"
    return None


def _check_add_rows(s1: Schema, s2: Schema) -> dict:
    missing2 = [n for n in s1.names if n not in s2]
    missing1 = [n for n in s2.names if n not in s1]
    if missing1 or missing2:
        parts = []
        if missing2:
            parts.append(f"Dataset2 lacks {', '.join(map(repr, missing2))}")
        if missing1:
            parts.append(f"Dataset1 lacks {', '.join(map(repr, missing1))}")
        raise ValueError("both datasets must have the same columns (matched by name): "
                         + "; ".join(parts) + ". Use Select Columns in Dataset or Edit Metadata "
                                              "to make them match")
    kinds = {}
    for c in s1:
        k = _rows_kind(c.kind, s2[c.name].kind)
        if k is None:
            raise ValueError(f"column {c.name!r} is {c.kind} in Dataset1 but {s2[c.name].kind} in "
                             "Dataset2; use Edit Metadata to give both the same data type")
        kinds[c.name] = k
    return kinds


def _add_rows_schema(inputs, params):
    s1, s2 = inputs.get("dataset1"), inputs.get("dataset2")
    if s1 is None or s2 is None:
        return None
    kinds = _check_add_rows(s1, s2)
    return {"results_dataset": Schema(tuple(Column(c.name, kinds[c.name], c.role) for c in s1))}


@component(
    "Add Rows", category=CATEGORY, subcategory=MANIPULATION,
    inputs=[Port("dataset1", DATASET, "Dataset1"), Port("dataset2", DATASET, "Dataset2")],
    outputs=[Port("results_dataset", DATASET, "Results dataset")],
    schema=_add_rows_schema,
)
def add_rows(ctx, inputs, params):
    """Append the rows of the second dataset to the first (columns matched by name)."""
    d1, d2 = inputs["dataset1"], inputs["dataset2"]
    s1 = Schema.from_frame(d1)
    try:
        kinds = _check_add_rows(s1, Schema.from_frame(d2))
    except ValueError as exc:
        raise ctx.error(f"{exc}.") from None
    out = append_rows(d1, d2, kinds)
    return {"results_dataset": _with_roles(out, get_roles(d1))}


def append_rows(d1: pd.DataFrame, d2: pd.DataFrame, kinds: dict) -> pd.DataFrame:
    """Add Rows: the rows of ``d2`` after those of ``d1``, each column of the kind ``kinds``
    gives it (categories united, text and numbers widened)."""
    a, b = d1.copy(deep=False), d2[list(d1.columns)]
    b = b.copy(deep=False)
    for c in d1.columns:
        c = str(c)
        k1, k2 = _kind(a[c]), _kind(b[c])
        if kinds[c] == "categorical":
            cats = a[c].cat.categories.union(b[c].cat.categories, sort=False)
            a[c] = a[c].cat.set_categories(cats)
            b[c] = b[c].cat.set_categories(cats)
        elif kinds[c] == "string" and "categorical" in (k1, k2):
            a[c], b[c] = a[c].astype("str"), b[c].astype("str")
        elif kinds[c] == "double" and k1 != k2:
            a[c], b[c] = a[c].astype("float64"), b[c].astype("float64")
    return pd.concat([a, b], ignore_index=True)


# -- Join Data -----------------------------------------------------------------------------
JOIN_TYPES = ("Inner Join", "Left Outer Join", "Full Outer Join", "Left Semi-Join")


def _key_group(kind: str) -> str:
    return "number" if kind in NUMERIC_KINDS else "text" if kind in ("string", "categorical") \
        else kind


def _join_key_kinds(lk: list[str], rk: list[str], ls: Schema, rs: Schema) -> None:
    if not lk:
        raise ValueError("'Join key columns for L' selects no column; select the key column(s)")
    if len(lk) != len(rk):
        raise ValueError(f"'Join key columns for L' selects {len(lk)} column(s) "
                         f"({', '.join(lk)}) but 'Join key columns for R' {len(rk)} "
                         f"({', '.join(rk)}); select the same number of key columns, in the "
                         "same order")
    for a, b in zip(lk, rk):
        ka, kb = ls[a].kind, rs[b].kind
        if _key_group(ka) != _key_group(kb):
            raise ValueError(f"key column {a!r} of the left dataset is {ka} but {b!r} of the "
                             f"right dataset is {kb}; use Edit Metadata to give both the same "
                             "data type")


def join_names(lnames: list[str], rnames: list[str], rkeys: list[str], join_type: str,
               keep_right_keys: bool) -> list[tuple[str, str]]:
    """(right column, output name) pairs of the right columns in the joined table."""
    if join_type == "Left Semi-Join":
        return []
    taken = set(lnames)
    out = []
    for n in rnames:
        if n in rkeys and not keep_right_keys:
            continue
        new = unique_name(n, taken)
        taken.add(new)
        out.append((n, new))
    return out


def _join_params(params):
    join_type = params["join_type"]
    keep = bool(params["keep_right_key_columns_in_joined_table"])
    return join_type, keep


def _join_schema(inputs, params):
    ls, rs = inputs.get("dataset1"), inputs.get("dataset2")
    if ls is None or rs is None:
        return None
    lk = Columns("join_key_columns_for_l", "Join key columns for L").resolve(
        params["join_key_columns_for_l"], ls)
    rk = Columns("join_key_columns_for_r", "Join key columns for R").resolve(
        params["join_key_columns_for_r"], rs)
    _join_key_kinds(lk, rk, ls, rs)
    join_type, keep = _join_params(params)
    left_optional = join_type == "Full Outer Join"
    right_optional = join_type in ("Left Outer Join", "Full Outer Join")
    coalesce = left_optional and not keep
    cols = []
    for c in ls:
        optional = left_optional and not (coalesce and c.name in lk)
        kind = c.kind
        if coalesce and c.name in lk:
            rkind = rs[rk[lk.index(c.name)]].kind
            kind = kind if kind == rkind else "double" if {kind, rkind} <= set(NUMERIC_KINDS) else "string"
        cols.append(Column(c.name, _nullable_kind(kind) if optional else kind, c.role))
    has_label = ls.label() is not None
    for old, new in join_names(ls.names, rs.names, rk, join_type, keep):
        c = rs[old]
        role = None if (c.role == "label" and has_label) else c.role
        cols.append(Column(new, _nullable_kind(c.kind) if right_optional else c.kind, role))
    return {"results_dataset": Schema(tuple(cols))}


def _key_frame(df: pd.DataFrame, keys: list[str], kinds: list[str], match_case: bool) -> pd.DataFrame:
    out = {}
    for i, (k, kind) in enumerate(zip(keys, kinds)):
        s = df[k]
        if kind in NUMERIC_KINDS:
            s = s.astype("float64")
        elif kind in ("string", "categorical"):
            s = s.astype("str")  # missing values stay missing
            if not match_case:
                s = s.str.lower()
        out[f"k{i}"] = s.reset_index(drop=True)
    return pd.DataFrame(out)


def _hits(pos: np.ndarray, n: int) -> np.ndarray:
    hit = np.zeros(n, dtype=bool)
    hit[pos[pos >= 0]] = True
    return hit


def _ordered_pairs(lpos: np.ndarray, rpos: np.ndarray) -> bool:
    """Whether pairs are sorted by left row, then right row."""
    dl = np.diff(lpos)
    return bool(np.all(dl >= 0) and np.all((dl > 0) | (np.diff(rpos) > 0)))


def join_positions(left: pd.DataFrame, right: pd.DataFrame, lk: list[str], rk: list[str],
                   join_type: str, match_case: bool) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of the joined table in ``left`` and ``right`` (``-1``: no row).

    Rows keep the left table's order (then the right's for several matches); unmatched
    right rows of a full outer join come last. A missing key value matches nothing.
    """
    lf = _key_frame(left, lk, [kind_of_dtype(left[k].dtype) for k in lk], match_case)
    rf = _key_frame(right, rk, [kind_of_dtype(right[k].dtype) for k in rk], match_case)
    lf["__l"] = np.arange(len(left))
    rf["__r"] = np.arange(len(right))
    keys = [c for c in lf.columns if c != "__l"]
    lf = lf[lf[keys].notna().all(axis=1)]
    rf = rf[rf[keys].notna().all(axis=1)]
    pairs = lf.merge(rf, on=keys, how="inner")
    lpos = pairs["__l"].to_numpy(dtype="int64")
    rpos = pairs["__r"].to_numpy(dtype="int64")
    if len(lpos) > 1 and not (np.all(lpos[1:] > lpos[:-1]) or _ordered_pairs(lpos, rpos)):
        order = np.lexsort((rpos, lpos))
        lpos, rpos = lpos[order], rpos[order]
    if join_type == "Left Semi-Join":
        lpos = np.flatnonzero(_hits(lpos, len(left)))
        return lpos, np.full(len(lpos), -1, dtype="int64")
    if join_type in ("Left Outer Join", "Full Outer Join"):
        unmatched = np.flatnonzero(~_hits(lpos, len(left)))
        if len(unmatched):
            lpos = np.concatenate([lpos, unmatched])
            rpos = np.concatenate([rpos, np.full(len(unmatched), -1, dtype="int64")])
            order = np.argsort(lpos, kind="stable")
            lpos, rpos = lpos[order], rpos[order]
    if join_type == "Full Outer Join":
        extra = np.flatnonzero(~_hits(rpos, len(right)))
        lpos = np.concatenate([lpos, np.full(len(extra), -1, dtype="int64")])
        rpos = np.concatenate([rpos, extra])
    return lpos, rpos


def _coalesce_key(left: pd.Series, right: pd.Series, lpos, rpos) -> pd.Series:
    ka, kb = _kind(left), _kind(right)
    lv = _take_rows(left.to_frame("k"), lpos, True)["k"]
    rv = _take_rows(right.to_frame("k"), rpos, True)["k"]
    both_categorical = ka == kb == "categorical"
    if both_categorical:
        lv, rv = lv.astype(object), rv.astype(object)
    elif ka != kb and {ka, kb} <= {"string", "categorical"}:
        lv, rv = lv.astype("str"), rv.astype("str")
    elif ka != kb and {ka, kb} <= set(NUMERIC_KINDS):
        lv, rv = lv.astype("float64"), rv.astype("float64")
    merged = lv.where(pd.Series(np.asarray(lpos) >= 0, index=lv.index), rv)
    if both_categorical:
        merged = merged.astype("category")
    elif ka == kb and ka in ("integer", "boolean") and merged.notna().all():
        merged = merged.astype(left.dtype if ka == "integer" else bool)
    return merged


def _take_rows(df: pd.DataFrame, pos: np.ndarray, optional: bool) -> pd.DataFrame:
    df = df.reset_index(drop=True)
    if optional:
        df = df.astype({c: ("float64" if _kind(df[c]) == "integer" else "boolean")
                        for c in df.columns if _kind(df[c]) in ("integer", "boolean")})
        return df.reindex(pos).reset_index(drop=True)
    return df.take(pos).reset_index(drop=True)


@component(
    "Join Data", category=CATEGORY, subcategory=MANIPULATION,
    inputs=[Port("dataset1", DATASET, "Left dataset"), Port("dataset2", DATASET, "Right dataset")],
    outputs=[Port("results_dataset", DATASET, "Results dataset")],
    params=[
        Columns("join_key_columns_for_l", "Join key columns for L", port="dataset1"),
        Columns("join_key_columns_for_r", "Join key columns for R", port="dataset2"),
        Bool("match_case", "Match case", default=True,
             description="Compare text keys case-sensitively"),
        Enum("join_type", "Join type", default="Inner Join", choices=JOIN_TYPES),
        Bool("keep_right_key_columns_in_joined_table", "Keep right key columns in joined table",
             default=True, visible_if={"join_type": list(JOIN_TYPES[:3])}),
    ],
    schema=_join_schema,
)
def join_data(ctx, inputs, params):
    """Join two datasets on key columns (inner, left outer, full outer or left semi-join)."""
    left, right = inputs["dataset1"], inputs["dataset2"]
    ls, rs = Schema.from_frame(left), Schema.from_frame(right)
    lk = _resolve(ctx, "join_key_columns_for_l", params["join_key_columns_for_l"], left)
    rk = _resolve(ctx, "join_key_columns_for_r", params["join_key_columns_for_r"], right)
    try:
        _join_key_kinds(lk, rk, ls, rs)
    except ValueError as exc:
        raise ctx.error(f"{exc}.") from None
    join_type, keep = _join_params(params)
    out, names = join_frames(left, right, lk, rk, join_type, keep, params["match_case"])
    lroles = get_roles(left)
    roles = dict(lroles)
    if names:
        rroles = get_roles(right)
        has_label = "label" in lroles.values()
        roles.update({new: rroles[old] for old, new in names if rroles.get(old)
                      and not (rroles[old] == "label" and has_label)})
    ctx.log("%s: %d rows joined from %d left and %d right rows", join_type, len(out),
            len(left), len(right))
    return {"results_dataset": _with_roles(out, roles)}


def join_frames(left: pd.DataFrame, right: pd.DataFrame, lk: list[str], rk: list[str],
                join_type: str, keep: bool, match_case: bool):
    """Join Data: the joined table and the (right column, output name) pairs of the right
    columns it holds."""
    lpos, rpos = join_positions(left, right, lk, rk, join_type, match_case)
    left_optional = join_type == "Full Outer Join"
    right_optional = join_type in ("Left Outer Join", "Full Outer Join")
    coalesce = left_optional and not keep
    lout = _take_rows(left, lpos, left_optional)
    if coalesce:  # right-only rows take their key values from the right table
        for a, b in zip(lk, rk):
            lout[a] = _coalesce_key(left[a], right[b], lpos, rpos)
    names = join_names([str(c) for c in left.columns], [str(c) for c in right.columns], rk,
                       join_type, keep)
    if not names:
        return lout, names
    rsel = right[[old for old, _ in names]].set_axis([new for _, new in names], axis=1)
    rout = _take_rows(rsel, rpos, right_optional)
    return pd.concat([lout, rout], axis=1), names


# -- Remove Duplicate Rows -----------------------------------------------------------------
def _remove_duplicates_schema(inputs, params):
    s = inputs.get("dataset")
    if s is None:
        return None
    Columns("key_column_selection_filter_expression", "Key column selection filter expression").resolve(
        params["key_column_selection_filter_expression"], s)
    return {"results_dataset": s}


@component(
    "Remove Duplicate Rows", category=CATEGORY, subcategory=MANIPULATION,
    inputs=[Port("dataset", DATASET, "Dataset")],
    outputs=[Port("results_dataset", DATASET, "Results dataset")],
    params=[
        Columns("key_column_selection_filter_expression", "Key column selection filter expression",
                port="dataset", description="Rows are duplicates when all these columns are equal"),
        Bool("retain_first_duplicate_row", "Retain first duplicate row", default=True,
             description="Keep the first of duplicate rows; otherwise the last"),
    ],
    schema=_remove_duplicates_schema,
)
def remove_duplicate_rows(ctx, inputs, params):
    """Remove rows whose key columns equal those of another row. Rows with a missing key
    value are never duplicates."""
    df = inputs["dataset"]
    keys = _resolve(ctx, "key_column_selection_filter_expression",
                    params["key_column_selection_filter_expression"], df)
    if not keys:
        raise ctx.error("the 'Key column selection filter expression' parameter selects no "
                        "column; select the columns that identify a duplicate.")
    out = drop_duplicate_rows(df, keys, params["retain_first_duplicate_row"])
    ctx.log("Removed %d duplicate rows of %d", len(df) - len(out), len(df))
    return {"results_dataset": _with_roles(out, get_roles(df))}


def drop_duplicate_rows(df: pd.DataFrame, keys: list[str], retain_first: bool) -> pd.DataFrame:
    """Remove Duplicate Rows: rows whose ``keys`` equal those of an earlier (``retain_first``)
    or later row are dropped; a row with a missing key value is never a duplicate."""
    sub = df[keys]
    dup = sub.duplicated(keep="first" if retain_first else "last")
    keep = (~dup | sub.isna().any(axis=1)).to_numpy()
    return df[keep].reset_index(drop=True)


# -- Apply SQL Transformation --------------------------------------------------------------
def _sqlite_values(s: pd.Series) -> list:
    kind = _kind(s)
    if kind == "datetime":
        s = s.dt.strftime("%Y-%m-%d %H:%M:%S")
    elif kind == "timespan":
        s = s.dt.total_seconds()
    elif kind == "boolean":
        s = s.astype(object).map(lambda v: None if v is None or v is pd.NA else int(v))
    values = s.astype(object).where(s.notna(), None).tolist()
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def _sqlite_type(s: pd.Series) -> str:
    kind = _kind(s)
    return {"integer": "INTEGER", "boolean": "INTEGER", "double": "REAL",
            "timespan": "REAL"}.get(kind, "TEXT")


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def load_table(conn: sqlite3.Connection, name: str, df: pd.DataFrame) -> None:
    lowered = [str(c).lower() for c in df.columns]
    dups = sorted({c for c in df.columns if lowered.count(str(c).lower()) > 1})
    if dups:
        raise ValueError(f"table {name} has columns whose names differ only in case "
                         f"({', '.join(map(str, dups))}), which SQLite cannot tell apart; rename "
                         "them with Edit Metadata")
    cols = ", ".join(f"{_quote(c)} {_sqlite_type(df[c])}" for c in df.columns)
    conn.execute(f"CREATE TABLE {name} ({cols})")
    if len(df) and len(df.columns):
        columns = [_sqlite_values(df[c]) for c in df.columns]
        marks = ", ".join("?" * len(df.columns))
        conn.executemany(f"INSERT INTO {name} VALUES ({marks})", zip(*columns))


def split_statements(script: str) -> list[str]:
    """The SQL statements of a script (semicolons inside strings and comments are kept)."""
    parts = script.split(";")
    out, buf = [], ""
    for i, part in enumerate(parts):
        buf += part + (";" if i < len(parts) - 1 else "")
        if sqlite3.complete_statement(buf):
            out.append(buf)
            buf = ""
    if buf.strip():
        out.append(buf)
    return [s for s in out if re.sub(r"--[^\n]*|/\*.*?\*/|;", "", s, flags=re.S).strip()]


def _deny_attach(action, *args):
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def run_sql(script: str, tables: dict) -> pd.DataFrame:
    """Run a SQLite script on in-memory tables; the result of its last query, as a table.

    Raises ``ValueError`` with the statement that failed and SQLite's message.
    """
    conn = sqlite3.connect(":memory:")
    try:
        conn.set_authorizer(_deny_attach)  # no reading or writing other database files
        for name, df in tables.items():
            if df is not None:
                load_table(conn, name, df)
        statements = split_statements(script)
        if not statements:
            raise ValueError("the SQL query script is empty; write a query such as "
                             "'select * from t1;'")
        result = None
        for i, stmt in enumerate(statements, start=1):
            try:
                cur = conn.execute(stmt)
            except (sqlite3.Error, sqlite3.Warning) as exc:
                hint = ""
                m = re.search(r"no such table: (\w+)", str(exc))
                if m and m.group(1).lower() in ("t1", "t2", "t3") and tables.get(m.group(1).lower()) is None:
                    hint = (f" (input port Table{m.group(1)[-1]} is not connected, so there "
                            f"is no table {m.group(1).lower()})")
                where = f"statement {i} " if len(statements) > 1 else ""
                raise ValueError(f"the SQL query script failed at {where}"
                                 f"{' '.join(stmt.split())[:300]!r}: {exc}{hint}") from None
            if cur.description is not None:
                result = ([d[0] for d in cur.description], cur.fetchall())
        if result is None:
            raise ValueError("the SQL query script returns no table; end it with a SELECT "
                             "statement")
    finally:
        conn.close()
    names, rows = result
    taken: set = set()
    unique = []
    for n in names:
        n = unique_name(str(n), taken)
        taken.add(n)
        unique.append(n)
    columns = list(zip(*rows)) if rows else [()] * len(names)
    return pd.DataFrame({n: _sql_column(v) for n, v in zip(unique, columns)})


def _sql_column(values) -> pd.Series:
    """A result column: SQLite types values per cell, so mixed columns become text."""
    s = pd.Series(list(values), dtype=None if values else object)
    if s.dtype == object and len(s):
        inferred = pd.api.types.infer_dtype(s, skipna=True)
        if inferred == "mixed-integer-float":
            s = s.astype("float64")
        elif inferred in ("mixed", "mixed-integer"):
            s = s.map(lambda v: None if v is None else str(v)).astype("str")
    return s


@component(
    "Apply SQL Transformation", category=CATEGORY, subcategory=MANIPULATION,
    inputs=[Port("t1", DATASET, "Table1"), Port("t2", DATASET, "Table2", optional=True),
            Port("t3", DATASET, "Table3", optional=True)],
    outputs=[Port("result_dataset", DATASET, "Result dataset")],
    params=[Script("sql_query_script", "SQL query script", default="select * from t1;",
                   language="sql", allow_empty=False,
                   description="SQLite statements; the inputs are tables t1, t2 and t3, and "
                               "the result is the last query's")],
)
def apply_sql_transformation(ctx, inputs, params):
    """Transform datasets with a SQLite query (tables t1, t2, t3)."""
    tables = {k: inputs.get(k) for k in ("t1", "t2", "t3")}
    try:
        out = run_sql(params["sql_query_script"], tables)
    except ValueError as exc:
        raise ctx.error(f"{exc}.") from None
    return {"result_dataset": out}


# -- examples for the contract tests ---------------------------------------------------------
def _owners():
    return pd.DataFrame({"Make": ["AUDI", "fiat", "tesla"], "country": ["de", "it", "us"],
                         "price": [1.0, 2.0, 3.0]})


EXAMPLES = {
    "add_columns": lambda: ({"left_dataset": _cars(), "right_dataset": _cars()[["price"]]}, {}),
    "add_rows": lambda: ({"dataset1": _cars(), "dataset2": _cars()}, {}),
    "join_data": lambda: ({"dataset1": _cars(), "dataset2": _owners()},
                          {"join_key_columns_for_l": ["make"], "join_key_columns_for_r": ["Make"],
                           "match_case": False, "join_type": "Left Outer Join"}),
    "remove_duplicate_rows": lambda: ({"dataset": _cars()},
                                      {"key_column_selection_filter_expression": ["make"]}),
    "apply_sql_transformation": lambda: (
        {"t1": _cars(), "t2": _owners()},
        {"sql_query_script": "select t1.make, avg(t1.price) as avg_price, t2.country "
                             "from t1 left join t2 on lower(t1.make) = lower(t2.Make) "
                             "group by t1.make order by t1.make;"}),
}
