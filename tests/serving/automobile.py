"""The automobile price regression the serving tests train (the reference's basic sample)."""

from __future__ import annotations

SAMPLE = "Automobile price prediction (basic)"
DATASET = "Automobile price data (Raw)"


def automobile_pipeline(ws):
    """The basic automobile price sample (it ships with the package), as a new draft."""
    from jupyter_designer.api import load_sample

    return load_sample(SAMPLE, workspace=ws)


def node_of(pipeline, component_id):
    return next(n.id for n in pipeline.nodes.values()
                if n.kind == "component" and n.component == component_id)


def train(ws, experiment="autos"):
    """Run the automobile pipeline; returns (pipeline, run id)."""
    from jupyter_designer.engine.runner import Runner

    p = automobile_pipeline(ws)
    h = Runner(ws).submit(p, experiment)
    rec = ws.get_run(h.run_id)
    assert rec.status == "completed", {k: n.error for k, n in rec.nodes.items() if n.error}
    return p, h.run_id


def trained_workspace(folder):
    """A workspace folder at ``folder`` holding one completed run of the automobile
    regression: ``(folder, run id)``."""
    from jupyter_designer.store import Workspace

    ws = Workspace(folder)
    _, run_id = train(ws)
    ws.close()
    return folder, run_id
