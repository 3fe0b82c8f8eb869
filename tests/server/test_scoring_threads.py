"""The scoring threads: work runs off the event loop, results and errors come back to the
awaiting coroutine, threads start on demand and end when idle."""

import asyncio
import threading
import time

import pytest

from jupyter_designer.server.endpoint_routes import ScoringThreads


def test_results_errors_and_threads():
    pool = ScoringThreads(2, idle=0.2)
    loop_thread = []

    def work(i):
        assert threading.current_thread() is not loop_thread[0]
        time.sleep(0.002)
        if i == 7:
            raise ValueError("seven")
        return i * i

    async def main():
        loop_thread.append(threading.current_thread())
        futs = [pool.submit(work, i) for i in range(40)]
        out = await asyncio.gather(*futs, return_exceptions=True)
        assert [o for i, o in enumerate(out) if i != 7] == [i * i for i in range(40) if i != 7]
        assert isinstance(out[7], ValueError)
        assert 1 <= pool._running <= 2
        await asyncio.sleep(0.6)
        assert pool._running == 0          # idle threads ended
        assert await pool.submit(work, 3) == 9   # and come back on demand

    asyncio.run(main())


def test_a_cancelled_wait_does_not_break_delivery():
    pool = ScoringThreads(1)

    async def main():
        slow = pool.submit(time.sleep, 0.05)
        slow.cancel()
        assert await pool.submit(lambda: "ok") == "ok"
        with pytest.raises(asyncio.CancelledError):
            await slow

    asyncio.run(main())
