"""Fixtures of the workspace tests."""

import numpy as np
import pandas as pd
import pytest

from jupyter_designer.store import Workspace


@pytest.fixture
def ws(tmp_path):
    w = Workspace(tmp_path / "ws")
    yield w
    w.close()


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({
        "x": rng.normal(size=30),
        "n": np.arange(30, dtype="int64"),
        "color": pd.Categorical(rng.choice(["red", "green", "blue"], size=30),
                                categories=["red", "green", "blue"]),
        "label": rng.choice(["yes", "no"], size=30),
    })
    df.loc[3, "x"] = np.nan
    return df


@pytest.fixture
def store_files():
    """Every file in a workspace's artifact store (failed writes must leave nothing behind)."""

    def files(ws) -> list:
        root = ws.path / "artifacts"
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    return files
