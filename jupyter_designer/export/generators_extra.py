"""Code generators of the Python export for the components beyond the classic palette: Train
AutoML Model (the winning learner, trained as Train Model trains it) and Execute R Script (the
R code run verbatim by ``Rscript``).

Train AutoML Model is exported from a completed run only: the script trains the learner the
search chose, with the settings it found (the run's output model records them), and reports the
search's own metrics as the run recorded them; no search runs in the script.

Execute R Script writes its input tables to CSV files with their column types, runs the R code
as written through ``Rscript`` with the component's driver, and reads the result tables back:
the exchange of :mod:`jupyter_designer.components.r_language`, whose functions the script
carries (copied from that module when exporting, so the two never drift apart).
"""

from __future__ import annotations

import inspect
import textwrap

from .script_code import NodeCode, Step, _lit, _var, generator, learner_code
from .script_code import one_input as _one_input


# -- Train AutoML Model ----------------------------------------------------------------------------
@generator("train_automl_model")
def _train_automl_model(g: NodeCode) -> Step:
    from jupyter_designer.components.ml_algorithms import make_untrained

    ex = g.export
    run = ex.run
    rec = run.nodes.get(g.node.id) if run is not None else None
    if run is None or ex.workspace is None or rec is None or \
            rec.status not in ("completed", "reused"):
        raise g.fail("the learner and settings it trains are known only after its search ran. "
                     "Run the pipeline and export the completed run instead.")
    model = ex.workspace.run_output(run.id, g.node.id, "trained_best_model")
    info = dict((getattr(model, "info", {}) or {}).get("automl") or {})
    if not info:
        raise g.fail(f"the output of run {run.id} does not say which learner won; run the "
                     "pipeline again and export the new run.")
    label = g.params.get("label_column")
    if label is None:
        raise g.fail("set its 'Label column' parameter.")
    label = g.columns("label_column", "dataset")[0]
    seed = int(g.params.get("random_seed") or 0)
    untrained = make_untrained(info["learner"], seed=seed, **dict(info["parameters"]))
    imports: set = set()
    learner = f"{_var(g.node.id)}_learner"
    metrics = f"{_var(g.node.id)}_metrics"
    code = learner_code(untrained, imports, g.title, add_source=g.export.add_source).replace("\n", "\n" + " " * (len(learner) + 3))
    recorded = {k: v for k, v in (rec.metrics or {}).items()
                if isinstance(v, (int, float)) and not isinstance(v, bool)}
    lines = [f"# the winner of the AutoML search of run {run.id}: {info['learner']}",
             f"# with the settings it found ({info['metric']} {info['metric_value']:.6g} in "
             f"{info.get('trials', '?')} trials), trained on the whole dataset as Train Model "
             "trains",
             f"{learner} = {code}",
             f"{g.out('trained_best_model')} = fit_learner({learner}, "
             f"{_one_input(g, 'dataset')}, {label!r})",
             "# the search's own metrics, as the run recorded them (no search runs here)",
             f"{metrics} = {_lit(recorded)}"]
    board = g.outputs.get("leaderboard")
    if board:
        lines.append(f"{board} = None  # the leaderboard of the search is in the run")
    return Step("\n".join(lines), helpers=("fit_learner",), imports=tuple(imports),
                metrics=metrics)


# -- Execute R Script ------------------------------------------------------------------------------
def _r_exchange_source() -> str:
    """The functions an exported script runs R code with: the component's own table exchange
    and driver, as code."""
    from jupyter_designer.components import r_language as r

    parts = [f"R_INT32 = {r._INT32}",
             "# the component's R driver: reads the tables, runs azureml_main, writes its result",
             _raw_literal("R_DRIVER", r._DRIVER)]
    for fn in (r._r_type, r._write_table, r._read_table):
        src = textwrap.dedent(inspect.getsource(fn)).rstrip()
        src = src.replace("ComponentError", "RuntimeError").replace("_INT32", "R_INT32")
        for old, new in (("_r_type(", "r_type("), ("_write_table(", "r_write_table("),
                         ("_read_table(", "r_read_table(")):
            src = src.replace(old, new)
        parts.append(src)
    parts.append(_RUN_R_SCRIPT)
    return "\n\n\n".join(parts)


