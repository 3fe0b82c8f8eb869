"""Sample and Split components: Split Data, Partition and Sample, SMOTE.

Random choices follow the reference product's algorithm with a seeded
``numpy.random.RandomState``, so a seed picks the same rows every run (and on every compute
target). Assign to Folds records each row's fold in a "Fold Assignments" column (0-based
fold numbers, as Cross Validate Model reports them), which Pick Fold reads downstream.

(Just over 700 lines: the three components share the seeded row choosers and the
stratification helpers, which would otherwise be imported across modules.)
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from jupyter_designer.engine.component import component
from jupyter_designer.engine.params import Bool, Columns, Float, Int, String
from jupyter_designer.engine.ports import DATASET, Port
from jupyter_designer.engine.schema import NUMERIC_KINDS, Schema, get_roles, kind_of_dtype, set_roles

from .common import Choice

CATEGORY = "Data Transformation"
SUBCATEGORY = "Sample and Split"
UINT32_MAX = 2 ** 32 - 1

#: The column in which Partition and Sample (Assign to Folds) records each row's fold.
FOLD_COLUMN = "Fold Assignments"


def _with_roles(out: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    set_roles(out, get_roles(df), replace=True)
    return out


def _take(df: pd.DataFrame, positions) -> pd.DataFrame:
    """Rows at ``positions`` (in that order), re-indexed from 0, roles kept."""
    out = df.iloc[np.asarray(positions, dtype="int64")].reset_index(drop=True)
    return _with_roles(out, df)


def _strata(df: pd.DataFrame, column: str) -> list[np.ndarray]:
    """Row positions per value of ``column``: groups in sorted key order, missing keys last.

    This is the reference product's stratification (its ``stratify_split_to_indices_groups``).
    """
    key = df[column]
    null = key.isna().to_numpy()
    positions = np.arange(len(df))
    groups = []
    present = key[~null]
    if len(present):
        codes, uniques = pd.factorize(present, sort=True)
        pos_present = positions[~null]
        for code in range(len(uniques)):
            groups.append(pos_present[codes == code])
    if null.any():
        groups.append(positions[null])
    return groups


def _permute(positions: np.ndarray, rand: np.random.RandomState) -> np.ndarray:
    # pandas' Series.sample(frac=1, random_state=rand), which the reference uses, is exactly
    # rand.permutation on the positions
    return positions[rand.permutation(len(positions))]


# =========================================================================================
# Split Data
# =========================================================================================
SPLIT_ROWS = "Split Rows"
REGULAR_EXPRESSION = "Regular Expression"
RELATIVE_EXPRESSION = "Relative Expression"

_STRAT_KEY = Columns("stratification_key_column", "Stratification key column", single=True,
                     port="dataset",
                     visible_if={"splitting_mode": [SPLIT_ROWS], "stratified_split": ["True"]},
                     description="The column whose values are apportioned equally between "
                                 "the two outputs")
_SPLIT_PARAMS = [
    Choice("splitting_mode", "Splitting mode", default=SPLIT_ROWS,
           choices=(SPLIT_ROWS, REGULAR_EXPRESSION, RELATIVE_EXPRESSION),
           aliases={"Regular Expression Split": REGULAR_EXPRESSION,
                    "Relative Expression Split": RELATIVE_EXPRESSION},
           description="Split rows by fraction, by a regular expression on a text column, or "
                       "by a relational condition on a column"),
    Float("fraction_of_rows_in_the_first_output_dataset",
          "Fraction of rows in the first output dataset", default=0.5, min=0.0, max=1.0,
          visible_if={"splitting_mode": [SPLIT_ROWS]},
          description="Rows in the first output over rows in the input"),
    Bool("randomized_split", "Randomized split", default=True,
         visible_if={"splitting_mode": [SPLIT_ROWS]},
         description="Pick rows at random; when off, the first rows go to the first output"),
    Int("random_seed", "Random seed", default=0, min=0, max=UINT32_MAX,
        visible_if={"splitting_mode": [SPLIT_ROWS]}),
    Choice("stratified_split", "Stratified split", default="False", choices=("True", "False"),
           visible_if={"splitting_mode": [SPLIT_ROWS]},
           description="Split each value of the stratification key column in the same "
                       "proportion"),
    _STRAT_KEY,
    String("regular_expression", "Regular expression", default='\\"column name" ^start',
           visible_if={"splitting_mode": [REGULAR_EXPRESSION]},
           description='A column and a pattern, e.g. \\"Text" Gryphon: rows whose value '
                       'contains a match go to the first output'),
    String("relational_expression", "Relational expression", default='\\"column name" > 3',
           visible_if={"splitting_mode": [RELATIVE_EXPRESSION]},
           description='A column and conditions, e.g. \\"Year" > 2010 or \\"x" >= 0 & <= 10 | '
                       '== 20: matching rows go to the first output'),
]


def _split_rows(df: pd.DataFrame, fraction: float, randomized: bool, seed: int,
                strata: list[np.ndarray] | None):
    """Row positions of the two outputs.

    Per group (the whole table, or each stratum): ``round(len(group) * fraction)`` rows go to
    the first output, after shuffling the group with ``rand.permutation`` when randomized;
    then each output's rows are shuffled once more with ``rand.shuffle``. ``rand`` is
    ``numpy.random.RandomState(seed)``. This reproduces the reference product's rows for a
    given seed.
    """
    groups = strata if strata is not None else [np.arange(len(df))]
    rand = np.random.RandomState(seed) if randomized else None
    first, second = [], []
    for g in groups:
        n1 = int(round(len(g) * fraction))
        if rand is not None:
            g = _permute(g, rand)
        first.append(g[:n1])
        second.append(g[n1:])
    first = np.concatenate(first) if first else np.array([], dtype="int64")
    second = np.concatenate(second) if second else np.array([], dtype="int64")
    if rand is not None:
        rand.shuffle(first)
        rand.shuffle(second)
    return first, second


_COLUMN_SPEC = re.compile(r'^\s*(?:\\"(?P<name>[^"]*)"|\(\\(?P<index>\d+)\))(?P<rest>.*)$', re.S)


def _parse_column_expression(text: str, df: pd.DataFrame, label: str, example: str, error):
    """Split ``\\"column" rest`` or ``(\\N) rest`` into (column name, rest)."""
    m = _COLUMN_SPEC.match(text or "")
    if not m:
        raise error(f"the '{label}' must start with a column: its name as \\\"name\" or its "
                    f"1-based index as (\\N), e.g. {example}. Got {text!r} instead.")
    if m.group("name") is not None:
        name = m.group("name").strip()
        if name not in df.columns:
            raise error(f"the '{label}' names column {name!r}, which the dataset does not have. "
                        f"Available columns: {', '.join(map(str, df.columns)) or '(none)'}.")
    else:
        i = int(m.group("index"))
        if not 1 <= i <= len(df.columns):
            raise error(f"the '{label}' names column index {i}, but the dataset has "
                        f"{len(df.columns)} columns (indices start at 1).")
        name = df.columns[i - 1]
    return name, m.group("rest").strip()


def _regex_mask(df: pd.DataFrame, expression: str, error) -> np.ndarray:
    column, pattern = _parse_column_expression(expression, df, "Regular expression",
                                               '\\"Text" Gryphon', error)
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise error(f"the 'Regular expression' pattern {pattern!r} is not a valid regular "
                    f"expression ({exc}).") from None
    values = df[column]
    return np.array([compiled.search("" if pd.isna(v) else str(v)) is not None
                     for v in values.to_numpy(dtype=object)], dtype=bool)


_OPS = ("==", "!=", "<=", ">=", "<", ">")
_DOTNET_TIMESPAN = re.compile(r"^(-)?(?:(\d+)\.)?(\d+):(\d+)(?::(\d+(?:\.\d+)?))?$")


def _parse_timespan(text: str) -> pd.Timedelta:
    m = _DOTNET_TIMESPAN.match(text)
    if m:  # d.hh:mm:ss as the reference product writes time spans
        sign, d, h, mi, s = m.groups()
        td = pd.Timedelta(days=int(d or 0), hours=int(h), minutes=int(mi), seconds=float(s or 0))
        return -td if sign else td
    return pd.Timedelta(text)


def _relational_mask(df: pd.DataFrame, expression: str, error) -> np.ndarray:
    """Rows satisfying e.g. ``\\"Year" > 2010`` or ``\\"x" >= 0 & <= 10 | == 20``.

    Terms combine left to right with & (and) and | (or), without precedence or parentheses,
    as the reference product evaluates them. Missing values satisfy no condition.
    """
    column, rest = _parse_column_expression(expression, df, "Relational expression",
                                            '\\"Year" > 2010', error)
    if not rest:
        raise error(f"the 'Relational expression' {expression!r} has no condition after the "
                    f"column; write e.g. \\\"{column}\" > 3.")
    parts = re.split(r"([&|])", rest)
    terms = [p.strip() for p in parts[0::2]]
    joins = parts[1::2]
    series = df[column]
    kind = kind_of_dtype(series.dtype)
    null = series.isna().to_numpy()
    mask = None
    for term, join in zip(terms, [None, *joins]):
        op = next((o for o in _OPS if term.startswith(o)), None)
        if op is None:
            raise error(f"the 'Relational expression' term {term!r} must start with one of "
                        f"{', '.join(_OPS)}, e.g. '> 2010'.")
        text = term[len(op):].strip()
        if kind not in (*NUMERIC_KINDS, "boolean", "datetime", "timespan") \
                and op not in ("==", "!="):
            raise error(f"the 'Relational expression' compares text column {column!r} "
                        f"with {op!r}; text columns support only == and !=.")
        try:
            if kind in NUMERIC_KINDS:
                right = float(text)
                left = series.to_numpy(dtype="float64", na_value=np.nan)
            elif kind == "boolean":
                low = text.lower()
                if low not in ("true", "false", "1", "0"):
                    raise ValueError(text)
                right = low in ("true", "1")
                left = series.to_numpy(dtype=object)
            elif kind == "datetime":
                right = pd.Timestamp(text)
                tz = getattr(series.dtype, "tz", None)
                right = (right.tz_localize(tz) if right.tzinfo is None else right.tz_convert(tz)) \
                    if tz is not None else right.tz_localize(None)
                left = series
            elif kind == "timespan":
                right = _parse_timespan(text)
                left = series
            else:
                right = text
                left = series.astype(object).to_numpy()
                left = np.array([None if n else str(v) for v, n in zip(left, null)], dtype=object)
        except (ValueError, TypeError):
            raise error(f"the 'Relational expression' value {text!r} in term {term!r} cannot be "
                        f"compared with column {column!r} ({kind}).") from None
        with np.errstate(invalid="ignore"):
            if op == "==":
                r = left == right
            elif op == "!=":
                r = left != right
            elif op == "<":
                r = left < right
            elif op == "<=":
                r = left <= right
            elif op == ">":
                r = left > right
            else:
                r = left >= right
        r = np.asarray(r, dtype=bool) & ~null
        if mask is None:
            mask = r
        elif join == "&":
            mask = mask & r
        else:
            mask = mask | r
    return mask


def _split_schema(inputs, params):
    schema = inputs.get("dataset")
    if schema is None:
        return None
    return {"results_dataset1": schema, "results_dataset2": schema}


@component(
    "Split Data", category=CATEGORY, subcategory=SUBCATEGORY,
    inputs=[Port("dataset", DATASET, "Dataset", description="Dataset to split")],
    outputs=[Port("results_dataset1", DATASET, "Results dataset1",
                  description="Dataset containing selected rows"),
             Port("results_dataset2", DATASET, "Results dataset2",
                  description="Dataset containing all other rows")],
    params=_SPLIT_PARAMS, schema=_split_schema, training_only=True,
)
def split_data(ctx, inputs, params):
    """Partitions the rows of a dataset into two distinct sets.

    Split Rows puts round(n * fraction) rows in the first output; randomized, it shuffles with
    numpy.random.RandomState(Random seed) as the reference product does (same seed, same rows);
    stratified, each value of the key column (missing values as one more group) is split in
    that proportion. Regular Expression sends rows whose column value contains a match to the
    first output; Relative Expression the rows that satisfy the condition.
    """
    df = inputs["dataset"]
    key = None
    if params["splitting_mode"] == SPLIT_ROWS and params["stratified_split"] == "True":
        if params["stratification_key_column"] is None:
            raise ctx.error("'Stratified split' is True but no 'Stratification key column' is "
                            "selected. Select the column to stratify on.")
        key = _STRAT_KEY.resolve(params["stratification_key_column"], Schema.from_frame(df),
                                 ctx.component)[0]
    first, second = split_positions(ctx, df, params, key)
    return {"results_dataset1": _take(df, first), "results_dataset2": _take(df, second)}


def split_positions(ctx, df: pd.DataFrame, params: dict, key: str | None = None):
    """Split Data: the row positions of its two outputs, by the splitting mode of ``params``
    (``key``: the stratification key column of a stratified Split Rows)."""
    mode = params["splitting_mode"]
    if mode == SPLIT_ROWS:
        strata = _strata(df, key) if key is not None else None
        first, second = _split_rows(df, params["fraction_of_rows_in_the_first_output_dataset"],
                                    params["randomized_split"], params["random_seed"], strata)
    else:
        if mode == REGULAR_EXPRESSION:
            mask = _regex_mask(df, params["regular_expression"], ctx.error)
        else:
            mask = _relational_mask(df, params["relational_expression"], ctx.error)
        positions = np.arange(len(df))
        first, second = positions[mask], positions[~mask]
    ctx.log("Split %d rows into %d and %d", len(df), len(first), len(second))
    return first, second


# =========================================================================================
# Partition and Sample
# =========================================================================================
ASSIGN_TO_FOLDS = "Assign to Folds"
PICK_FOLD = "Pick Fold"
SAMPLING = "Sampling"
HEAD = "Head"
EVENLY = "Partition evenly"
CUSTOMIZED = "Partition with customized proportions"

_FOLDS = {"partition_or_sample_mode": [ASSIGN_TO_FOLDS]}
_EVEN = {**_FOLDS, "specify_the_partitioner_method": [EVENLY]}
_CUSTOM = {**_FOLDS, "specify_the_partitioner_method": [CUSTOMIZED]}
_PICK = {"partition_or_sample_mode": [PICK_FOLD]}
_SAMPLE = {"partition_or_sample_mode": [SAMPLING]}

_PS_KEY_EVEN = Columns("stratification_key_column", "Stratification key column", single=True,
                       port="dataset", visible_if={**_EVEN, "stratified_split": ["True"]})
_PS_KEY_CUSTOM = Columns(
    "stratification_key_column_for_customized_fold_assignment",
    "Stratification key column for customized fold assignment", single=True, port="dataset",
    visible_if={**_CUSTOM, "stratified_split_for_customized_fold_assignment": ["True"]})
_PS_KEY_SAMPLING = Columns(
    "stratification_key_column_for_sampling", "Stratification key column for sampling",
    single=True, port="dataset",
    visible_if={**_SAMPLE, "stratified_split_for_sampling": ["True"]})

_PS_PARAMS = [
    Choice("partition_or_sample_mode", "Partition or sample mode", default=SAMPLING,
           choices=(ASSIGN_TO_FOLDS, PICK_FOLD, SAMPLING, HEAD),
           description="Assign rows to folds, pick a fold, sample a fraction, or take the "
                       "first rows"),
    Bool("use_replacement_in_the_partitioning", "Use replacement in the partitioning",
         default=False, visible_if=_FOLDS,
         description="Put sampled rows back in the pool, so a row can be in several folds"),
    Bool("randomized_split", "Randomized split", default=True, visible_if=_FOLDS),
    Int("random_seed", "Random seed", default=0, min=0, max=UINT32_MAX, visible_if=_FOLDS),
    Choice("specify_the_partitioner_method", "Specify the partitioner method", default=EVENLY,
           choices=(EVENLY, CUSTOMIZED), visible_if=_FOLDS),
    Int("specify_number_of_folds_to_split_evenly_into",
        "Specify number of folds to split evenly into", default=5, min=1, visible_if=_EVEN),
    Choice("stratified_split", "Stratified split", default="False", choices=("True", "False"),
           visible_if=_EVEN),
    _PS_KEY_EVEN,
    String("list_of_proportions_separated_by_comma", "List of proportions separated by comma",
           allow_empty=False, visible_if=_CUSTOM,
           description="Fold proportions, e.g. 0.5, 0.3 (a last fold takes the rest)"),
    Choice("stratified_split_for_customized_fold_assignment",
           "Stratified split for customized fold assignment", default="False",
           choices=("True", "False"), visible_if=_CUSTOM),
    _PS_KEY_CUSTOM,
    Int("specify_which_fold_to_be_sampled_from", "Specify which fold to be sampled from",
        default=1, min=1, visible_if=_PICK, description="The fold to pick (1 is the first fold)"),
    Bool("pick_complement_of_the_selected_fold", "Pick complement of the selected fold",
         default=False, visible_if=_PICK, description="Output every row except the fold's"),
    Float("rate_of_sampling", "Rate of sampling", default=0.01, min=0.0, max=1.0,
          visible_if=_SAMPLE, description="Fraction of rows to keep"),
    Int("random_seed_for_sampling", "Random seed for sampling", default=0, min=0,
        max=UINT32_MAX, visible_if=_SAMPLE),
    Choice("stratified_split_for_sampling", "Stratified split for sampling", default="False",
           choices=("True", "False"), visible_if=_SAMPLE),
    _PS_KEY_SAMPLING,
    Int("number_of_rows_to_select", "Number of rows to select", default=10, min=0,
        visible_if={"partition_or_sample_mode": [HEAD]}),
]


def _fold_proportions(text: str, error) -> list[float]:
    try:
        values = [float(s) for s in str(text).split(",") if s.strip()]
    except ValueError:
        raise error(f"the 'List of proportions separated by comma' must be numbers separated by "
                    f"commas, e.g. '0.5, 0.3'. Got {text!r} instead.") from None
    if not values:
        raise error("the 'List of proportions separated by comma' is empty; enter e.g. "
                    "'0.5, 0.3'.")
    if any(not 0 <= v <= 1 for v in values):
        raise error(f"each proportion in 'List of proportions separated by comma' must be "
                    f"between 0 and 1. Got {text!r} instead.")
    total = sum(values)
    if total > 1 + 1e-9:
        raise error(f"the proportions in 'List of proportions separated by comma' add up to "
                    f"{total:g}, more than 1. Lower them so they add up to 1 or less (the rest "
                    f"forms one more fold).")
    if total < 1 - 1e-9:
        values.append(1 - total)
    return values


def _assign_folds(n_rows: int, groups: list[np.ndarray], proportions: list[float], even: bool,
                  rand: np.random.RandomState | None, replacement: bool) -> list[np.ndarray]:
    """Row positions of each fold (the reference product's fold assignment algorithm)."""
    k = len(proportions)

    def shape(total: int) -> list[int]:
        if even:
            per_fold, left_over = divmod(total, k)
            order = list(range(k))
            if rand is not None:
                rand.shuffle(order)
            sizes = [per_fold] * k
            for i in range(left_over):
                sizes[order[i]] += 1
            return sizes
        sizes, used = [0] * k, 0
        for i in range(k - 1):
            sizes[i] = min(int(round(total * proportions[i])), total - used)
            used += sizes[i]
        sizes[k - 1] = total - used
        return sizes

    folds: list[list] = [[] for _ in range(k)]
    for g in groups:
        sizes = shape(len(g))
        if rand is not None and replacement:
            for f, size in enumerate(sizes):
                folds[f].append(_permute(g, rand)[:size])
        else:
            if rand is not None:
                g = _permute(g, rand)
            start = 0
            for f, size in enumerate(sizes):
                folds[f].append(g[start:start + size])
                start += size
    out = [np.concatenate(parts) if parts else np.array([], dtype="int64") for parts in folds]
    if rand is not None:
        for positions in out:
            rand.shuffle(positions)
    return out


def _resolve_key(param: Columns, params: dict, df: pd.DataFrame, ctx) -> str:
    if params[param.key] is None:
        raise ctx.error(f"stratification is on but no '{param.label}' is selected. Select the "
                        f"column to stratify on.")
    return param.resolve(params[param.key], Schema.from_frame(df), ctx.component)[0]


def _partition_schema(inputs, params):
    schema = inputs.get("dataset")
    if schema is None:
        return None
    mode = params["partition_or_sample_mode"]
    if mode == ASSIGN_TO_FOLDS:
        schema = schema.drop([FOLD_COLUMN]).add((FOLD_COLUMN, "integer"))
    elif mode == PICK_FOLD:
        schema = schema.drop([FOLD_COLUMN])
    return {"results_dataset": schema}


@component(
    "Partition and Sample", category=CATEGORY, subcategory=SUBCATEGORY,
    inputs=[Port("dataset", DATASET, "Dataset", description="Dataset to be split")],
    outputs=[Port("results_dataset", DATASET, "Results dataset",
                  description="Dataset resulting from the split")],
    params=_PS_PARAMS, schema=_partition_schema, training_only=True,
)
def partition_and_sample(ctx, inputs, params):
    """Creates multiple partitions of a dataset based on sampling.

    Head keeps the first rows. Sampling keeps round(n * rate) rows picked at random (per
    stratum when stratified). Assign to Folds adds a "Fold Assignments" column holding each
    row's fold number, starting at 0 (with replacement a row may appear once per fold it is
    drawn into, and some not at all). Pick Fold keeps the rows of fold N (numbered from 1) or
    its complement and drops the "Fold Assignments" column.
    """
    df = inputs["dataset"]
    mode = params["partition_or_sample_mode"]
    key = None
    if mode == SAMPLING and params["stratified_split_for_sampling"] == "True":
        key = _resolve_key(_PS_KEY_SAMPLING, params, df, ctx)
    elif mode == ASSIGN_TO_FOLDS and params["specify_the_partitioner_method"] == EVENLY:
        if params["stratified_split"] == "True":
            key = _resolve_key(_PS_KEY_EVEN, params, df, ctx)
    elif mode == ASSIGN_TO_FOLDS and \
            params["stratified_split_for_customized_fold_assignment"] == "True":
        key = _resolve_key(_PS_KEY_CUSTOM, params, df, ctx)
    out = partition_rows(ctx, df, params, key)
    return {"results_dataset": _with_roles(out, df)}


def _rows(df: pd.DataFrame, positions) -> pd.DataFrame:
    """Rows at ``positions`` (in that order), re-indexed from 0."""
    return df.iloc[np.asarray(positions, dtype="int64")].reset_index(drop=True)


def partition_rows(ctx, df: pd.DataFrame, params: dict, key: str | None = None) -> pd.DataFrame:
    """Partition and Sample's output for ``params``; ``key`` is the stratification column
    when the mode stratifies."""
    mode = params["partition_or_sample_mode"]
    if mode == HEAD:
        return _rows(df, np.arange(min(params["number_of_rows_to_select"], len(df))))
    if mode == SAMPLING:
        groups = [np.arange(len(df))]
        if params["stratified_split_for_sampling"] == "True":
            groups = _strata(df, key)
        rand = np.random.RandomState(params["random_seed_for_sampling"])
        rate = params["rate_of_sampling"]
        picked = [_permute(g, rand)[:int(round(len(g) * rate))] for g in groups]
        positions = np.concatenate(picked) if picked else np.array([], dtype="int64")
        ctx.log("Sampled %d of %d rows", len(positions), len(df))
        return _rows(df, positions)
    if mode == PICK_FOLD:
        if FOLD_COLUMN not in df.columns:
            raise ctx.error(f"the dataset has no '{FOLD_COLUMN}' column, so there is no fold to "
                            f"pick. Connect the output of a Partition and Sample in 'Assign to "
                            f"Folds' mode.")
        folds = df[FOLD_COLUMN]
        if len(folds) and (folds.isna().any() or kind_of_dtype(folds.dtype) != "integer"):
            raise ctx.error(f"the '{FOLD_COLUMN}' column must hold fold numbers (integers); it "
                            f"was changed after Assign to Folds.")
        n_folds = int(folds.max()) + 1 if len(folds) else 0
        index = params["specify_which_fold_to_be_sampled_from"]
        if index > n_folds:
            raise ctx.error(f"'Specify which fold to be sampled from' is {index}, but the dataset "
                            f"has {n_folds} fold(s). Pick a fold between 1 and {n_folds}.")
        selected = folds.to_numpy() == index - 1
        if params["pick_complement_of_the_selected_fold"]:
            selected = ~selected
        return _rows(df, np.flatnonzero(selected)).drop(columns=[FOLD_COLUMN])

    # Assign to Folds
    even = params["specify_the_partitioner_method"] == EVENLY
    if even:
        k = params["specify_number_of_folds_to_split_evenly_into"]
        if len(df) < k:
            raise ctx.error(f"the dataset has {len(df)} rows, fewer than the {k} folds asked for "
                            f"in 'Specify number of folds to split evenly into'. Use fewer "
                            f"folds.")
        proportions = [1.0 / k] * k
        stratified = params["stratified_split"] == "True"
    else:
        proportions = _fold_proportions(params["list_of_proportions_separated_by_comma"],
                                        ctx.error)
        stratified = params["stratified_split_for_customized_fold_assignment"] == "True"
    groups = [np.arange(len(df))]
    if stratified:
        groups = _strata(df, key)
    rand = np.random.RandomState(params["random_seed"]) if params["randomized_split"] else None
    replacement = params["use_replacement_in_the_partitioning"]
    folds = _assign_folds(len(df), groups, proportions, even, rand, replacement)
    base = df.drop(columns=[FOLD_COLUMN]) if FOLD_COLUMN in df.columns else df
    if replacement and rand is not None:
        parts = [np.full(len(p), f, dtype="int64") for f, p in enumerate(folds)]
        positions = np.concatenate(folds) if folds else np.array([], dtype="int64")
        out = base.iloc[positions].reset_index(drop=True)
        out = out.assign(**{FOLD_COLUMN: np.concatenate(parts) if parts else []})
    else:
        assignment = np.zeros(len(df), dtype="int64")
        for f, positions in enumerate(folds):
            assignment[positions] = f
        out = base.reset_index(drop=True).assign(**{FOLD_COLUMN: assignment})
    ctx.log("Assigned rows to %d folds of sizes %s", len(folds), [len(p) for p in folds])
    return out


# =========================================================================================
# SMOTE
# =========================================================================================
_SMOTE_LABEL = Columns("label_column", "Label column", single=True, port="samples",
                       description="The column holding the (binary) class")
_SMOTE_PARAMS = [
    _SMOTE_LABEL,
    Int("smote_percentage", "SMOTE percentage", default=100, min=0,
        description="Synthetic minority rows to add, as a percentage of the minority rows "
                    "(100 doubles them)"),
    Int("number_of_nearest_neighbors", "Number of nearest neighbors", default=1, min=1,
        description="Neighbors among the minority rows that new rows are built from"),
    Int("random_seed", "Random seed", default=0, min=0, max=UINT32_MAX),
]


def smote_samples(x: np.ndarray, n_samples: int, k: int, rand: np.random.RandomState):
    """``n_samples`` synthetic rows interpolated between minority rows ``x`` and their neighbors.

    The classic SMOTE step (Chawla et al. 2002) as imbalanced-learn implements it: the k
    nearest neighbors of every row (scikit-learn NearestNeighbors, Euclidean, the row itself
    excluded); ``i = rand.randint(0, len(x) * k, n_samples)`` picks base row ``i // k`` and its
    neighbor number ``i % k``; ``step = rand.uniform(size=(n_samples, 1))``; the new row is
    ``base + step * (neighbor - base)``. Returns (new rows, base rows, neighbor table).
    """
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=k + 1).fit(x)
    neighbors = nn.kneighbors(x, return_distance=False)[:, 1:]
    picks = rand.randint(low=0, high=len(x) * k, size=n_samples)
    rows = picks // k
    cols = picks % k
    steps = rand.uniform(size=(n_samples, 1))
    new = x[rows] + steps * (x[neighbors[rows, cols]] - x[rows])
    return new, rows, neighbors


