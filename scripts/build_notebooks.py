"""Write the tutorial notebooks (notebooks/*.ipynb) from this script, unexecuted.

Run ``python scripts/build_notebooks.py`` after editing; CI executes them with nbval.
"""

from pathlib import Path

import nbformat as nbf

OUT = Path(__file__).resolve().parents[1] / "notebooks"


def md(s):
    return nbf.v4.new_markdown_cell(s.strip())


def code(s):
    return nbf.v4.new_code_cell(s.strip())


SETUP = code("""
import jupyter_designer as jd
ws = jd.workspace()      # ./.designer, or the folder in $JUPYTER_DESIGNER_WORKSPACE
%load_ext jupyter_designer
""")

NB1 = [
    md("""
# 01 · Automobile price prediction

The classic designer tutorial: predict a car's price from its specifications. You can do
every step on the canvas with the mouse: drag **Automobile price data (Raw)** from the
palette's *Datasets*, add components from the palette, connect an output port (bottom of a
node) to an input port (top of the next), set parameters in the properties panel, then
**Submit**. This notebook does the same steps in code, and shows the pipeline on the canvas.
"""),
    SETUP,
    md("## Explore the data"),
    code("""
raw = ws.get_dataset("Automobile price data (Raw)")
print(raw.shape)
raw.isna().sum()[lambda s: s > 0]
"""),
    md("## Build the pipeline"),
    code("""
p = jd.Pipeline("Automobile price tutorial", workspace=ws)
data = p.add_dataset("Automobile price data (Raw)")
select = p.add_component("Select Columns in Dataset", {"Select columns": {
    "begin_with": "all", "rules": [{"action": "exclude", "by": "names", "values": ["normalized-losses"]}]}},
    comment="normalized-losses is missing in 41 rows")
clean = p.add_component("Clean Missing Data", {"Cleaning mode": "Remove entire row",
                                               "Columns to be cleaned": {"begin_with": "all", "rules": []}})
split = p.add_component("Split Data", {"Fraction of rows in the first output dataset": 0.7, "Random seed": 123})
learner = p.add_component("Linear Regression")
train = p.add_component("Train Model", {"Label column": "price"})
score = p.add_component("Score Model")
evaluate = p.add_component("Evaluate Model")
p.connect(data, None, select, None)
p.connect(select, None, clean, "Dataset")
p.connect(clean, "Cleaned dataset", split, "Dataset")
p.connect(learner, None, train, "Untrained model")
p.connect(split, "Results dataset1", train, "Dataset")
p.connect(train, None, score, "Trained model")
p.connect(split, "Results dataset2", score, "Dataset")
p.connect(score, None, evaluate, "Scored dataset")
p.auto_layout()
p.validate()   # [] : nothing is missing
"""),
    md("""
The design-time schema is known before anything runs: the label column picker of Train
Model lists exactly the columns that reach it.
"""),
    code("p.input_schema(train, 'dataset').names[-5:]"),
    md("The same object on the canvas (edits on the canvas show up in `p`, and the other way round):"),
    code("designer = jd.Designer(p, workspace=ws)\ndesigner"),
    md("## Submit and inspect"),
    code("""
run = jd.submit(p, experiment="automobile-price", workspace=ws)
run.metrics
"""),
    code("""
scored = run.output(score.id, "scored_dataset")
scored[["make", "horsepower", "price", "Scored Labels"]].head()
"""),
    md("## Compare two regressors\n\nThe advanced sample trains a Decision Forest and a Boosted Decision Tree on the same split and evaluates both in one Evaluate Model."),
    code("""
advanced = jd.load_sample("Automobile price prediction (advanced)", workspace=ws)
run2 = jd.submit(advanced, experiment="automobile-price", workspace=ws)
ev = run2.output("evaluate_model", "evaluation_results")
ev.metrics_table()
"""),
    md("## Every run is kept\n\nRuns are grouped by experiment; compare them side by side, or clone one into a new draft."),
    code("""
ws.compare_runs([run.run_id, run2.run_id])
"""),
    code("%designer list runs"),
    code("""
clone = jd.Pipeline.from_dict(ws.clone_run(run.run_id), workspace=ws)
len(clone.nodes), clone.name
"""),
    md("Running the same pipeline again reuses every unchanged node:"),
    code("""
again = jd.submit(p, experiment="automobile-price", workspace=ws)
{n.title: n.status for n in again.record().nodes.values()}
"""),
]

