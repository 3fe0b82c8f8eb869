"""The Jupyter server extension of jupyter-designer.

Enabled on install (``jupyter-config/jupyter_server_config.d/jupyter_designer.json``), it
adds under the server's base URL:

- ``designer/api/...``: the REST API (datasets, pipelines, runs, pipeline endpoints,
  real-time endpoints), behind Jupyter's authentication;
- ``designer/endpoints/<name>/...``: the scoring routes of real-time endpoints, behind the
  endpoints' API keys.

The workspace is ``$JUPYTER_DESIGNER_WORKSPACE``, else ``<server root>/.designer``; set it with
``--DesignerServer.workspace=PATH``. This package never imports the canvas (``widgets/``).
"""

from __future__ import annotations

import os
from pathlib import Path

from traitlets import Bool, Int, List, Unicode
from traitlets.config import Configurable

from .state import SETTINGS_KEY, DesignerState


class DesignerServer(Configurable):
    """Settings of the designer's server extension."""

    workspace = Unicode("", config=True,
                        help="The designer workspace folder (default: $JUPYTER_DESIGNER_WORKSPACE, "
                             "else .designer in the server's root directory).")
    scoring_threads = Int(0, config=True,
                          help="Threads scoring real-time requests (0: one per CPU, 2 to 8).")
    data_roots = List(Unicode(), config=True,
                      help="Folders, besides the workspace and the server's root directory, "
                           "whose files a REST request (a pipeline endpoint submission setting "
                           "an Import Data path) may make the server read.")
    schedules = Bool(True, config=True,
                     help="Run the workspace's schedules in this server process.")


def _jupyter_server_extension_points():
    return [{"module": "jupyter_designer.server"}]


def workspace_path(serverapp, configured: str = "") -> Path:
    if configured:
        return Path(configured).expanduser()
    env = os.environ.get("JUPYTER_DESIGNER_WORKSPACE")
    if env:
        return Path(env).expanduser()
    root = getattr(serverapp, "root_dir", None) or os.getcwd()
    return Path(root) / ".designer"


def setup_handlers(web_app, state: DesignerState) -> None:
    from .handlers import api_routes
    from .lab_handlers import lab_routes
    from .model_export_handlers import model_export_routes
    from .ops_handlers import ops_routes
    from .rollout_handlers import rollout_routes
    from .scoring import scoring_routes

    base_url = web_app.settings.get("base_url", "/")
    web_app.settings[SETTINGS_KEY] = state
    web_app.add_handlers(".*$", api_routes(base_url) + lab_routes(base_url)
                         + rollout_routes(base_url) + scoring_routes(base_url)
                         + ops_routes(base_url) + model_export_routes(base_url))


def _load_jupyter_server_extension(serverapp):
    from .state import open_workspace

    cfg = DesignerServer(config=serverapp.config)
    path = workspace_path(serverapp, cfg.workspace)
    ws = open_workspace(path)
    roots = list(cfg.data_roots)
    if getattr(serverapp, "root_dir", None):
        roots.append(serverapp.root_dir)
    state = DesignerState(ws, scoring_threads=cfg.scoring_threads or None, log=serverapp.log,
                          data_roots=roots)
    setup_handlers(serverapp.web_app, state)
    if cfg.schedules:
        from jupyter_designer.scheduling import start_schedules

        state.schedules = start_schedules(ws, log=serverapp.log)
    serverapp.log.info("jupyter-designer: workspace %s; REST API at %sdesigner/api/, "
                       "real-time endpoints at %sdesigner/endpoints/", ws.path,
                       serverapp.base_url, serverapp.base_url)


# the legacy name some servers look for
load_jupyter_server_extension = _load_jupyter_server_extension