def _temporal_ns(series: pd.Series) -> np.ndarray:
    """Dates (as UTC) or time spans as float nanoseconds, for interpolation."""
    if kind_of_dtype(series.dtype) == "datetime":
        if getattr(series.dtype, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return series.to_numpy(dtype="datetime64[ns]").astype("int64").astype("float64")
    return series.to_numpy(dtype="timedelta64[ns]").astype("int64").astype("float64")


def _smote_schema(inputs, params):
    schema = inputs.get("samples")
    if schema is None:
        return None
    _SMOTE_LABEL.resolve(params["label_column"], schema, "SMOTE")
    return {"results_dataset": schema}


@component(
    "SMOTE", category=CATEGORY, subcategory="Manipulation",
    inputs=[Port("samples", DATASET, "Samples", description="A dataset of samples")],
    outputs=[Port("results_dataset", DATASET, "Results dataset",
                  description="The original samples plus synthetic minority class samples")],
    params=_SMOTE_PARAMS, schema=_smote_schema, training_only=True,
)
def smote(ctx, inputs, params):
    """Increases the number of low incidence examples in a dataset.

    Adds int((100 + SMOTE percentage) / 100 * m) - m synthetic rows of the minority class
    (m its row count) after the original rows; majority rows are unchanged. Numeric features
    are interpolated between a minority row and one of its nearest minority neighbors
    (integer features rounded back to integers); other features (text, categories, booleans)
    take the most frequent value among the base row's neighbors, and count in the distance as
    one-hot indicators scaled by the median standard deviation of the numeric features (as
    SMOTE-NC). The label must have exactly two classes and no value may be missing.
    """
    df = inputs["samples"]
    label = _SMOTE_LABEL.resolve(params["label_column"], Schema.from_frame(df), ctx.component)[0]
    out = smote_rows(ctx, df, label, params["smote_percentage"],
                     params["number_of_nearest_neighbors"], params["random_seed"])
    return {"results_dataset": _with_roles(out, df)}


def smote_rows(ctx, df: pd.DataFrame, label: str, percent: int, k: int, seed: int) -> pd.DataFrame:
    """SMOTE: ``df``'s rows followed by the synthetic rows of its minority class."""
    if len(df) == 0:
        raise ctx.error("the 'Samples' dataset is empty; SMOTE needs rows of both classes.")
    na_columns = [c for c in df.columns if df[c].isna().any()]
    inf_columns = [c for c in df.columns if kind_of_dtype(df[c].dtype) in NUMERIC_KINDS
                   and np.isinf(df[c].to_numpy(dtype="float64", na_value=0.0)).any()]
    if na_columns or inf_columns:
        what = ", ".join(repr(c) for c in dict.fromkeys(na_columns + inf_columns))
        raise ctx.error(f"column(s) {what} have missing or infinite values; SMOTE cannot "
                        f"interpolate them. Clean them first with Clean Missing Data (or Clip "
                        f"Values for infinities).")
    y = df[label]
    classes = pd.unique(y)
    if kind_of_dtype(y.dtype) == "double" and not np.all(np.mod(y.to_numpy(dtype="float64"), 1) == 0):
        raise ctx.error(f"the label column {label!r} holds continuous values; SMOTE only accepts "
                        f"binary labels (exactly two classes).")
    if len(classes) != 2:
        shown = ", ".join(repr(v) for v in list(classes)[:5]) + (", ..." if len(classes) > 5 else "")
        raise ctx.error(f"the label column {label!r} has {len(classes)} class(es) ({shown}); "
                        f"SMOTE only accepts binary labels (exactly two classes).")
    features = [c for c in df.columns if c != label]
    if not features:
        raise ctx.error("the dataset has no feature column besides the label; SMOTE needs at "
                        "least one numeric feature.")
    numeric = [c for c in features if kind_of_dtype(df[c].dtype) in NUMERIC_KINDS]
    temporal = [c for c in features if kind_of_dtype(df[c].dtype) in ("datetime", "timespan")]
    categorical = [c for c in features if c not in numeric and c not in temporal]
    if not numeric and not temporal:
        raise ctx.error("every feature column is non-numeric; SMOTE needs at least one numeric "
                        "feature column.")
    counts = y.value_counts(sort=False)
    order = sorted(range(len(counts)), key=lambda i: (counts.iloc[i], i))
    minority = counts.index[order[0]]
    m = int(counts.iloc[order[0]])
    if k > m - 1:
        raise ctx.error(f"'Number of nearest neighbors' is {k}, but the minority class "
                        f"{minority!r} has only {m} row(s); it must be at most {m - 1}. Lower it.")
    n_new = int((100 + percent) / 100 * m) - m
    if n_new <= 0:
        return df.reset_index(drop=True)

    rows_min = np.flatnonzero((y == minority).to_numpy())
    cont_cols = numeric + temporal
    cont = np.column_stack([df[c].to_numpy(dtype="float64") if c in numeric
                            else _temporal_ns(df[c]) for c in cont_cols])[rows_min]
    space = cont
    if categorical:
        stds = np.std(cont, axis=0)
        median_std = float(np.median(stds))
        onehot = pd.get_dummies(df.iloc[rows_min][categorical].astype(str), dtype="float64")
        space = np.hstack([cont, onehot.to_numpy() * median_std])
    rand = np.random.RandomState(seed)
    new_space, base_rows, neighbors = smote_samples(space, n_new, k, rand)

    new = {}
    for j, c in enumerate(cont_cols):
        values = new_space[:, j]
        kind = kind_of_dtype(df[c].dtype)
        if kind == "integer":
            new[c] = np.round(values).astype(df[c].dtype)
        elif kind == "double":
            new[c] = values.astype(df[c].dtype)
        elif kind == "datetime":
            stamps = pd.to_datetime(np.round(values).astype("int64"), unit="ns")
            tz = getattr(df[c].dtype, "tz", None)
            new[c] = stamps.tz_localize("UTC").tz_convert(tz) if tz is not None else stamps
        else:
            new[c] = pd.to_timedelta(np.round(values).astype("int64"), unit="ns")
    for c in categorical:
        values = df[c].to_numpy(dtype=object)[rows_min]
        chosen = []
        for r in base_rows:
            votes = pd.Series(values[neighbors[r]]).value_counts(sort=False)
            best = votes.max()
            chosen.append(min((v for v, n in votes.items() if n == best), key=str))
        new[c] = chosen
    new[label] = [minority] * n_new
    synthetic = pd.DataFrame(new)[list(df.columns)]
    for c in df.columns:
        if synthetic[c].dtype != df[c].dtype:
            synthetic[c] = synthetic[c].astype(df[c].dtype)
    out = pd.concat([df.reset_index(drop=True), synthetic], ignore_index=True)
    ctx.log("Added %d synthetic rows of class %r (%d -> %d)", n_new, minority, m, m + n_new)
    return out


# =========================================================================================
# Examples run by the component contract tests
# =========================================================================================
def _example_frame(n: int = 60, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "Year": rng.integers(2000, 2021, n),
        "Text": rng.choice(["the Gryphon said", "Alice said", "the Queen said"], n),
        "x": rng.normal(0, 1, n).round(4),
        "y": rng.normal(5, 2, n).round(4),
        "label": np.where(rng.random(n) < 0.25, "yes", "no"),
    })


EXAMPLES = {
    "split_data": lambda: (
        {"dataset": _example_frame()},
        {"fraction_of_rows_in_the_first_output_dataset": 0.7, "random_seed": 42,
         "stratified_split": "True", "stratification_key_column": "label"}),
    "partition_and_sample": lambda: (
        {"dataset": _example_frame()},
        {"partition_or_sample_mode": ASSIGN_TO_FOLDS,
         "specify_number_of_folds_to_split_evenly_into": 4, "random_seed": 3}),
    "smote": lambda: (
        {"samples": _example_frame()[["x", "y", "Year", "label"]]},
        {"label_column": "label", "smote_percentage": 200, "number_of_nearest_neighbors": 3,
         "random_seed": 5}),
}