NB2 = [
    md("""
# 02 · Binary classification with feature selection

Breast cancer diagnosis: keep the features most correlated with the label (Filter Based
Feature Selection, Pearson), train a Two-Class Boosted Decision Tree, and read the
evaluation: accuracy, precision, recall, F1, AUC, the ROC and precision-recall curves.
"""),
    SETUP,
    code("""
p = jd.load_sample("Binary classification with feature selection", workspace=ws)
[n.title for n in p.nodes.values()]
"""),
    code("jd.Designer(p, workspace=ws)"),
    code("""
run = jd.submit(p, experiment="breast-cancer", workspace=ws)
{k: round(v, 4) for k, v in run.metrics.items() if k in ("Accuracy", "Precision", "Recall", "F1 Score", "AUC")}
"""),
    md("Which features were kept, with their scores:"),
    code("run.output('feature_selection', 'features')"),
    md("## ROC and precision-recall\n\nThe evaluation keeps the curves, so a different threshold can be read without re-running."),
    code("""
import pandas as pd
result = run.output("evaluate_model", "evaluation_results").results[0]
roc = pd.DataFrame({k: result["curves"]["roc"][k] for k in ("fpr", "tpr")})
roc.iloc[:: max(1, len(roc) // 10)]
"""),
    code("""
from jupyter_designer.widgets.outputs import MetricsView
view = MetricsView()
view.show(run.output("evaluate_model", "evaluation_results"), title="Two-Class Boosted Decision Tree")
view
"""),
    md("## Try another learner\n\nSwap the learner and compare: only the nodes downstream of the change run again."),
    code("""
p2 = p.clone()
old = p2.node("learner")
new = p2.add_component("Two-Class Logistic Regression")
p2.remove_node(old)
p2.connect(new, None, "train_model", "untrained_model")
run2 = jd.submit(p2, experiment="breast-cancer", workspace=ws)
{n.title: n.status for n in run2.record().nodes.values()}
"""),
    code("ws.compare_runs([run.run_id, run2.run_id])"),
]

NB3 = [
    md("""
# 03 · Your own data and your own component

Register a table as a versioned dataset, write a component as a typed Python function, and
use both on the canvas like the built-ins.
"""),
    SETUP,
    code("""
import numpy as np
import pandas as pd

rng = np.random.default_rng(0)
n = 500
sales = pd.DataFrame({
    "store": rng.choice(["north", "south", "east", "west"], n),
    "advertising": rng.gamma(2.0, 50.0, n).round(1),
    "visitors": rng.poisson(300, n).astype(float),
})
sales.loc[rng.choice(n, 20, replace=False), "visitors"] = np.nan
sales["revenue"] = (3.1 * sales["advertising"] + 0.8 * sales["visitors"].fillna(300)
                    + sales["store"].map({"north": 50, "south": 0, "east": 20, "west": -30})
                    + rng.normal(0, 25, n)).round(2)
info = ws.register_dataset("Store sales", sales, description="Generated store revenue")
info.name, info.version, info.rows
"""),
    md("A component is a typed function: DataFrame arguments become input ports, `int`/`float`/`str`/`bool`/`Literal` arguments parameters, `list[str]` a column picker."),
    code("""
from typing import Literal

@jd.component(name="Add Ratio Column", outputs=["Results dataset"])
def add_ratio_column(data: pd.DataFrame, numerator: str = "revenue", denominator: str = "visitors",
                     new_column: str = "ratio", on_zero: Literal["missing", "zero"] = "missing") -> pd.DataFrame:
    \"\"\"Append numerator / denominator as a new column.\"\"\"
    out = data.copy()
    ratio = out[numerator] / out[denominator].replace(0, np.nan)
    out[new_column] = ratio if on_zero == "missing" else ratio.fillna(0.0)
    return out

spec = add_ratio_column.spec
spec.category, [p.label for p in spec.inputs], [p.key for p in spec.params]
"""),
    code("""
p = jd.Pipeline("Store revenue", workspace=ws)
d = p.add_dataset("Store sales")
clean = p.add_component("Clean Missing Data", {"Cleaning mode": "Replace with median",
                                               "Columns to be cleaned": ["visitors"]})
split = p.add_component("Split Data", {"Fraction of rows in the first output dataset": 0.75, "Random seed": 3})
learner = p.add_component("Boosted Decision Tree Regression")
train = p.add_component("Train Model", {"Label column": "revenue"})
score = p.add_component("Score Model")
ratio = p.add_component("Add Ratio Column", {"numerator": "Scored Labels", "new_column": "predicted per visitor"})
evaluate = p.add_component("Evaluate Model")
p.connect(d, None, clean, "dataset")
p.connect(clean, "cleaned_dataset", split, "dataset")
p.connect(learner, None, train, "untrained_model")
p.connect(split, "results_dataset1", train, "dataset")
p.connect(train, None, score, "trained_model")
p.connect(split, "results_dataset2", score, "dataset")
p.connect(score, None, evaluate, "scored_dataset")
p.connect(score, None, ratio, "data")
p.auto_layout()
jd.Designer(p, workspace=ws)
"""),
    code("""
run = jd.submit(p, experiment="stores", workspace=ws)
run.metrics
"""),
    code("run.output(ratio.id).head()"),
    md("Register the trained model so other pipelines (and endpoints) can use it:"),
    code("""
model_info = ws.register_output_as_model(run.run_id, train.id, "trained_model", "store-revenue")
model_info.name, model_info.version
"""),
    md("Bad input gets a clear message, not a traceback:"),
    code("""
try:
    p.set_param(split, "Fraction of rows in the first output dataset", 1.5)
except jd.DesignerError as err:
    print(err)
"""),
]


def main():
    OUT.mkdir(exist_ok=True)
    for name, cells in [("01_automobile_price_tutorial.ipynb", NB1),
                        ("02_binary_classification.ipynb", NB2),
                        ("03_your_data_and_components.ipynb", NB3)]:
        nb = nbf.v4.new_notebook()
        nb.cells = cells
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbf.write(nb, OUT / name)
        print("wrote", name)


if __name__ == "__main__":
    main()
