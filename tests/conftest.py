"""Fixtures shared by the test modules at this level."""

import pytest


@pytest.fixture(scope="session")
def ip():
    """One IPython shell for the whole session (IPython's test shell starts once per process)."""
    from IPython import get_ipython
    from IPython.testing.globalipapp import start_ipython

    shell = start_ipython() or get_ipython()
    shell.run_line_magic("load_ext", "jupyter_designer")
    return shell
