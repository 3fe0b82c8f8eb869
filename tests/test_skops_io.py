"""skops.io comes in once per process, without importing PyTorch through scikit-learn's
array-API adapters, and a model stored with it loads back (in a fresh interpreter, where the
first import happens)."""

import subprocess
import sys

CODE = r"""
import sys, tempfile, pathlib
from jupyter_designer.skops_io import skops_io
sio = skops_io()
assert "torch" not in sys.modules, "skops.io imported PyTorch"
assert skops_io() is sio
from sklearn.linear_model import Ridge
m = Ridge().fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0])
path = pathlib.Path(tempfile.mkdtemp()) / "m.skops"
sio.dump(m, path)
back = sio.load(path, trusted=sio.get_untrusted_types(file=path))
assert back.predict([[3.0]])[0] == m.predict([[3.0]])[0]
import sklearn.externals.array_api_compat as compat
print("ok")
"""


def test_first_import_in_a_fresh_process_is_quick_and_complete():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"
