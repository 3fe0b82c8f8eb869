"""A JupyterLab server and a headless Chromium for browser tests of the designer.

Usable from pytest fixtures (conftest.py) and from a plain script when exploring::

    with LabServer(root) as lab, Browser(profile) as browser:
        page = browser.open(lab.url("NB.ipynb"))
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]

#: JupyterLab settings that keep popups and network checks out of the way
OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def have_browser_stack() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        return "jupyterlab is not installed"
    return None


class LabServer:
    """``jupyter lab`` on 127.0.0.1 with a free port and a token, rooted at ``root``.

    Kernels started by it use the designer workspace ``workspace`` (a fresh folder).
    """

    def __init__(self, root: Path, *, workspace: Path | None = None, startup_timeout: float = 60):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.home = self.root.parent / (self.root.name + "-lab")
        self.workspace = Path(workspace) if workspace else self.home / "designer-workspace"
        self.port = free_port()
        self.token = uuid.uuid4().hex
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.log_path = self.home / "server.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, notebook: str) -> str:
        return f"{self.base}/lab/tree/{notebook}?reset&token={self.token}"

    def notebook7_url(self, notebook: str) -> str:
        """The same notebook in the Jupyter Notebook 7 interface (served by the same server)."""
        return f"{self.base}/notebooks/{notebook}?token={self.token}"

    def start(self) -> "LabServer":
        settings = self.home / "app-settings"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "overrides.json").write_text(json.dumps(OVERRIDES, indent=1))
        for d in ("user-settings", "lab-workspaces", "runtime"):
            (self.home / d).mkdir(exist_ok=True)
        env = dict(os.environ)
        env.update({
            "JUPYTER_DESIGNER_WORKSPACE": str(self.workspace),
            "JUPYTERLAB_SETTINGS_DIR": str(self.home / "user-settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.home / "lab-workspaces"),
            "JUPYTER_RUNTIME_DIR": str(self.home / "runtime"),
            "PYTHONUNBUFFERED": "1",
        })
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
               f"--port={self.port}", "--port-retries=0", f"--IdentityProvider.token={self.token}",
               "--allow-root", "--LabApp.expose_app_in_browser=True",
               "--JupyterNotebookApp.expose_app_in_browser=True",
               f"--LabApp.app_settings_dir={settings}", f"--ServerApp.root_dir={self.root}",
               "--ServerApp.disable_check_xsrf=False", "--LabApp.news_url=",
               "--MappingKernelManager.cull_idle_timeout=0"]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer within {self.startup_timeout} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def api(self, method: str, path: str, body=None):
        req = urllib.request.Request(f"{self.base}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"},
                                     data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read().decode()
            return json.loads(text) if text else None

    def shutdown_kernels(self) -> None:
        """Stop every kernel (between tests, to keep the two cores for the next one)."""
        try:
            for k in self.api("GET", "/api/kernels") or []:
                self.api("DELETE", f"/api/kernels/{k['id']}")
        except OSError:
            pass

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
        self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Browser:
    """A persistent-profile headless Chromium driven by Playwright."""

    def __init__(self, profile: Path, *, viewport=(1600, 1000)):
        self.profile = Path(profile)
        self.viewport = {"width": viewport[0], "height": viewport[1]}
        self._pw = None
        self.context = None

    def start(self) -> "Browser":
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self.context = self._pw.chromium.launch_persistent_context(
                str(self.profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                viewport=self.viewport)
        except Exception:
            self._pw.stop()
            raise
        self.context.set_default_timeout(30_000)
        return self

    def stop(self) -> None:
        if self.context is not None:
            self.context.close()
            self.context = None
        if self._pw is not None:
            self._pw.stop()
            self._pw = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
