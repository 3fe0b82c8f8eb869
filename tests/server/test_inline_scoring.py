"""Small requests to a pipeline that answers quickly are scored on the event loop; large
requests and slow pipelines go to the scoring threads, so the loop is never held up long."""

import asyncio
import threading
import time

from jupyter_designer.server import endpoint_routes as er
from jupyter_designer.server.endpoint_routes import Request, ScoringThreads


class _State:
    def __init__(self):
        self.scoring = ScoringThreads(2)


class _Pipeline:
    """Stands for a compiled pipeline: only its identity matters to the policy."""


def _where(compiled, body, content_type, *, delay=0.0):
    end = time.thread_time() + delay
    while time.thread_time() < end:   # busy: the policy measures CPU time
        pass
    return 200, {"thread": threading.current_thread().name}


def _run(state, compiled, body, delay=0.0):
    async def go():
        req = Request(state, lambda name: None, body, lambda: "")
        status, payload = await er._score(req, lambda c, b, t: _where(c, b, t, delay=delay),
                                          compiled, body, "application/json")
        return status, payload
    return asyncio.run(go())


def test_quick_small_requests_stay_on_the_loop_and_slow_ones_leave_it():
    state = _State()
    fast, slow = _Pipeline(), _Pipeline()
    # the first request of a pipeline goes to the threads (nothing is known of its speed yet)
    assert b"designer-score" in _run(state, fast, b"{}")[1]
    main = threading.current_thread().name
    for _ in range(3):
        assert main.encode() in _run(state, fast, b"{}")[1]
    # a large request goes to the threads even for a quick pipeline
    assert b"designer-score" in _run(state, fast, b" " * (er.INLINE_BODY + 1))[1]
    # a pipeline slower than the budget is scored on the threads
    for _ in range(3):
        assert b"designer-score" in _run(state, slow, b"{}", delay=3 * er.INLINE_BUDGET)[1]
