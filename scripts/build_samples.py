"""Write the built-in sample pipelines (jupyter_designer/samples/*.json) from code.

Run ``python scripts/build_samples.py`` after changing a sample; the JSON files are
committed so a sample opens without running this script.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_designer.engine.pipeline import Pipeline

OUT = Path(__file__).resolve().parents[1] / "jupyter_designer" / "samples"

AUTOS = "Automobile price data (Raw)"
EXCLUDE_LOSSES = {"begin_with": "all", "rules": [{"action": "exclude", "by": "names", "values": ["normalized-losses"]}]}


def _regression_prefix(p: Pipeline):
    data = p.add_dataset(AUTOS, id="automobile_price_data")
    sel = p.add_component("Select Columns in Dataset", {"select_columns": EXCLUDE_LOSSES}, id="select_columns",
                          comment="Drop normalized-losses: too many missing values")
    clean = p.add_component("Clean Missing Data", {"columns_to_be_cleaned": {"begin_with": "all", "rules": []},
                                                   "cleaning_mode": "Remove entire row"}, id="clean_missing_data",
                            comment="Remove rows with missing values")
    split = p.add_component("Split Data", {"fraction_of_rows_in_the_first_output_dataset": 0.7,
                                           "random_seed": 123}, id="split_data")
    p.connect(data, None, sel, None)
    p.connect(sel, None, clean, "dataset")
    p.connect(clean, "cleaned_dataset", split, "dataset")
    return split


def _train_score(p: Pipeline, learner: str, split, suffix: str, label: str, learner_params=None):
    lr = p.add_component(learner, learner_params or {}, id=f"learner{suffix}")
    train = p.add_component("Train Model", {"label_column": label}, id=f"train_model{suffix}")
    score = p.add_component("Score Model", id=f"score_model{suffix}")
    p.connect(lr, None, train, "untrained_model")
    p.connect(split, "results_dataset1", train, "dataset")
    p.connect(train, "trained_model", score, "trained_model")
    p.connect(split, "results_dataset2", score, "dataset")
    return score


def automobile_basic() -> Pipeline:
    p = Pipeline("Automobile price prediction (basic)",
                 description="Regression: predict a car's price with Linear Regression "
                             "(clean, split 70/30, train, score, evaluate).")
    split = _regression_prefix(p)
    score = _train_score(p, "Linear Regression", split, "", "price")
    ev = p.add_component("Evaluate Model", id="evaluate_model")
    p.connect(score, None, ev, "scored_dataset")
    p.auto_layout()
    return p


def automobile_advanced() -> Pipeline:
    p = Pipeline("Automobile price prediction (advanced)",
                 description="Regression: compare Decision Forest Regression and Boosted Decision Tree "
                             "Regression on the same split in one Evaluate Model.")
    split = _regression_prefix(p)
    s1 = _train_score(p, "Decision Forest Regression", split, "_forest", "price")
    s2 = _train_score(p, "Boosted Decision Tree Regression", split, "_boosted", "price")
    ev = p.add_component("Evaluate Model", id="evaluate_model")
    p.connect(s1, None, ev, "scored_dataset")
    p.connect(s2, None, ev, "scored_dataset_to_compare")
    p.auto_layout()
    return p


def binary_feature_selection() -> Pipeline:
    p = Pipeline("Binary classification with feature selection",
                 description="Breast cancer diagnosis: keep the 10 features most correlated with the "
                             "label (Pearson), then a Two-Class Boosted Decision Tree.")
    data = p.add_dataset("Breast Cancer Data", id="breast_cancer_data")
    fs = p.add_component("Filter Based Feature Selection",
                         {"feature_scoring_method": "Pearson Correlation", "target_column": "Class",
                          "number_of_desired_features": 10}, id="feature_selection")
    split = p.add_component("Split Data", {"fraction_of_rows_in_the_first_output_dataset": 0.7,
                                           "random_seed": 42, "stratified_split": "True",
                                           "stratification_key_column": "Class"}, id="split_data")
    p.connect(data, None, fs, "dataset")
    p.connect(fs, "filtered_dataset", split, "dataset")
    score = _train_score(p, "Two-Class Boosted Decision Tree", split, "", "Class")
    ev = p.add_component("Evaluate Model", id="evaluate_model")
    p.connect(score, None, ev, "scored_dataset")
    p.auto_layout()
    return p


def multiclass() -> Pipeline:
    p = Pipeline("Multiclass classification",
                 description="Iris species with a Multiclass Decision Forest and a stratified split.")
    data = p.add_dataset("Iris Data", id="iris_data")
    split = p.add_component("Split Data", {"fraction_of_rows_in_the_first_output_dataset": 0.7,
                                           "random_seed": 7, "stratified_split": "True",
                                           "stratification_key_column": "Class"}, id="split_data")
    p.connect(data, None, split, "dataset")
    score = _train_score(p, "Multiclass Decision Forest", split, "", "Class")
    ev = p.add_component("Evaluate Model", id="evaluate_model")
    p.connect(score, None, ev, "scored_dataset")
    p.auto_layout()
    return p


def cross_validation() -> Pipeline:
    p = Pipeline("Cross validation for binary classification",
                 description="10-fold cross validation of Two-Class Logistic Regression on breast "
                             "cancer data: scores and metrics by fold.")
    data = p.add_dataset("Breast Cancer Data", id="breast_cancer_data")
    norm = p.add_component("Normalize Data", {"transformation_method": "ZScore",
                                              "columns_to_transform": {"begin_with": "all", "rules": [
                                                  {"action": "exclude", "by": "names", "values": ["Class"]}]}},
                           id="normalize_data")
    lr = p.add_component("Two-Class Logistic Regression", id="logistic_regression")
    cv = p.add_component("Cross Validate Model", {"label_column": "Class", "random_seed": 0},
                         id="cross_validate_model")
    p.connect(data, None, norm, "dataset")
    p.connect(lr, None, cv, "untrained_model")
    p.connect(norm, "transformed_dataset", cv, "dataset")
    p.auto_layout()
    return p


def hyperparameter_tuning() -> Pipeline:
    p = Pipeline("Hyperparameter tuning",
                 description="Sweep a Two-Class Decision Forest's trees and depth on the entire grid, "
                             "keep the best by AUC, score and evaluate it.")
    data = p.add_dataset("Breast Cancer Data", id="breast_cancer_data")
    split = p.add_component("Split Data", {"fraction_of_rows_in_the_first_output_dataset": 0.7,
                                           "random_seed": 1}, id="split_data")
    forest = p.add_component("Two-Class Decision Forest", {
        "create_trainer_mode": "Parameter Range", "number_of_decision_trees_range": [8, 16, 32],
        "maximum_depth_of_the_decision_trees_range": [4, 16]}, id="decision_forest")
    tune = p.add_component("Tune Model Hyperparameters", {
        "specify_parameter_sweeping_mode": "Entire grid", "label_column": "Class",
        "metric_for_measuring_performance_for_classification": "AUC"}, id="tune_model")
    score = p.add_component("Score Model", id="score_model")
    ev = p.add_component("Evaluate Model", id="evaluate_model")
    p.connect(data, None, split, "dataset")
    p.connect(forest, None, tune, "untrained_model")
    p.connect(split, "results_dataset1", tune, "training_dataset")
    p.connect(tune, "trained_best_model", score, "trained_model")
    p.connect(split, "results_dataset2", score, "dataset")
    p.connect(score, None, ev, "scored_dataset")
    p.auto_layout()
    return p


SCRIPT = '''import pandas as pd


def azureml_main(dataframe1 = None, dataframe2 = None):
    """Add engineered features: power-to-weight ratio and mean fuel economy."""
    df = dataframe1.copy()
    df["power-to-weight"] = df["horsepower"] / df["curb-weight"]
    df["mean-mpg"] = (df["city-mpg"] + df["highway-mpg"]) / 2
    print(f"added 2 features to {len(df)} rows")
    return df,
'''


def custom_python() -> Pipeline:
    p = Pipeline("Custom Python script",
                 description="Feature engineering with Execute Python Script before a Linear Regression "
                             "of automobile prices.")
    data = p.add_dataset(AUTOS, id="automobile_price_data")
    sel = p.add_component("Select Columns in Dataset", {"select_columns": EXCLUDE_LOSSES}, id="select_columns")
    clean = p.add_component("Clean Missing Data", {"columns_to_be_cleaned": {"begin_with": "all", "rules": []},
                                                   "cleaning_mode": "Remove entire row"}, id="clean_missing_data")
    script = p.add_component("Execute Python Script", {"python_script": SCRIPT}, id="python_script",
                             comment="power-to-weight and mean-mpg")
    split = p.add_component("Split Data", {"fraction_of_rows_in_the_first_output_dataset": 0.7,
                                           "random_seed": 123}, id="split_data")
    p.connect(data, None, sel, None)
    p.connect(sel, None, clean, "dataset")
    p.connect(clean, "cleaned_dataset", script, "dataset1")
    p.connect(script, "result_dataset", split, "dataset")
    score = _train_score(p, "Linear Regression", split, "", "price")
    ev = p.add_component("Evaluate Model", id="evaluate_model")
    p.connect(score, None, ev, "scored_dataset")
    p.auto_layout()
    return p


SAMPLES = {
    "automobile_price_basic": automobile_basic,
    "automobile_price_advanced": automobile_advanced,
    "binary_classification_feature_selection": binary_feature_selection,
    "multiclass_classification": multiclass,
    "cross_validation": cross_validation,
    "hyperparameter_tuning": hyperparameter_tuning,
    "custom_python_script": custom_python,
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for stem, build in SAMPLES.items():
        p = build()
        issues = p.validate()
        assert not issues, (stem, [str(i) for i in issues])
        p.save(OUT / f"{stem}.json")
        print(f"wrote {stem}.json: {len(p.nodes)} nodes")


if __name__ == "__main__":
    main()
