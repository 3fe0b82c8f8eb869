"""A fresh worker imports the component package (its warm-up, or a node's task) in one thread
while a fan-out unit of the same package is unpickled in another: the two imports must not
deadlock. Before the import lock, every run of this race failed with Python's
``_DeadlockError`` in one thread and ``KeyError: 'jupyter_designer.components'`` in the other
(AutoML trials on a Dask cluster failed that way)."""

import subprocess
import sys

import cloudpickle

from jupyter_designer.engine.fanout import SequentialInside

RACE = r"""
import sys, threading, cloudpickle
blob = bytes.fromhex(sys.argv[1])
from jupyter_designer.engine.compute import worker
errors = []
def guard(fn):
    def run():
        try:
            fn()
        except BaseException as exc:
            errors.append(repr(exc))
    return run
units = []
threads = [threading.Thread(target=guard(worker.warm_worker)),
           threading.Thread(target=guard(lambda: units.append(cloudpickle.loads(blob))))]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not errors, errors
assert repr(units[0]) == "search_unit", units
print("ok")
"""


def test_warm_up_and_unpickling_a_unit_race_without_deadlock():
    from jupyter_designer.components.automl import search_unit

    blob = cloudpickle.dumps(SequentialInside(search_unit)).hex()
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", RACE, blob], capture_output=True, text=True,
                             timeout=300)
        assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-3000:]


def test_a_closure_still_travels_by_value():
    k = 3
    unit = cloudpickle.loads(cloudpickle.dumps(SequentialInside(lambda x: x * k)))
    assert unit(2) == 6
