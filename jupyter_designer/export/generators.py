"""The code generators of the Python export, one per component (see :mod:`.python_script`).

Each takes a :class:`~.script_code.NodeCode` and returns a :class:`~.script_code.Step`: the
readable code of that step with its parameters filled in. A setting it does not reproduce is
refused with the node's name and what to change."""

from __future__ import annotations

import inspect
import re
import textwrap

from .script_code import (NodeCode, Step, _lit, _names_list, _var, _wrap_call, generator, learner_code,
                          model_source)
from .script_code import one_input as _one_input


@generator("select_columns_in_dataset")
def _select_columns(g: NodeCode) -> Step:
    from jupyter_designer.components.data_transformation.columns import resolve_without_labels

    names = resolve_without_labels(g.spec.param("select_columns"), g.params["select_columns"],
                                   g.schema("dataset"), g.params.get("label_columns"),
                                   g.spec.name)
    src = _one_input(g)
    everything = g.schema("dataset").names
    dropped = [c for c in everything if c not in names]
    if names == [c for c in everything if c in names] and len(dropped) < len(names):
        return Step(f"{g.out()} = {src}.drop(columns={_names_list(dropped, len(g.out()) + 20)})")
    return Step(f"{g.out()} = {src}[{_names_list(names, len(g.out()) + 4)}]")


def _learner_generator(g: NodeCode) -> Step:
    """Any learner: the estimator its component builds."""
    untrained = g.untrained
    imports: set = set()
    code = learner_code(untrained, imports, g.title, add_source=g.export.add_source)
    code = f"{g.out()} = " + code.replace("\n", "\n" + " " * (len(g.out()) + 3))
    return Step(code, imports=tuple(imports))


def _label(g: NodeCode, key: str, port: str) -> str:
    if g.params.get(key) is None:
        raise g.fail("set its 'Label column' parameter.")
    return g.columns(key, port)[0]


@generator("train_model")
def _train_model(g: NodeCode) -> Step:
    label = _label(g, "label_column", "dataset")
    return Step(f"{g.out()} = fit_learner({_one_input(g, 'untrained_model')}, "
                f"{_one_input(g)}, {label!r})", helpers=("fit_learner",))


@generator("score_model")
def _score_model(g: NodeCode) -> Step:
    if model_source(g) == "train_clustering_model":
        raise g.fail("its trained model is a clustering model; use Assign Data to Clusters to "
                     "score it.")
    args = [_one_input(g, "trained_model"), _one_input(g)]
    schema = g.schemas.get("dataset") or g.export.run_schema(g.sources.get("dataset"))
    labels = [c.name for c in schema if c.role == "label"] if schema is not None else []
    if labels:  # Evaluate Model compares with the column marked as label (an anomaly detector's)
        args.append(f"label={labels[0]!r}")
    code = f"{g.out()} = score_dataset({', '.join(args)})"
    if not g.params["append_score_columns_to_output"]:
        code += (f"\n{g.out()} = {g.out()}[{g.out()}.attrs[\"score_columns\"]]"
                 "  # the score columns only")
    return Step(code, helpers=("score_dataset",))


@generator("evaluate_model")
def _evaluate_model(g: NodeCode) -> Step:
    out = g.out()
    left = _one_input(g, "scored_dataset")
    right = g.inputs.get("scored_dataset_to_compare")
    if right is None:
        code = f"{out} = evaluate_scored({left})"
    else:
        code = (f"{out} = {{f\"left: {{k}}\": v for k, v in evaluate_scored({left}).items()}}\n"
                f"{out}.update({{f\"right: {{k}}\": v for k, v in evaluate_scored({right}).items()}})")
    return Step(code, helpers=("evaluate_scored",), metrics=out)


@generator("cross_validate_model")
def _cross_validate(g: NodeCode) -> Step:
    label = _label(g, "label_column", "dataset")
    out = g.out("evaluation_results_by_fold")
    code = (f"{out} = cross_validate({_one_input(g, 'untrained_model')}, {_one_input(g)}, "
            f"{label!r}, seed={g.params['random_seed']})")
    return Step(code, helpers=("cross_validate",), metrics=out)


@generator("execute_python_script")
def _execute_python_script(g: NodeCode) -> Step:
    if "script_bundle" in g.inputs:
        raise g.fail("a script bundle input has no Python generator yet; put the bundle's code "
                     "into the script.")
    main = f"{_var(g.node.id)}_main"
    args = [g.inputs.get("dataset1", "None"), g.inputs.get("dataset2", "None")]
    code = ("# the script as written in the designer\n"
            f"{g.params['python_script'].rstrip()}\n\n\n"
            f"{main} = azureml_main\n"
            f"{g.out('result_dataset')}, {g.out('python_device')} = "
            f"run_python_script({main}, {', '.join(args)})")
    return Step(code, helpers=("run_python_script",))


def _user_component(g: NodeCode) -> Step:
    """A user component: its function copied as written (with the imports it uses), called
    with the node's inputs and parameters."""
    import types

    from jupyter_designer.engine.params import Columns

    f = getattr(g.spec.run, "__wrapped__", None)
    try:
        src = textwrap.dedent(inspect.getsource(f)) if f is not None else None
    except (OSError, TypeError):
        src = None
    if not src:
        raise g.fail(f"the source of the user component {g.spec.name!r} cannot be read; define "
                     "it in a file or notebook cell and export again.")
    lines = src.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\s*(async\s+)?def\s", line))
    body = "\n".join(lines[start:])
    imports = []
    for name in sorted(set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", body))):
        obj = f.__globals__.get(name)
        if obj is None or name == f.__name__:
            continue
        if isinstance(obj, types.ModuleType):
            mod = obj.__name__
            line = f"import {mod} as {name}" if mod != name else f"import {name}"
        else:
            mod = getattr(obj, "__module__", None)
            if not mod or mod in ("__main__", "builtins") or mod.startswith("__") \
                    or getattr(obj, "__name__", None) != name:
                continue
            line = f"from {mod} import {name}"
        if mod.split(".")[0] == "jupyter_designer":
            raise g.fail(f"the user component {g.spec.name!r} uses {name} of jupyter-designer, "
                         "which a standalone script cannot import.")
        if line not in ("import numpy as np", "import pandas as pd"):
            imports.append(line)
    kwargs = []
    for port in g.spec.inputs:
        kwargs.append(f"{port.key}={g.inputs.get(port.key, 'None')}")
    for p in g.spec.params:
        v = g.params.get(p.key)
        if isinstance(p, Columns) and v is not None:
            v = g.columns(p.key, next(iter(g.inputs)))
        kwargs.append(f"{p.key}={_lit(v)}")
    outs = [g.outputs[p.key] for p in g.spec.outputs]
    code = ("# the user component as written\n" + body.rstrip() + "\n\n\n"
            + f"{', '.join(outs)} = {_wrap_call(f.__name__, kwargs)}")
    return Step(code, imports=tuple(imports))
