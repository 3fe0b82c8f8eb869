"""Contract over every registered component: does it (or the fitted transformation it
outputs) declare a fast scoring step, and where it does, does the step give what the
component gives (the faithful path) on its example data, on columns and row by row?

``FAST`` says which components have one. A component renamed, added or changed so that its
fast step appears or disappears fails here, instead of silently moving endpoints off the fast
scoring path.
"""

from importlib import import_module

import numpy as np
import pandas as pd
import pytest

import jupyter_designer.components  # noqa: F401  (registers the built-in components)
from jupyter_designer.components import fast_steps
from jupyter_designer.engine.component import REGISTRY, RunContext
from jupyter_designer.engine.models import Transformation
from jupyter_designer.engine.schema import kind_of_dtype

BUILTINS = [s for s in REGISTRY.all()
            if not s.user and s.run.__module__.startswith("jupyter_designer.components")]

#: component id -> where its fast step is declared: "component" (its run function's
#: ``fast_step``) or "transformation" (the ``fast_step()`` of the fitted transformation it
#: outputs, for the state its example fits). Every other built-in component has none.
FAST = {
    "select_columns_in_dataset": "component",
    "apply_transformation": "component",
    "score_model": "component",
    "assign_data_to_clusters": "component",
    "web_service_output": "component",
    "clean_missing_data": "transformation",
    "normalize_data": "transformation",
    "select_columns_transform": "transformation",
    "filter_based_feature_selection": "transformation",
}


def _example(spec):
    examples = getattr(import_module(spec.run.__module__), "EXAMPLES", {})
    if spec.id not in examples:
        pytest.skip(f"{spec.id} has no example")  # test_contract requires one
    inputs, params = examples[spec.id]()
    resolved = spec.resolve_params(params)
    return inputs, resolved, spec.run(RunContext(spec), inputs, resolved)


def _columns(df: pd.DataFrame) -> tuple[dict, set]:
    """A table as the fast path holds a request: numpy columns (floats with NaN, object
    columns with None), and the columns known to have no missing value."""
    t, known = {}, set()
    for c in df.columns:
        s = df[c]
        kind = kind_of_dtype(s.dtype)
        if kind in ("double", "integer") and s.isna().any() or kind == "double":
            a = s.to_numpy(dtype=np.float64, na_value=np.nan)
        elif kind == "integer":
            a = s.to_numpy(dtype=np.int64)
        elif kind == "boolean" and not s.isna().any():
            a = s.to_numpy(dtype=bool)
        else:
            a = np.empty(len(s), dtype=object)
            a[:] = [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v
                    for v in s.astype(object).tolist()]
        t[str(c)] = a
        if not fast_steps.isna(a).any() and (a.dtype.kind != "f" or np.isfinite(a).all()):
            known.add(str(c))
    return t, known


def _same_value(x, y) -> bool:
    missing = lambda v: v is None or v is pd.NA or (isinstance(v, float) and v != v)  # noqa: E731
    if missing(x) or missing(y):
        return missing(x) and missing(y)
    if isinstance(x, (float, np.floating)) or isinstance(y, (float, np.floating)):
        return bool(np.isclose(float(x), float(y), rtol=1e-9, atol=1e-12))
    return x == y


def _assert_equal(got: dict, want: pd.DataFrame, what: str):
    assert list(got) == [str(c) for c in want.columns], f"{what}: columns differ"
    for c in want.columns:
        a, b = list(got[str(c)]), want[c].astype(object).tolist()
        assert len(a) == len(b), f"{what}: {c!r} has {len(a)} rows, not {len(b)}"
        bad = [i for i, (x, y) in enumerate(zip(a, b)) if not _same_value(x, y)]
        assert not bad, f"{what}: {c!r} row {bad[0]}: {a[bad[0]]!r} vs {b[bad[0]]!r}"


