"""Both servers of the designer's endpoints, started as real processes on 127.0.0.1 over one
workspace: the Jupyter server with the extension and ``jupyter designer serve``. Each writes
its log to a file the tests read."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

TOKEN = "live-servers-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A server process: ``kind`` ("jupyter" or "serve"), ``port``, ``base`` (URL path
    prefix), ``log`` (its log file) and ``call()``."""

    def __init__(self, kind: str, workspace: Path, folder: Path, *, extra: list | None = None):
        self.kind = kind
        self.workspace = workspace
        self.port = free_port()
        self.base = "/"
        self.log = folder / f"{kind}.log"
        env = {**os.environ, "JUPYTER_DESIGNER_WORKSPACE": str(workspace)}
        if kind == "jupyter":
            root = folder / "root"
            root.mkdir(exist_ok=True)
            cmd = [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root",
                   f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                   "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
                   f"--ServerApp.root_dir={root}",
                   "--ServerApp.jpserver_extensions={'jupyter_designer': True}",
                   f"--DesignerServer.workspace={workspace}"]
        else:
            cmd = [sys.executable, "-m", "jupyter_designer.server.standalone", "--workspace",
                   str(workspace), "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", "1", "--token", TOKEN]
        cmd += extra or []
        self._logf = open(self.log, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self._logf, stderr=subprocess.STDOUT, env=env,
                                     cwd=str(folder))

    def wait_ready(self, endpoints=(), timeout: float = 180) -> "LiveServer":
        deadline = time.time() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the {self.kind} server ended:\n{self.log.read_text()}")
            try:
                ok = True
                for name in endpoints:
                    code, _, _ = self.call("GET", f"/designer/endpoints/{name}/v2/health/ready",
                                           key="none")
                    ok &= code == 401   # the route answers: the server is up
                if self.kind == "serve":
                    code, health, _ = self.call("GET", "/designer/health")
                    ok &= code == 200 and health.get("ready")
                if ok:
                    return self
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError(f"the {self.kind} server is not ready:\n{self.log.read_text()}")
            time.sleep(0.3)

    def call(self, method: str, path: str, body=None, *, key: str | None = None,
             token: bool = False, headers: dict | None = None, timeout: float = 120):
        """``(status, parsed JSON body or raw bytes, headers)``."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            h = {"Content-Type": "application/json"}
            if key is not None:
                h["Authorization"] = f"Bearer {key}"
            if token:
                h["Authorization"] = f"token {TOKEN}"
            h.update(headers or {})
            data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            raw = r.read()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw
            return r.status, parsed, r.headers   # names case-insensitive
        finally:
            c.close()

    def log_text(self) -> str:
        self._logf.flush()
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._logf.close()


@contextlib.contextmanager
def both_servers(workspace: Path, folder: Path, endpoints=()):
    """``{"jupyter": LiveServer, "serve": LiveServer}`` over one workspace, ready to answer
    for ``endpoints``; both stopped on exit."""
    servers = {}
    try:
        for kind in ("jupyter", "serve"):
            (folder / kind).mkdir()
            servers[kind] = LiveServer(kind, workspace, folder / kind)
        for s in servers.values():
            s.wait_ready(list(endpoints))
        yield servers
    finally:
        for s in servers.values():
            s.stop()
