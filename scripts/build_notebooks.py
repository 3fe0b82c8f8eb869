"""Write the tutorial notebooks (notebooks/*.ipynb) from this script, unexecuted.

Run ``python scripts/build_notebooks.py`` after editing; CI executes them with nbval.
"""

import copy
import hashlib
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

# the cell lines that wait for `jupyter designer serve` to answer (notebooks 04 and 05)
WAIT_FOR_SERVER = """try:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{root}/designer/health", timeout=5):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start:\\n" + log_path.read_text())
            time.sleep(0.2)
except BaseException:
    server.terminate()
    server.wait(30)
    raise
"""

#: notebooks 04 and 05 start from the same trained automobile price run
TRAIN_AUTOMOBILE = code("""
from jupyter_designer import serving

training = jd.load_sample("Automobile price prediction (basic)", workspace=ws)
run = jd.submit(training, experiment="automobile-price", workspace=ws)
assert run.record().status == "completed"
{k: round(v, 3) for k, v in run.metrics.items()}
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


NB4 = [
    md("""
# 04 · Deploy and call a real-time endpoint

Once a training pipeline does what you want, the designer turns it into a **real-time
inference pipeline** and deploys it as a **real-time endpoint**: a REST service that prices a
car the moment a client sends its specifications. On the canvas: select a completed run,
choose **Create inference pipeline → Real-time inference pipeline**, **Submit** it, then
**Deploy**. This notebook does the same in code, then calls the endpoint the way any
program would: over HTTP, with an API key.
"""),
    SETUP,
    md("## Train the model\n\nThe basic automobile price sample: clean the raw data, train a Linear Regression on 70% of it, score and evaluate on the rest."),
    TRAIN_AUTOMOBILE,
    md("""
## Create the real-time inference pipeline

The conversion follows the reference designer: the trained model becomes an `MD-` dataset
node, the fitted Clean Missing Data becomes a `TD-` transformation applied by **Apply
Transformation**, Split Data and Evaluate Model are removed, and a **Web Service Input** and
**Web Service Output** mark where requests enter and answers leave.
"""),
    code("""
inference = serving.create_inference(ws, run.run_id)
assert inference.validate() == []
titles = [n.title for n in inference.nodes.values()]
assert "Web Service Input" in titles and "Web Service Output" in titles
titles
"""),
    md("It is an ordinary draft: open it on the canvas to look at it or edit it before deploying."),
    code("jd.Designer(inference, workspace=ws)"),
    md("Submit the inference pipeline once, as you would on the canvas; the Web Service Input passes the raw training data through, so every node gets checked end to end."),
    code("""
inference_run = jd.submit(inference, experiment="automobile-price-inference", workspace=ws)
statuses = {n.title: n.status for n in inference_run.record().nodes.values()}
assert set(statuses.values()) <= {"completed", "reused"}, statuses   # reused: unchanged since an earlier run
statuses
"""),
    md("""
## Deploy

Deploying compiles the pipeline for fast scoring and stores the endpoint in the workspace,
so every process serving the workspace (a Jupyter server, `jupyter designer serve`) answers
it, and it survives restarts.
"""),
    code("""
endpoint = serving.deploy(ws, "automobile-price", run_id=inference_run.run_id,
                          description="Price of a car from its specifications")
assert endpoint["state"] == "Healthy" and endpoint["version"] == 1
{k: endpoint[k] for k in ("name", "version", "state", "compute_type")}
"""),
    code("[(e['name'], e['version'], e['state']) for e in serving.list_endpoints(ws)]"),
    md("Every endpoint has a primary and a secondary API key. Clients send one of them; two keys let you rotate one while clients use the other."),
    code("""
keys = serving.endpoint_keys(ws, "automobile-price")
assert set(keys) == {"primaryKey", "secondaryKey"} and keys["primaryKey"] != keys["secondaryKey"]
{name: key[:6] + "…" for name, key in keys.items()}   # keys are secrets: don't print them whole
"""),
    md("""
## Score in the notebook

A scoring request has the reference designer's shape: the rows go under the name of the
Web Service Input, the answer comes back under the name of the Web Service Output, each row
with a `Scored Labels` column. `serving.score` answers it right here, without HTTP or a key;
handy to check an endpoint before handing it to others.
"""),
    code("""
import json

import numpy as np
import pandas as pd

raw = ws.get_dataset("Automobile price data (Raw)")
cars = raw.dropna().head(3)
rows = json.loads(cars.drop(columns="price").to_json(orient="records"))   # JSON-ready values
request = {"Inputs": {"WebServiceInput0": rows}, "GlobalParameters": {}}

result = serving.score(ws, "automobile-price", request)["Results"]["WebServiceOutput0"]
assert len(result) == 3 and "Scored Labels" in result[0]
pd.DataFrame(result)[["make", "body-style", "horsepower", "Scored Labels"]].assign(price=cars["price"].to_numpy())
"""),
    md("""
## Serve it over HTTP

`jupyter designer serve` serves every real-time endpoint of a workspace without JupyterLab
(the Jupyter server extension serves the same routes under the server's base URL). Start it
in the background on a free port of 127.0.0.1 with two worker processes:
"""),
    code("""
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
import tempfile
import time
import urllib.error
import urllib.request

with socket.socket() as s:             # ask the OS for a free port
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
root = f"http://127.0.0.1:{port}"
base = f"{root}/designer/endpoints/automobile-price"

# the `jupyter` next to this kernel's Python, so the server runs in the same environment
jupyter = shutil.which("jupyter", path=os.path.dirname(sys.executable)) or "jupyter"
log_path = Path(tempfile.mkdtemp()) / "serve.log"   # the server's own messages
with open(log_path, "wb") as log:
    server = subprocess.Popen([jupyter, "designer", "serve", "--workspace", str(ws.path),
                               "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
                              stdout=log, stderr=subprocess.STDOUT)
""" + WAIT_FOR_SERVER + """print("serving at", base)
"""),
    md("A small helper posts JSON and returns the HTTP status and the JSON answer; error answers carry a JSON body too, saying what is wrong."),
    code("""
def call(url, body=None, key=None):
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers=headers,
                                 method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)
"""),
    md("### The reference format: `POST .../score`"),
    code("""
status, answer = call(f"{base}/score", request, key=keys["primaryKey"])
assert status == 200, answer
scored = answer["Results"]["WebServiceOutput0"]
np.testing.assert_allclose([r["Scored Labels"] for r in scored], [r["Scored Labels"] for r in result])
[(r["make"], round(r["Scored Labels"])) for r in scored]
"""),
    md("The client code for other languages and tools is generated for you (the designer's endpoint page shows the same):"),
    code("""
snippets = serving.endpoint_snippets("automobile-price", root, workspace=ws)
print(snippets["curl"][:400], "...")
"""),
    md("""
### The MLflow scoring protocol: `POST .../invocations`

Tools that speak MLflow's protocol can call the endpoint too; `dataframe_split` is what
`DataFrame.to_json(orient="split")` writes.
"""),
    code("""
split = json.loads(cars.drop(columns="price").to_json(orient="split", index=False))
status, answer = call(f"{base}/invocations", {"dataframe_split": split}, key=keys["primaryKey"])
assert status == 200, answer
np.testing.assert_allclose([r["Scored Labels"] for r in answer["predictions"]],
                           [r["Scored Labels"] for r in result])
[round(r["Scored Labels"]) for r in answer["predictions"]]
"""),
    md("""
### The Open Inference Protocol (KServe V2): `.../v2/models/<name>/infer`

The model metadata lists one typed input tensor per column; the request sends one tensor
per column, and asks for just the `Scored Labels` output.
"""),
    code("""
status, metadata = call(f"{base}/v2/models/automobile-price", key=keys["primaryKey"])
assert status == 200, metadata
tensors = [{"name": t["name"], "datatype": t["datatype"], "shape": [len(cars)],
            "data": cars[t["name"]].tolist()} for t in metadata["inputs"]]
status, answer = call(f"{base}/v2/models/automobile-price/infer",
                      {"inputs": tensors, "outputs": [{"name": "Scored Labels"}]}, key=keys["primaryKey"])
assert status == 200, answer
prices = answer["outputs"][0]
assert prices["name"] == "Scored Labels" and prices["shape"] == [3]
np.testing.assert_allclose(prices["data"], [r["Scored Labels"] for r in result])
[round(p) for p in prices["data"]]
"""),
    md("## Keys\n\nWithout a key, or with a wrong one, the endpoint answers 401 and scores nothing:"),
    code("""
status, answer = call(f"{base}/score", request, key="not-the-key")
assert status == 401, answer
status, answer
"""),
    md("Regenerate a key when it may have leaked: from then on the old key is refused by every worker, while the other key keeps working, so clients can move over without downtime."),
    code("""
old_primary = keys["primaryKey"]
keys = serving.regenerate_key(ws, "automobile-price", "primary")
assert keys["primaryKey"] != old_primary
assert call(f"{base}/score", request, key=old_primary)[0] == 401
assert call(f"{base}/score", request, key=keys["primaryKey"])[0] == 200
assert call(f"{base}/score", request, key=keys["secondaryKey"])[0] == 200
"""),
    md("A request the pipeline cannot score is a 400 that says what is wrong, here a value of the wrong type:"),
    code("""
bad = {"Inputs": {"WebServiceInput0": [dict(rows[0], horsepower="a lot")]}, "GlobalParameters": {}}
status, answer = call(f"{base}/score", bad, key=keys["primaryKey"])
assert status == 400, answer
answer["error"]
"""),
    md("## Clean up\n\nStop the server (by its own process id; it stops its workers), then delete the endpoint if you no longer need it; leave out the last two lines to keep it."),
    code("""
server.terminate()
try:
    server.wait(30)
finally:
    if server.poll() is None:
        server.kill()
        server.wait(10)
assert server.returncode is not None
serving.delete_endpoint(ws, "automobile-price")
assert serving.list_endpoints(ws) == []
"""),
]

NB5 = [
    md("""
# 05 · Batch inference through a published pipeline endpoint

A **batch inference pipeline** scores a whole dataset at once. The designer derives it from
a training run, as it does the real-time one, but the dataset to score is a **pipeline
parameter**. Publish it to a **pipeline endpoint** and anyone (a colleague, a nightly job,
another service) can submit a run of it with their own dataset, through Python or REST,
without opening the pipeline. On the canvas: select a completed run, choose **Create
inference pipeline → Batch inference pipeline**, then **Publish**.
"""),
    SETUP,
    md("## Train the model"),
    TRAIN_AUTOMOBILE,
    md("""
## Create the batch inference pipeline

As for real-time inference, the trained model becomes an `MD-` node and the fitted Clean
Missing Data a `TD-` node applied by Apply Transformation. The training dataset stays, bound
to the pipeline parameter `input_data`, whose default is the training dataset.
"""),
    code("""
batch = serving.create_batch_inference(ws, run.run_id, name="Automobile price batch scoring")
assert batch.validate() == []
parameter = batch.parameters["input_data"]
assert parameter.type == "dataset"
parameter.as_dict()
"""),
    code("jd.Designer(batch, workspace=ws)"),
    md("""
## Publish it to a pipeline endpoint

A pipeline endpoint is a name that holds versions of a published pipeline, one of them the
default. Publishing to a name that does not exist yet creates the endpoint; its first
version becomes the default.
"""),
    code("""
endpoints = serving.PipelineEndpoints(ws)
v1 = serving.publish(ws, "automobile-price-batch", batch, description="Linear Regression")
assert v1["version"] == "1" and endpoints.get("automobile-price-batch")["default_version"] == "1"
{k: v1[k] for k in ("version", "description", "pipeline_name", "parameters")}
"""),
    md("""
A second version: retrain with a Boosted Decision Tree Regression instead of the Linear
Regression, derive its batch inference pipeline and publish it under the same endpoint.
Clients keep getting version 1, the default, until you say otherwise.
"""),
    code("""
boosted = training.clone()
boosted.remove_node(boosted.node("learner"))
learner = boosted.add_component("Boosted Decision Tree Regression")
boosted.connect(learner, None, "train_model", "untrained_model")
run2 = jd.submit(boosted, experiment="automobile-price", workspace=ws)
assert run2.record().status == "completed"

batch2 = serving.create_batch_inference(ws, run2.run_id, name="Automobile price batch scoring (boosted)")
v2 = serving.publish(ws, "automobile-price-batch", batch2, description="Boosted Decision Tree")
assert v2["version"] == "2" and endpoints.get("automobile-price-batch")["default_version"] == "1"
ws.compare_runs([run.run_id, run2.run_id])
"""),
    code("""
[(v["version"], v["description"], v["pipeline_name"]) for v in endpoints.versions("automobile-price-batch")]
"""),
    md("""
## Register the data to score

Cars to price have no price yet: the dataset parameter takes any registered dataset with the
training data's feature columns, and the label `price` may be left out. The inference
pipeline knows it is the label (its Apply Transformation and Select Columns in Dataset list
it under *Label columns*), so the fitted Clean Missing Data neither requires nor cleans it,
and an unknown price removes no row. Rows with missing *feature* values are still removed,
exactly as in training; a missing feature column is an error that names it.

Here the cars come from the raw data; their list prices are kept aside, out of the
dataset, to check the predictions afterwards.
"""),
    code("""
raw = ws.get_dataset("Automobile price data (Raw)")
stock = raw.sample(20, random_state=7).reset_index(drop=True)
list_prices = stock.pop("price")   # known to us, not to the pipeline
info = ws.register_dataset("Cars to price", stock, description="20 cars of a dealer's stock list")
assert "price" not in ws.get_dataset("Cars to price").columns
info.name, info.version, info.rows
"""),
    md("""
## Submit the endpoint with a parameter assignment

The submission runs the endpoint's default version with `input_data` pointing at the new
dataset. It runs in the background; `wait()` returns the finished run's record.
"""),
    code("""
handle = serving.submit(ws, "automobile-price-batch", parameters={"input_data": "Cars to price"},
                        experiment="batch-scoring")
record = handle.wait(120)
assert record.status == "completed", record.error
assert record.parameters == {"input_data": "Cars to price"} and record.pipeline_name == v1["pipeline_name"]
scored = handle.output("score_model", "scored_dataset")
complete = stock.drop(columns="normalized-losses").notna().all(axis=1)   # the rows training would keep
assert len(scored) == complete.sum() and "price" not in scored.columns
assert scored["Scored Labels"].notna().all() and list_prices[complete].isna().any()
scored[["make", "body-style", "horsepower", "Scored Labels"]].head()
"""),
    md("""
The scored dataset is the columns given plus `Scored Labels`: no price column is made up.
Even the car whose list price nobody knows (missing in the raw data, so training left it
out) gets a predicted price.
"""),
    md("""
## The same submission over REST

A pipeline endpoint's REST API takes the reference designer's body:
`POST <base>/designer/api/pipeline-endpoints/<name>/runs` answers `202 {"run_id": ...}`, and
`GET <base>/designer/api/runs/<run_id>` reports status and outputs. `Version` is optional; without
it the default version runs. In JupyterLab these routes sit behind Jupyter's own token or
login, like every Jupyter REST API.
"""),
    code("""
import json

body = {"ExperimentName": "batch-scoring", "ParameterAssignments": {"input_data": "Cars to price"},
        "Version": "2"}
print(json.dumps(body, indent=2))
"""),
    md("The handler hands those three fields to `serving.submit`; calling it yourself is the Python equivalent:"),
    code("""
handle2 = serving.submit(ws, "automobile-price-batch", parameters=body["ParameterAssignments"],
                         version=body["Version"], experiment=body["ExperimentName"])
record2 = handle2.wait(120)
assert record2.status == "completed" and record2.pipeline_name == v2["pipeline_name"]
boosted_scores = handle2.output("score_model", "scored_dataset")
assert len(boosted_scores) == len(scored)
"""),
    md("When version 2 has proven itself, make it the default: from then on, submissions that name no version run it."),
    code("""
endpoints.set_default("automobile-price-batch", "2")
assert endpoints.get("automobile-price-batch")["default_version"] == "2"
"""),
    md("""
Now submit over real HTTP. `jupyter designer serve` accepts pipeline endpoint submissions
when it is given a token (`--token` or `$JUPYTER_DESIGNER_TOKEN`), which clients send as
`Authorization: token <TOKEN>`. Start it in the background on a free port of 127.0.0.1:
"""),
    code("""
import os
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path
import tempfile
import time
import urllib.error
import urllib.request

with socket.socket() as s:             # ask the OS for a free port
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
root = f"http://127.0.0.1:{port}"
token = secrets.token_hex(16)

jupyter = shutil.which("jupyter", path=os.path.dirname(sys.executable)) or "jupyter"
log_path = Path(tempfile.mkdtemp()) / "serve.log"   # the server's own messages
with open(log_path, "wb") as log:
    server = subprocess.Popen([jupyter, "designer", "serve", "--workspace", str(ws.path),
                               "--host", "127.0.0.1", "--port", str(port)],
                              env={**os.environ, "JUPYTER_DESIGNER_TOKEN": token},
                              stdout=log, stderr=subprocess.STDOUT)
""" + WAIT_FOR_SERVER),
    code("""
def call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", "Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)

nightly = {"ExperimentName": "nightly-scoring", "ParameterAssignments": {"input_data": "Cars to price"}}
status, answer = call("POST", f"{root}/designer/api/pipeline-endpoints/automobile-price-batch/runs", nightly)
assert status == 202, answer
run_id = answer["run_id"]

deadline = time.monotonic() + 120
while True:
    status, run_status = call("GET", f"{root}/designer/api/runs/{run_id}")
    assert status == 200, run_status
    if run_status["status"] != "running" or time.monotonic() > deadline:
        break
    time.sleep(0.3)
assert run_status["status"] == "completed", run_status
assert run_status["pipeline_name"] == v2["pipeline_name"]     # the new default version ran
{k: run_status[k] for k in ("experiment", "pipeline_name", "status", "parameters")}
"""),
    md("A wrong parameter name is refused with a message naming the parameters the version has:"),
    code("""
status, answer = call("POST", f"{root}/designer/api/pipeline-endpoints/automobile-price-batch/runs",
                      {"ParameterAssignments": {"dataset": "Cars to price"}})
assert status == 400 and "input_data" in answer["error"], answer
answer["error"]
"""),
    md("Stop the server by its own process id:"),
    code("""
server.terminate()
try:
    server.wait(30)
finally:
    if server.poll() is None:
        server.kill()
        server.wait(10)
assert server.returncode is not None
"""),
    md("""
## Read the scored output

The run that came in over HTTP is an ordinary run of the workspace: its scored dataset can
be read like any other, here next to the Linear Regression's scores of the same cars.
"""),
    code("""
over_http = ws.run_output(run_id, "score_model", "scored_dataset")
assert list(over_http["Scored Labels"]) == list(boosted_scores["Scored Labels"])
comparison = scored[["make", "body-style"]].assign(
    **{"list price": list_prices[complete].reset_index(drop=True),
       "Linear Regression": scored["Scored Labels"].round(),
       "Boosted Decision Tree": over_http["Scored Labels"].round()})
comparison.head(8)
"""),
    md("Against the list prices kept aside (the car without one is left out of the mean):"),
    code("""
errors = comparison[["Linear Regression", "Boosted Decision Tree"]].sub(comparison["list price"], axis=0).abs()
errors.mean().round()    # mean absolute error on the dealer's stock list
"""),
    md("## Clean up\n\nDelete the pipeline endpoint if you no longer need it (its runs stay in the workspace); skip this cell to keep it."),
    code("""
endpoints.delete("automobile-price-batch")
assert serving.list_pipeline_endpoints(ws) == []
ws.get_run(run_id).status
"""),
]



NOTEBOOKS = [("01_automobile_price_tutorial.ipynb", NB1),
             ("02_binary_classification.ipynb", NB2),
             ("03_your_data_and_components.ipynb", NB3),
             ("04_deploy_realtime_endpoint.ipynb", NB4),
             ("05_batch_inference_pipeline_endpoint.ipynb", NB5)]


def stable_ids(name, cells):
    """Copies of ``cells`` with ids that survive a rebuild, so an unchanged notebook is
    rewritten byte for byte: a cell whose source is unchanged keeps the id it has in the
    notebook on disk; a new or edited cell gets one derived from its notebook, position
    and source."""
    path = OUT / name
    old = nbf.read(path, as_version=4).cells if path.exists() else []
    out = []
    for i, cell in enumerate(cells):
        cell = copy.deepcopy(cell)
        prev = old[i] if i < len(old) else None
        if prev is not None and prev.get("id") and prev.cell_type == cell.cell_type \
                and prev.source == cell.source:
            cell.id = prev.id
        else:
            cell.id = hashlib.sha1(f"{name}\0{i}\0{cell.source}".encode()).hexdigest()[:8]
        out.append(cell)
    return out


def main():
    OUT.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS:
        nb = nbf.v4.new_notebook()
        nb.cells = stable_ids(name, cells)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbf.write(nb, OUT / name)
        print("wrote", name)


if __name__ == "__main__":
    main()
