"""What the designer's handlers share in one server process (held in ``web_app.settings``)."""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from jupyter_designer.serving import EndpointHost, PipelineEndpoints

from .endpoint_routes import ScoringThreads

SETTINGS_KEY = "jupyter_designer"


class DesignerState:
    """The workspace, the loaded real-time endpoints and the thread pools of the server.

    Scoring runs on ``scoring``, the :class:`ScoringThreads` (never on the event loop; idle
    threads end by themselves); other blocking work of the REST API
    (deploying, reading tables, submitting runs) on ``blocking``. Runs themselves execute in
    the runner's own threads.
    """

    def __init__(self, workspace, *, scoring_threads: int | None = None, log=None,
                 preload: bool = True, data_roots=()):
        self.ws = workspace
        #: folders besides the workspace whose files a REST request may make the server read
        self.data_roots = [str(r) for r in data_roots or ()]
        self.log = log or logging.getLogger("jupyter_designer.server")
        self.host = EndpointHost(workspace)
        self.realtime = self.host.registry
        self.pipelines = PipelineEndpoints(workspace)
        n = scoring_threads or min(8, max(2, (os.cpu_count() or 2)))
        self.scoring = ScoringThreads(n)
        self.blocking = ThreadPoolExecutor(4, thread_name_prefix="designer-api")
        self.runs: dict = {}             # run id -> RunHandle of runs started by this server
        self.runs_lock = threading.Lock()
        if preload:
            self.host.preload()

    def track(self, handle) -> None:
        with self.runs_lock:
            self.runs[handle.run_id] = handle
            for rid in [r for r, h in self.runs.items() if h.done][:-100]:
                self.runs.pop(rid, None)

    def close(self) -> None:
        for h in list(self.runs.values()):
            if not h.done:
                h.cancel()
        self.host.close()
        if getattr(self, "schedules", None) is not None:
            self.schedules.stop()
        if getattr(self, "monitor", None) is not None:   # metrics and scored-data log
            self.monitor.close()
        self.blocking.shutdown(wait=False, cancel_futures=True)


def open_workspace(path=None):
    from jupyter_designer.store import Workspace

    return Workspace(path) if path else Workspace()
