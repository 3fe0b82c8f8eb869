"""The ASGI application of `jupyter designer serve`, driven in process: scoring stays off its
event loop, and a model failure is a 500 without a traceback."""

import asyncio
import json
import time

import pytest


@pytest.fixture
def app(designer_ws):
    from jupyter_designer import serving
    from jupyter_designer.server.asgi import DesignerASGI
    from jupyter_designer.server.state import DesignerState, open_workspace

    path, run_id = designer_ws
    ws = open_workspace(path)
    serving.deploy(ws, "autos", run_id=run_id)
    state = DesignerState(ws, scoring_threads=1)
    ep = state.host.lookup("autos")
    state.host.compiled(ep)
    example = state.realtime.meta("autos")["example_request"]
    key = serving.endpoint_keys(ws, "autos")["primaryKey"]
    yield DesignerASGI(state), state, example, key
    state.close()
    ws.close()


async def request(app, method, path, body=b"", headers=()):
    scope = {"type": "http", "method": method, "path": path, "scheme": "http", "root_path": "",
             "server": ("127.0.0.1", 5001), "client": ("127.0.0.1", 40000),
             "headers": [(b"host", b"127.0.0.1:5001"), *headers]}
    sent = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    start, payload = sent
    return start["status"], dict(start["headers"]), json.loads(payload["body"])


def test_slow_scoring_does_not_hold_up_other_requests(app, slow_scoring):
    asgi, state, example, key = app
    slow_scoring(state, "autos", 1.5)
    auth = [(b"authorization", f"Bearer {key}".encode()), (b"content-type", b"application/json")]

    async def main():
        scoring = asyncio.ensure_future(request(asgi, "POST", "/designer/endpoints/autos/score",
                                                json.dumps(example).encode(), auth))
        await asyncio.sleep(0.2)
        t0 = time.perf_counter()
        status, _, health = await request(asgi, "GET", "/designer/health")
        assert status == 200 and health["ready"] and time.perf_counter() - t0 < 0.5
        assert not scoring.done()
        status, headers, out = await scoring
        assert status == 200 and headers[b"content-type"] == b"application/json"
        assert isinstance(out["Results"]["WebServiceOutput0"][0]["Scored Labels"], float)

    asyncio.run(main())


def test_model_failure_is_500_without_traceback(app, failing_scoring):
    asgi, state, example, key = app
    failing_scoring(state, "autos")
    auth = [(b"authorization", f"Bearer {key}".encode())]
    status, _, err = asyncio.run(request(asgi, "POST", "/designer/endpoints/autos/score",
                                         json.dumps(example).encode(), auth))
    assert status == 500
    assert "secret" not in json.dumps(err) and "Traceback" not in json.dumps(err)
    assert "server log" in err["error"]
    status, headers, err = asyncio.run(request(asgi, "POST", "/designer/endpoints/autos/score",
                                               json.dumps(example).encode()))
    assert status == 401 and headers[b"www-authenticate"].startswith(b"Bearer")
