"""The dependency direction of DESIGN.md, checked on the source (not by memory).

engine/ imports no widgets, IPython, ipywidgets, tornado, uvicorn or jupyter_server; store/
and serving/ import no UI or web framework either; widgets/ and server/ never import each other.
"""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "jupyter_designer"

FORBIDDEN = {
    "engine": ("jupyter_designer.widgets", "jupyter_designer.server", "jupyter_designer.serving",
               "jupyter_designer.store", "jupyter_designer.magics",
               "jupyter_designer.cli", "IPython", "ipywidgets", "anywidget", "tornado",
               "jupyter_server", "traitlets", "uvicorn"),
    "store": ("jupyter_designer.widgets", "jupyter_designer.server", "jupyter_designer.serving",
              "jupyter_designer.magics", "IPython", "ipywidgets", "anywidget", "tornado", "jupyter_server"),
    "components": ("jupyter_designer.widgets", "jupyter_designer.server", "jupyter_designer.serving",
                   "jupyter_designer.store", "IPython", "ipywidgets", "anywidget", "tornado", "jupyter_server"),
    "serving": ("jupyter_designer.widgets", "jupyter_designer.server", "IPython", "ipywidgets",
                "anywidget", "tornado", "jupyter_server", "uvicorn"),
    "widgets": ("jupyter_designer.server", "tornado", "jupyter_server", "uvicorn"),
    "server": ("jupyter_designer.widgets", "jupyter_designer.magics", "ipywidgets", "anywidget", "IPython"),
}


def imports_of(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = path.relative_to(PKG.parent).with_suffix("").parts[:-node.level]
                base = ".".join(parts)
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module or ""
            yield node.lineno, mod
            for a in node.names:  # "from jupyter_designer import widgets"
                yield node.lineno, f"{mod}.{a.name}"
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "import_module" and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            yield node.lineno, node.args[0].value


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports(layer):
    root = PKG / layer
    assert root.is_dir(), f"{layer}/ does not exist"
    bad = []
    for f in sorted(root.rglob("*.py")):
        for lineno, mod in imports_of(f):
            for forbidden in FORBIDDEN[layer]:
                if mod == forbidden or mod.startswith(forbidden + "."):
                    bad.append(f"{f.relative_to(PKG.parent)}:{lineno} imports {mod}")
    assert not bad, "layering violated:\n" + "\n".join(bad)


def test_checker_catches_a_violation(tmp_path):
    f = PKG / "engine" / "_layering_probe.py"
    try:
        f.write_text("import tornado\nfrom ..widgets import Designer\n")
        found = [m for _, m in imports_of(f)]
        assert "tornado" in found and "jupyter_designer.widgets.Designer" in found
    finally:
        f.unlink()