_RUN_R_SCRIPT = '''def run_r_script(source, dataframe1=None, dataframe2=None, seed=None):
    """Execute R Script: ``source``'s azureml_main run by Rscript on the tables; the
    (Result Dataset, Result Dataset2) pair it returns."""
    import os
    import shutil
    import subprocess
    import tempfile

    program = os.environ.get("JUPYTER_DESIGNER_RSCRIPT") or shutil.which("Rscript")
    if not program:
        raise RuntimeError("Execute R Script needs R: install it (e.g. apt-get install -y "
                           "r-base-core) or set JUPYTER_DESIGNER_RSCRIPT to an Rscript program.")
    folder = tempfile.mkdtemp(prefix="script-r-")
    try:
        with open(os.path.join(folder, "script.R"), "w", encoding="utf-8") as f:
            f.write(source if source.endswith("\\n") else source + "\\n")
        with open(os.path.join(folder, "driver.R"), "w", encoding="utf-8") as f:
            f.write(R_DRIVER)
        for name, df in (("input1", dataframe1), ("input2", dataframe2)):
            if df is not None:
                r_write_table(df, folder, name)
        env = {**os.environ, "DESIGNER_R_SEED": "" if seed is None else str(int(seed))}
        proc = subprocess.run([program, "--vanilla", os.path.join(folder, "driver.R"), folder],
                              cwd=folder, env=env, capture_output=True, text=True,
                              encoding="utf-8", errors="replace")
        if proc.stdout.strip():
            print(proc.stdout.rstrip())
        error_file = os.path.join(folder, "error.txt")
        if os.path.exists(error_file):
            with open(error_file, encoding="utf-8", errors="replace") as f:
                line, *message = f.read().split("\\n")
            where = f" at line {line}" if line.strip() else ""
            raise RuntimeError(f"the R script failed{where}: {chr(10).join(message).strip()}")
        if proc.returncode != 0:
            raise RuntimeError(f"R stopped with exit status {proc.returncode}: "
                               f"{proc.stderr.strip()[-2000:]}")
        first = r_read_table(folder, "dataset1")
        second = r_read_table(folder, "dataset2")
        return (first if first is not None else pd.DataFrame(),
                second if second is not None else pd.DataFrame())
    finally:
        shutil.rmtree(folder, ignore_errors=True)'''


@generator("execute_r_script")
def _execute_r_script(g: NodeCode) -> Step:
    if "script_bundle" in g.inputs:
        raise g.fail("a script bundle input has no Python generator yet; put the bundle's R "
                     "code into the script.")
    g.export.add_source("run_r_script", _r_exchange_source())
    source = f"{_var(g.node.id)}_r_code"
    code = g.params["r_script"]
    args = [source, g.inputs.get("dataset1", "None"), g.inputs.get("dataset2", "None")]
    seed = g.params.get("random_seed")
    if seed is not None:
        args.append(f"seed={int(seed)}")
    text = ("# the R script as written in the designer, run by Rscript\n"
            f"{source} = {_r_literal(code)}\n"
            f"{g.out('result_dataset')}, {g.out('result_dataset2')} = "
            f"run_r_script({', '.join(args)})")
    return Step(text, imports=("import os", "import shutil", "import subprocess",
                               "import tempfile"))


def _raw_literal(name: str, text: str) -> str:
    if "'''" not in text and not text.endswith("\\"):
        return f"{name} = r'''" + text + "'''"
    return f"{name} = {text!r}"


def _r_literal(code: str) -> str:
    """R code as a readable Python string literal (a triple-quoted raw string when it can)."""
    if '"""' not in code and not code.endswith("\\") and "\r" not in code:
        return 'r"""' + code + '"""'
    return repr(code)
