"""Test-session setup shared by tests/ and the nbval-executed notebooks/."""

import os
import tempfile

# Notebooks and the default-workspace API write to a throwaway workspace during tests, never
# into ./.designer of the checkout. Kernels started by nbval inherit this environment.
os.environ.setdefault("JUPYTER_DESIGNER_WORKSPACE", tempfile.mkdtemp(prefix="designer-test-ws-"))
os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
