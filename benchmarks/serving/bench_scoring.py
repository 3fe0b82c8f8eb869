"""Real-time scoring benchmark: jupyter-designer endpoints against `mlflow models serve`.

One pipeline per learner family, trained in the same run of this script, each served by
`jupyter designer serve` (the whole real-time inference pipeline: column selection, cleaning,
the model) and its trained model by `mlflow models serve` (given already-clean rows), side by
side: regression (Linear Regression; Boosted Decision Tree Regression, LightGBM), two-class
(Two-Class Boosted Decision Tree, LightGBM), multiclass (Multiclass Decision Forest),
clustering (K-Means), anomaly detection (PCA-Based Anomaly Detection), and the advanced
automobile sample, whose endpoint scores with two regressors and answers two Web Service
Outputs (MLflow serves one of its two models). A load generator (wrk when installed, else a
threaded Python client) sends one-row and 100-row requests on keep-alive connections on
loopback and reports requests per second, p50/p99 latency, server CPU per request, and the
designer/MLflow ratios.

    python benchmarks/serving/bench_scoring.py [--quick] [--workers 1] [--mlflow-python PY]
        [--cases linear,lightgbm,...] [--concurrency 1,8]

MLflow is optional: without it (or ``--no-mlflow``) the MLflow side is skipped with a
message. ``--mlflow-python`` names another interpreter that has mlflow installed (the model
is saved and served there). Results go to benchmarks/results/serving.json; a markdown table
is printed for the README.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results" / "serving.json"
DATASET = "Automobile price data (Raw)"


# -- setup --------------------------------------------------------------------------------------
def automobile_pipeline(ws):
    """The basic automobile price sample (it ships with the package), as a new draft."""
    from jupyter_designer.api import load_sample

    return load_sample("Automobile price prediction (basic)", workspace=ws)


def learner_pipeline(ws, name, dataset, learner, label, drop=(), task="supervised"):
    """dataset -> [Select Columns] -> Clean Missing Data (remove rows) -> train -> score."""
    from jupyter_designer.engine.pipeline import Pipeline

    p = Pipeline(name, workspace=ws)
    src = p.add_dataset(dataset)
    port = None
    if drop:
        sel = p.add_component("Select Columns in Dataset", {"select_columns": {
            "begin_with": "all", "rules": [{"action": "exclude", "by": "names", "values": list(drop)}]}})
        p.connect(src, None, sel, "dataset")
        src, port = sel, "results_dataset"
    clean = p.add_component("Clean Missing Data", {"cleaning_mode": "Remove entire row",
                                                   "columns_to_be_cleaned": {"begin_with": "all", "rules": []}})
    p.connect(src, port, clean, "dataset")
    lr = p.add_component(learner, {"number_of_centroids": 3} if task == "clustering" else {})
    if task == "clustering":
        tm, sm = p.add_component("Train Clustering Model"), p.add_component("Assign Data to Clusters")
    elif task == "anomaly":
        tm, sm = p.add_component("Train Anomaly Detection Model"), p.add_component("Score Model")
    else:
        tm, sm = p.add_component("Train Model", {"label_column": label}), p.add_component("Score Model")
    p.connect(lr, None, tm, None)
    p.connect(clean, "cleaned_dataset", tm, "dataset")
    p.connect(tm, "trained_model", sm, "trained_model")
    p.connect(clean, "cleaned_dataset", sm, "dataset")
    return p


#: key -> (family, learner, dataset, label, columns left out, task); "linear" and "two-models"
#: are the basic and advanced automobile samples as they ship
CASES = {
    "linear": ("regression", "Linear Regression", DATASET, "price", (), "supervised"),
    "lightgbm-regression": ("regression (boosted trees)", "Boosted Decision Tree Regression",
                            DATASET, "price", ("normalized-losses",), "supervised"),
    "lightgbm-binary": ("two-class", "Two-Class Boosted Decision Tree",
                        "Adult Census Income Binary Classification dataset", "income", (), "supervised"),
    "forest-multiclass": ("multiclass", "Multiclass Decision Forest", "Wine Data", "Class", (),
                          "supervised"),
    "kmeans": ("clustering", "K-Means Clustering", "Iris Data", "Class", ("Class",), "clustering"),
    "pca-anomaly": ("anomaly detection", "PCA-Based Anomaly Detection", "Breast Cancer Data",
                    "Class", ("Class",), "anomaly"),
    "two-models": ("two models, two outputs", "Decision Forest + Boosted Decision Tree Regression",
                   DATASET, "price", (), "supervised"),
}


def build_case(ws, key):
    """Train and deploy one case: its endpoint name, key, request rows, model for MLflow."""
    from jupyter_designer import serving
    from jupyter_designer.api import load_sample
    from jupyter_designer.engine.runner import Runner
    from jupyter_designer.serving import tables

    family, learner, dataset, label, drop, task = CASES[key]
    if key == "linear":
        p = automobile_pipeline(ws)
    elif key == "two-models":
        p = load_sample("Automobile price prediction (advanced)", workspace=ws)
    else:
        p = learner_pipeline(ws, f"bench {key}", dataset, learner, label, drop, task)
    h = Runner(ws).submit(p, "bench")
    rec = ws.get_run(h.run_id)
    assert rec.status == "completed", {k: n.error for k, n in rec.nodes.items() if n.error}
    info = serving.deploy(ws, key, run_id=h.run_id)
    train_node = next(n.id for n in p.nodes.values() if n.kind == "component"
                      and n.component.startswith("train_"))
    model = ws.run_output(h.run_id, train_node, "trained_model")
    raw = ws.get_dataset(dataset)
    if task == "supervised":   # requests carry no label (clustering and anomaly keep the column)
        raw = raw.drop(columns=[c for c in (label,) if c in raw.columns])
    complete = raw.drop(columns=[c for c in ("normalized-losses",) if c in raw.columns]).dropna()
    rows = tables.frame_records(raw.loc[complete.index[:200]])
    return {"key": key, "family": family, "learner": learner, "model": model,
            "fast_path": info["versions"][-1]["fast_path"],
            "fast_path_note": info.get("fast_path_note") or info["versions"][-1].get("fast_path_note"),
            "api_key": serving.endpoint_keys(ws, key)["primaryKey"],
            "rows": {1: rows[:1], 100: (rows * 100)[:100]}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port, path, timeout=180, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            log = getattr(proc, "log_path", None)
            text = (proc.stdout.read() if proc.stdout else "") or (Path(log).read_text() if log else "")
            raise RuntimeError(f"the server exited: {text}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            c.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"port {port} did not answer within {timeout}s")


def process_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (the server workers)."""
    try:
        import psutil
    except ImportError:
        return float("nan")
    try:
        p = psutil.Process(pid)
        procs = [p] + p.children(recursive=True)
        total = 0.0
        for q in procs:
            try:
                t = q.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                pass
        return total
    except psutil.Error:
        return float("nan")