def _check_step(step, data: pd.DataFrame, want: pd.DataFrame, what: str):
    """The step on the whole table, then on each of its first rows, equals ``want``."""
    t, known = _columns(data)
    out, n = step(t, len(data), set(known))
    assert n == len(want), f"{what}: {n} rows, not {len(want)}"
    _assert_equal(out, want, what + " (columns)")
    if not getattr(step, "has_row", True):
        return
    row = step.row_function({c: a.dtype.kind for c, a in t.items()})
    kept = 0
    for i in range(min(len(data), 8)):
        r = {c: a[i].item() if isinstance(a[i], np.generic) else a[i] for c, a in t.items()}
        one, m = step({c: a[i:i + 1] for c, a in t.items()}, 1, set())
        try:
            got = row(r)
        except fast_steps.RowRemoved:
            assert m == 0, f"{what}: row {i} removed by the row version only"
            continue
        kept += 1
        assert list(got) == list(one), f"{what}: row {i}: columns differ"
        for c in one:
            assert _same_value(got[c], one[c][0].item() if isinstance(one[c][0], np.generic)
                               else one[c][0]), f"{what}: row {i}, {c!r}"


@pytest.mark.parametrize("spec", BUILTINS, ids=[s.id for s in BUILTINS])
def test_fast_step_declared_and_faithful(spec):
    declared = getattr(spec.run, "fast_step", None)
    inputs, params, outputs = _example(spec)
    transformations = [v for v in outputs.values() if isinstance(v, Transformation)]
    with_step = [t for t in transformations if callable(getattr(t, "fast_step", None))
                 and t.fast_step() is not None]
    where = "component" if declared is not None else "transformation" if with_step else None
    assert where == FAST.get(spec.id), (
        f"{spec.name}: fast step declared on {where or 'nothing'}, expected "
        f"{FAST.get(spec.id) or 'none'}; update FAST (and the fast path) if this is intended")

    if where == "transformation":
        data = next(v for v in inputs.values() if isinstance(v, pd.DataFrame))
        for t in with_step:
            _check_step(t.fast_step(), data, t.transform(data), f"{spec.name} transformation")
        return
    if where is None:
        return
    step = declared({p: v for p, v in inputs.items() if not isinstance(v, pd.DataFrame)},
                    params, outputs)
    data = next(v for v in inputs.values() if isinstance(v, pd.DataFrame))
    out = next(v for v in outputs.values() if isinstance(v, pd.DataFrame))
    if step is fast_steps.PASS_THROUGH:
        assert out is data or out.equals(data)
    elif isinstance(step, fast_steps.ScoreWithModel):
        # the scoring layer compiles the model; both of its versions equal Score Model's
        from jupyter_designer.serving.fast import Score

        for onnx in (False, True):
            compiled = Score(step.model, step.append, onnx=onnx)
            if onnx:
                assert compiled.onnx is not None, f"{spec.name}: {compiled.onnx_note}"
            _check_onnx_or_exact(compiled, data, out, f"{spec.name} (onnx={onnx})")
    elif step is None:
        assert spec.id == "apply_transformation"  # its transformation has none: covered above
    else:
        _check_step(step, data, out, spec.name)


def _check_onnx_or_exact(step, data, want, what):
    t, known = _columns(data)
    out, n = step(t, len(data), set(known))
    assert list(out) == [str(c) for c in want.columns], what
    for c in want.columns:
        a, b = list(out[str(c)]), want[c].astype(object).tolist()
        for x, y in zip(a, b):
            if isinstance(y, float) and step.onnx is not None:
                assert np.isclose(float(x), y, rtol=1e-4, atol=1e-6), f"{what}: {c!r}: {x} vs {y}"
            else:
                assert _same_value(x, y), f"{what}: {c!r}: {x!r} vs {y!r}"


def test_every_declared_fast_step_is_in_the_contract():
    declared = {s.id for s in BUILTINS if getattr(s.run, "fast_step", None) is not None}
    assert declared == {k for k, v in FAST.items() if v == "component"}
