"""Export to Python of the column components (Edit Metadata, Apply Math Operation, Clip Values,
Convert to Indicator Values, Group Data into Bins, Summarize Data, Extract Date Parts, Select
Columns Transform, Apply Transformation): one run of a pipeline holding them with the settings
that matter, exported, its script run in a fresh environment without jupyter-designer, and
every node output compared with the one the run stored (values, dtypes, column order, index).
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from export_checks import assert_script_reproduces_run
from test_export_python import fresh_python  # noqa: F401

from jupyter_designer.app import submit_run
from jupyter_designer.app.export import export
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.export.python_script import ExportError
from jupyter_designer.store import Workspace


def _train() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 30
    amount = rng.normal(20.0, 8.0, n).round(2)
    amount[[2, 7]] = np.nan
    color = rng.choice(["red", "blue", "black"], n).astype(object)
    color[[4, 11]] = None
    return pd.DataFrame({
        "when": [f"2024-{1 + i % 12:02d}-{1 + (i * 7) % 28:02d}" for i in range(n)],
        "amount": amount,
        "count": rng.integers(0, 9, n),
        "color": color,
        "flag": rng.choice(["yes", "no"], n),
        "price": rng.normal(100.0, 30.0, n).round(1),
    })


def _new_data() -> pd.DataFrame:
    """Data to apply the fitted transformations to: no price, a colour not seen in training."""
    return pd.DataFrame({"when": ["2025-05-05", "2025-06-30", "2025-07-01", "2025-08-15"],
                         "amount": [5.0, 60.0, np.nan, 21.5], "count": [1, 12, 3, 4],
                         "color": ["red", "green", None, "black"],
                         "flag": ["no", "yes", "yes", "no"]})


def _pipeline(ws: Workspace) -> tuple[Pipeline, dict]:
    """A pipeline of the column components; ``{name: (node id, output port)}`` to compare."""
    ws.register_dataset("export columns train", _train())
    ws.register_dataset("export columns new", _new_data())
    p = Pipeline("Column components", workspace=ws)
    train, new = p.add_dataset("export columns train"), p.add_dataset("export columns new")
    outputs: dict = {}

    def add(name, component, params, source, port=None, out_ports=(None,)):
        node = p.add_component(component, params)
        p.connect(source, port, node, None)
        for out in out_ports:
            outputs[name if out is None else f"{name}:{out}"] = (node, out)
        return node

    flag = add("flag", "Edit Metadata", {"column": ["flag"], "data_type": "Boolean",
                                         "new_column_names": "is_flag"}, train)
    cat = add("color", "Edit Metadata", {"column": ["color"], "categorical": "Categorical"}, flag)
    label = add("label", "Edit Metadata", {"column": ["price"], "fields": "Label"}, cat)
    add("text", "Edit Metadata", {"column": ["count", "amount"], "data_type": "String"}, label)
    add("uncat", "Edit Metadata", {"column": ["color"], "categorical": "Make non-categorical",
                                   "data_type": "String"}, label)
    as_double = add("double", "Edit Metadata", {"column": ["count"], "data_type": "Double",
                                                "fields": "Features"}, train)
    add("integer", "Edit Metadata", {"column": ["count"], "data_type": "Integer"}, as_double)
    stamped = add("datetime", "Edit Metadata", {"column": ["when"], "data_type": "DateTime",
                                                "datetime_format": "%Y-%m-%d"}, train)
    add("datetime guessed", "Edit Metadata", {"column": ["when"], "data_type": "DateTime"}, train)
    add("timespan", "Edit Metadata", {"column": ["count"], "data_type": "TimeSpan"}, train)
    add("still categorical", "Edit Metadata", {"column": ["color"], "data_type": "String"}, cat)
    add("clear label", "Edit Metadata", {"column": ["price"], "fields": "Clear label"}, label)
    add("summary of types", "Summarize Data", {}, flag)
    add("summary of dates", "Summarize Data", {}, stamped)
    add("dates", "Extract Date Parts", {"date_columns": ["when"],
                                        "parts": ["Year", "Month", "Day of week", "Quarter"]},
        label)
    add("dates kept", "Extract Date Parts", {"date_columns": ["when"], "parts": ["Day of year"],
                                             "keep_date_columns": True}, train)
    # Apply Math Operation: each category, each output mode, constants and column sets
    add("add", "Apply Math Operation", {"category": "Operations", "arithmetic_operation": "Add",
                                        "column_set": ["amount"],
                                        "operations_argument_type": "ColumnSet",
                                        "operations_column_set": ["count", "price"]}, train)
    add("sqrt", "Apply Math Operation", {"category": "Basic", "basic_math_function": "Sqrt",
                                         "column_set": ["amount", "count"],
                                         "output_mode": "Inplace"}, train)
    add("compare", "Apply Math Operation", {"category": "Compare",
                                            "comparison_function": "GreaterThan",
                                            "compare_constant": 3.0,
                                            "column_set": ["amount", "count"],
                                            "output_mode": "ResultOnly"}, train)
    add("round", "Apply Math Operation", {"category": "Rounding",
                                          "rounding_operation": "RoundDigits",
                                          "rounding_constant": 1.0, "column_set": ["price"]},
        train)
    add("special", "Apply Math Operation", {"category": "Special", "special_function": "Gamma",
                                            "column_set": ["count"]}, train)
    add("trig", "Apply Math Operation", {"category": "Trigonometric",
                                         "trigonometric_function": "TanDegrees",
                                         "column_set": ["amount"]}, train)
    add("pairs", "Apply Math Operation", {"category": "Operations",
                                          "arithmetic_operation": "Multiply",
                                          "column_set": ["amount", "price"],
                                          "operations_argument_type": "ColumnSet",
                                          "operations_column_set": ["count", "amount"],
                                          "output_mode": "ResultOnly"}, train)
    add("log", "Apply Math Operation", {"category": "Basic", "basic_math_function": "Log",
                                        "basic_constant": 2.0, "column_set": ["amount"],
                                        "output_mode": "Inplace"}, train)
    add("pair max", "Apply Math Operation", {"category": "Compare",
                                             "comparison_function": "PairMax",
                                             "compare_argument_type": "ColumnSet",
                                             "column_set": ["amount", "count"],
                                             "compare_column_set": ["price"]}, train)
    # Clip Values
    add("clip subpeaks", "Clip Values", {"set_of_thresholds": "ClipSubpeaks",
                                         "constant_value_for_lower_threshold": 15.0,
                                         "list_of_columns": ["amount"],
                                         "add_indicator_columns": True}, train)
    add("clip both", "Clip Values", {"set_of_thresholds": "ClipPeaksAndSubpeaks",
                                     "threshold": "Percentile",
                                     "percentile_value_for_upper_threshold": 90.0,
                                     "percentile_value_for_lower_threshold": 10.0,
                                     "substitute_value_for_peaks": "Mean",
                                     "substitute_value_for_subpeaks": "Missing",
                                     "list_of_columns": ["amount", "price"],
                                     "overwrite_flag": False, "add_indicator_columns": True},
        train)
    add("clip peaks", "Clip Values", {"constant_value_for_upper_threshold": 25.0,
                                      "substitute_value_for_peaks": "Median"}, train)
    # Convert to Indicator Values, Group Data into Bins, Normalize Data: fitted, then applied
    ind = add("indicators", "Convert to Indicator Values",
              {"categorical_columns_to_convert": ["color", "flag"]}, train,
              out_ports=("results_dataset",))
    ind_over = add("indicators over", "Convert to Indicator Values",
                   {"categorical_columns_to_convert": ["color"],
                    "overwrite_categorical_columns": True}, cat,
                   out_ports=("results_dataset",))
    bins = [add("quantiles", "Group Data into Bins", {"columns_to_bin": ["amount", "count"],
                                                      "number_of_bins": 4}, train,
                out_ports=("quantized_dataset",)),
            add("index", "Group Data into Bins", {"columns_to_bin": ["price"],
                                                  "number_of_bins": 3,
                                                  "quantile_normalization": "Quantile Index",
                                                  "tag_columns_as_categorical": False}, train,
                out_ports=("quantized_dataset",)),
            add("pquantile", "Group Data into Bins", {"columns_to_bin": ["amount"],
                                                      "quantile_normalization": "PQuantile",
                                                      "tag_columns_as_categorical": False,
                                                      "output_mode": "Inplace"}, train,
                out_ports=("quantized_dataset",)),
            add("width", "Group Data into Bins", {"binning_mode": "Equal Width",
                                                  "columns_to_bin": ["amount", "count"],
                                                  "number_of_bins": 3,
                                                  "output_mode": "Result Only",
                                                  "tag_columns_as_categorical": False}, train,
                out_ports=("quantized_dataset",)),
            add("edges", "Group Data into Bins", {"binning_mode": "Custom Edges",
                                                  "columns_to_bin": ["amount"],
                                                  "comma_separated_list_of_bin_edges": "10, 20.5",
                                                  "output_mode": "Inplace"}, train,
                out_ports=("quantized_dataset",))]
    norm = add("normalize", "Normalize Data", {"transformation_method": "MinMax",
                                               "columns_to_transform": ["amount", "price"]},
               train, out_ports=("transformed_dataset",))
    rows = add("remove rows", "Clean Missing Data", {"columns_to_be_cleaned": ["amount", "color"],
                                                     "cleaning_mode": "Remove entire row"},
               train, out_ports=("cleaned_dataset",))
    cols = add("remove columns", "Clean Missing Data",
               {"columns_to_be_cleaned": ["amount", "count", "color"],
                "cleaning_mode": "Remove entire column"}, train, out_ports=("cleaned_dataset",))
    lda = add("topics", "Latent Dirichlet Allocation", {"target_column_s": ["flag"],
                                                        "number_of_topics_to_model": 2,
                                                        "n_grams": 1}, rows, "cleaned_dataset",
              out_ports=("transformed_dataset",))
    # a model next to Summarize Data: the script's helpers and the copied code stay apart
    clean = add("dates of cleaned", "Extract Date Parts", {"date_columns": ["when"],
                                                           "parts": ["Month"]},
                rows, "cleaned_dataset")
    learner = p.add_component("Linear Regression")
    model = p.add_component("Train Model", {"label_column": "price"})
    p.connect(learner, None, model, "untrained_model")
    p.connect(clean, None, model, "dataset")
    scored = add("scored", "Score Model", {}, model)
    p.connect(clean, None, scored, "dataset")
    evaluation = p.add_component("Evaluate Model")
    p.connect(scored, None, evaluation, "scored_dataset")
    chosen = add("chosen", "Select Columns in Dataset", {"select_columns": ["amount", "price",
                                                                           "color"]}, label)
    sct = add("select transform", "Select Columns Transform", {}, chosen, out_ports=())
    add("summary", "Summarize Data", {}, train)
    add("summary of edited", "Summarize Data", {}, label)

    def apply(name, transformation, port, params=None):
        node = p.add_component("Apply Transformation", params or {})
        p.connect(transformation, port, node, "transformation")
        p.connect(new, None, node, "dataset")
        outputs[name] = (node, None)

    apply("apply indicators", ind, "indicator_values_transformation")
    apply("apply indicators over", ind_over, "indicator_values_transformation")
    for b in bins:
        apply(f"apply {b.id}", b, "binning_transformation", {"label_columns": ["price"]})
    apply("apply normalize", norm, "transformation_function", {"label_columns": ["price"]})
    apply("apply select", sct, "columns_selection_transformation")
    apply("apply topics", lda, "lda_transformation", {"label_columns": ["price"]})
    apply("apply remove rows", rows, "cleaning_transformation")
    apply("apply remove rows for scoring", rows, "cleaning_transformation",
          {"label_columns": ["color"]})
    apply("apply remove columns", cols, "cleaning_transformation", {"label_columns": ["price"]})
    return p, outputs


def test_column_components_export_reproduces_the_run(tmp_path, fresh_python):  # noqa: F811
    ws = Workspace(tmp_path / "ws")
    p, outputs = _pipeline(ws)
    run_id = submit_run(ws, p, experiment="export columns").run_id
    rec = ws.get_run(run_id)
    failed = {nid: n.error for nid, n in rec.nodes.items() if n.status != "completed"}
    assert not failed, failed
    result = export(ws, run_id, format="python", folder=tmp_path / "script")
    script = result.path
    text = script.read_text(encoding="utf-8")
    assert "jupyter_designer" not in text
    assert "def edit_column(" in text and "def math_frame(" in text  # the components' own code
    assert_script_reproduces_run(fresh_python, ws, rec, script, outputs, tmp_path)
    ws.close()


def test_applying_a_transformation_without_a_generator_is_named(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.register_dataset("export columns train", _train())
    p = Pipeline("Select features then apply", workspace=ws)
    data = p.add_dataset("export columns train")
    select = p.add_component("Filter Based Feature Selection",
                             {"feature_scoring_method": "Pearson Correlation",
                              "target_column": "price", "number_of_desired_features": 1})
    p.connect(data, None, select, None)
    apply = p.add_component("Apply Transformation")
    p.connect(select, "feature_selection_transformation", apply, "transformation")
    p.connect(data, None, apply, "dataset")
    with pytest.raises(ExportError, match=r"Apply Transformation \[.*\].*transformation of Filter "
                                          r"Based Feature Selection has no Python generator yet"
                                          r".*Clean Missing Data.*Normalize Data"):
        export(ws, p, folder=tmp_path)
    assert not list(tmp_path.glob("*.py")), "nothing is written when the export fails"
    ws.close()