# -- the load generator ----------------------------------------------------------------------------
def load(port: int, path: str, body: bytes, headers: dict, *, concurrency: int, requests: int,
         check) -> dict:
    per_thread = max(1, requests // concurrency)
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(concurrency + 1)

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        start.wait()
        for _ in range(per_thread):
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                r = conn.getresponse()
                data = r.read()
                if r.status != 200 or not check(data):
                    errors.append(f"{r.status}: {data[:200]!r}")
            except (OSError, http.client.HTTPException) as exc:
                errors.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append(time.perf_counter() - t0)
        conn.close()
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat.sort()
    n = len(lat)
    return {"requests": n, "errors": len(errors), "first_error": errors[0] if errors else None,
            "seconds": wall, "rps": n / wall if wall else 0.0,
            "p50_ms": 1e3 * lat[n // 2] if n else None,
            "p99_ms": 1e3 * lat[min(n - 1, int(n * 0.99))] if n else None,
            "mean_ms": 1e3 * statistics.fmean(lat) if n else None}


_WRK_SCRIPT = """
wrk.method = "POST"
local f = assert(io.open(os.getenv("JD_BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("JD_BENCH_AUTH")
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("JDRESULT %d %d %d %.1f %.1f %.1f\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
"""


def load_wrk(port: int, path: str, body: bytes, headers: dict, *, concurrency: int,
             seconds: float) -> dict:
    """The same measurement with wrk (a C load generator: it leaves the cores to the server),
    bounded by time: ``seconds`` of requests on ``concurrency`` keep-alive connections."""
    with tempfile.TemporaryDirectory(prefix="designer-wrk-") as d:
        script, data = Path(d) / "post.lua", Path(d) / "body.json"
        script.write_text(_WRK_SCRIPT)
        data.write_bytes(body)
        env = dict(os.environ, JD_BENCH_BODY=str(data), JD_BENCH_AUTH=headers.get("Authorization", ""))
        cmd = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
               "-s", str(script), f"http://127.0.0.1:{port}{path}"]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("JDRESULT")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    n, errors, duration_us, p50, p99, mean = line.split()[1:]
    n, wall = int(n), int(duration_us) / 1e6
    return {"requests": n, "errors": int(errors), "first_error": "non-200 or socket errors (wrk)"
            if int(errors) else None, "seconds": wall, "rps": n / wall if wall else 0.0,
            "p50_ms": float(p50) / 1e3, "p99_ms": float(p99) / 1e3, "mean_ms": float(mean) / 1e3}


def run_matrix(name, port, pid, path, bodies, headers, check, concurrencies, counts,
               client: str = "python", seconds: float = 5.0) -> list:
    out = []
    for rows, body in bodies.items():
        # warm up (first requests load and compile; then a short burst on every worker)
        load(port, path, body, headers, concurrency=1, requests=20, check=check)
        if client == "wrk":
            load_wrk(port, path, body, headers, concurrency=8, seconds=2)
        else:
            load(port, path, body, headers, concurrency=8, requests=counts[rows], check=check)
        for c in concurrencies:
            n = counts[rows] if c == 1 else counts[rows] * 2
            cpu0 = process_cpu(pid)
            if client == "wrk":
                res = load_wrk(port, path, body, headers, concurrency=c, seconds=seconds)
            else:
                res = load(port, path, body, headers, concurrency=c, requests=n, check=check)
            cpu = process_cpu(pid) - cpu0
            res.update({"server": name, "rows": rows, "concurrency": c, "client": client,
                        "server_cpu_ms_per_request": 1e3 * cpu / res["requests"] if res["requests"] else None})
            print(f"  {name:<10} rows={rows:<4} c={c:<3} {res['rps']:8.1f} req/s  p50 {res['p50_ms']:7.2f} ms  "
                  f"p99 {res['p99_ms']:7.2f} ms  cpu/req {res['server_cpu_ms_per_request']:.2f} ms"
                  + (f"  ERRORS {res['errors']}: {res['first_error']}" if res["errors"] else ""),
                  flush=True)
            out.append(res)
    return out


# -- the two servers --------------------------------------------------------------------------------
def start_designer(ws_path, workers):
    cmd = [sys.executable, "-m", "jupyter_designer.server.standalone", "--workspace", str(ws_path),
           "--port", "0", "--workers", str(workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = proc.stdout.readline()
    port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
    # keep reading what it logs, so a full pipe never stalls it
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    wait_http(port, "/designer/health", proc=proc)
    # every worker has compiled the endpoint before anything is timed
    ready, deadline = set(), time.time() + 300
    while len(ready) < workers:
        if time.time() > deadline:
            raise RuntimeError(f"only {len(ready)} of {workers} workers became ready")
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)   # a new connection
        c.request("GET", "/designer/health")
        health = json.loads(c.getresponse().read())
        c.close()
        if health.get("ready"):
            ready.add(health["pid"])
        else:
            time.sleep(0.2)
    return proc, port


def mlflow_python(args) -> str | None:
    if args.no_mlflow:
        return None
    if args.mlflow_python:
        return args.mlflow_python
    try:
        import mlflow  # noqa: F401
    except ImportError:
        return None
    return sys.executable


def start_mlflow(py, model, tmp: Path, port: int):
    """Save the scikit-learn estimator as an MLflow model (with that interpreter) and serve it."""
    import pickle

    pkl = tmp / "estimator.pkl"
    pkl.write_bytes(pickle.dumps(model.estimator))
    mdir = tmp / "mlflow-model"
    code = ("import pickle, sys, mlflow.sklearn\n"
            f"est = pickle.load(open({str(pkl)!r}, 'rb'))\n"
            # pickled as MLflow's own cloudpickle format: its default (skops) refuses
            # LightGBM's types
            f"mlflow.sklearn.save_model(est, {str(mdir)!r}, serialization_format='cloudpickle')\n")
    done = subprocess.run([py, "-c", code], capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise RuntimeError(f"saving the MLflow model failed:\n{done.stderr[-2000:]}")
    bindir = Path(py).parent
    mlflow_cli = shutil.which("mlflow", path=str(bindir)) or shutil.which("mlflow")
    cmd = [mlflow_cli, "models", "serve", "-m", str(mdir), "-h", "127.0.0.1", "-p", str(port),
           "--env-manager", "local", "--workers", "1"]
    env = {**os.environ, "PATH": f"{bindir}:{os.environ.get('PATH', '')}"}
    # its access log goes to a file: a pipe nobody reads fills up and stalls the server
    log_path = tmp / "mlflow-serve.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, text=True, env=env,
                                start_new_session=True)
    proc.log_path = log_path
    wait_http(port, "/ping", proc=proc)
    return proc


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM) if os.getpgid(proc.pid) == proc.pid else proc.terminate()
    except (ProcessLookupError, PermissionError):
        proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


def markdown(results: list, cases: list, mlflow_note: str | None) -> str:
    by = {(r["case"], r["server"], r["rows"], r["concurrency"]): r for r in results}
    lines = ["| pipeline (learner family) | scoring path | rows | conc. | designer req/s | "
             "designer p50 / p99 (ms) | MLflow req/s | MLflow p50 / p99 (ms) | req/s ratio |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    keys = sorted({(r["rows"], r["concurrency"]) for r in results})
    for case in cases:
        for rows, c in keys:
            d = by.get((case["key"], "designer", rows, c))
            m = by.get((case["key"], "mlflow", rows, c))
            if d is None:
                continue
            ratio = f"{d['rps'] / m['rps']:.1f}x" if m and m["rps"] else "-"
            lines.append(
                f"| {case['learner']} ({case['family']}) | {case['fast_path'] or 'faithful'} | {rows} | "
                f"{c} | {d['rps']:.0f} | {d['p50_ms']:.2f} / {d['p99_ms']:.2f} | "
                + (f"{m['rps']:.0f} | {m['p50_ms']:.2f} / {m['p99_ms']:.2f} | " if m else "- | - | ")
                + f"{ratio} |")
    if mlflow_note:
        lines.append(f"\n{mlflow_note}")
    return "\n".join(lines)


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="short cells (a smoke run)")
    ap.add_argument("--workers", type=int, default=1, help="designer worker processes")
    ap.add_argument("--mlflow-python", help="a Python interpreter with mlflow installed")
    ap.add_argument("--no-mlflow", action="store_true")
    ap.add_argument("--output", default=str(RESULTS))
    ap.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                    help="load generator: wrk (Debian's wrk; time-bounded, leaves the cores to "
                         "the servers) or a threaded Python client; auto: wrk when installed")
    ap.add_argument("--seconds", type=float, default=3.0, help="seconds per cell with wrk")
    ap.add_argument("--cases", default=",".join(CASES),
                    help=f"comma-separated pipelines to measure, of: {', '.join(CASES)}")
    ap.add_argument("--concurrency", default="1", help="comma-separated connection counts")
    args = ap.parse_args(argv)
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    if client == "wrk" and not shutil.which("wrk"):
        ap.error("--client wrk needs wrk on PATH (apt-get install -y wrk)")
    wanted = [k.strip() for k in args.cases.split(",") if k.strip()]
    unknown = [k for k in wanted if k not in CASES]
    if unknown:
        ap.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    try:
        concurrencies = tuple(int(c) for c in args.concurrency.split(","))
    except ValueError:
        ap.error(f"--concurrency takes numbers separated by commas, got {args.concurrency!r}")
    seconds = 1.0 if args.quick else args.seconds
    print(f"load generator: {client}; load average before: {load_average()}", flush=True)
    counts = {1: 200, 100: 40} if args.quick else {1: 2000, 100: 300}

    from jupyter_designer.store import Workspace

    tmp = Path(tempfile.mkdtemp(prefix="designer-bench-"))
    procs = []
    try:
        ws = Workspace(tmp / "ws")
        cases = []
        for key in wanted:
            case = build_case(ws, key)
            print(f"{key}: {case['learner']} ({case['family']}), scoring path "
                  f"{case['fast_path'] or 'faithful'}", flush=True)
            cases.append(case)
        ws.close()

        mlflow_note = None
        py = mlflow_python(args)
        if py is None:
            mlflow_note = ("MLflow side skipped: mlflow is not installed (pip install mlflow, or pass "
                           "--mlflow-python with an interpreter that has it).")
            print(mlflow_note, flush=True)
        print(f"designer: jupyter designer serve, {args.workers} worker(s)", flush=True)
        proc, port = start_designer(tmp / "ws", args.workers)
        procs.append(proc)
        results = []
        # each case on both servers back to back, so both meet the same load on this machine
        for case in cases:
            bodies = {n: json.dumps({"Inputs": {"WebServiceInput0": r}, "GlobalParameters": {}}).encode()
                      for n, r in case["rows"].items()}
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {case['api_key']}"}
            print(f"{case['key']}:", flush=True)
            res = run_matrix("designer", port, proc.pid, f"/designer/endpoints/{case['key']}/score",
                             bodies, headers, lambda b: b.startswith(b'{"Results"'), concurrencies,
                             counts, client, seconds)
            if py is not None:
                mport = free_port()
                mdir = tmp / f"mlflow-{case['key']}"
                mdir.mkdir()
                mproc = start_mlflow(py, case["model"], mdir, mport)
                procs.append(mproc)
                feats = case["model"].feature_columns
                mbodies = {n: json.dumps({"dataframe_split": {"columns": feats,
                                                              "data": [[r[c] for c in feats] for r in rs]}}).encode()
                           for n, rs in case["rows"].items()}
                res += run_matrix("mlflow", mport, mproc.pid, "/invocations", mbodies,
                                  {"Content-Type": "application/json"},
                                  lambda b: b"predictions" in b, concurrencies, counts,
                                  client, seconds)
                stop(mproc)
            for r in res:
                r["case"] = case["key"]
            results += res
        stop(proc)
        load = load_average()
        doc = {"benchmark": "real-time scoring, one pipeline per learner family and a "
                            "two-model pipeline", "quick": args.quick,
               "designer_workers": args.workers,
               "cases": [{k: c[k] for k in ("key", "family", "learner", "fast_path", "fast_path_note")}
                         for c in cases],
               "load_generator": client, "load_average_after": load,
               "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "platform": platform.platform()},
               "mlflow": mlflow_note or "measured", "results": results,
               "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(doc, indent=2) + "\n")
        print()
        print(markdown(results, cases, mlflow_note))
        print(f"\nload average after: {load}")
        print(f"Wrote {out}")
        bad = [r for r in results if r["errors"]]
        return 1 if bad else 0
    finally:
        for proc in procs:
            stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
