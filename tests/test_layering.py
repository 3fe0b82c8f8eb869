"""The dependency direction of DESIGN.md and the README's architecture notes, checked on the
source (not by memory).

    front ends      widgets/ (+ api.py), magics.py, server/, cli/
        |  call
    application     app/ (one function per use case; argument checks and errors once)
        |
    serving/  ->  store/, components/  ->  engine/        (catalog.py: pipeline references)

engine/ imports no widgets, IPython, ipywidgets, tornado, uvicorn or jupyter_server; store/ and
serving/ import no UI or web framework and no front end (serving/ never imports cli/); the
application layer imports no front end; widgets/ and server/ never import each other.
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
    "serving": ("jupyter_designer.widgets", "jupyter_designer.server", "jupyter_designer.cli",
                "jupyter_designer.magics", "jupyter_designer.api", "jupyter_designer.app",
                "IPython", "ipywidgets", "anywidget", "tornado", "jupyter_server", "uvicorn"),
    # the application layer: called by every front end, imports none
    "app": ("jupyter_designer.widgets", "jupyter_designer.server", "jupyter_designer.cli",
            "jupyter_designer.magics", "jupyter_designer.api", "IPython", "ipywidgets",
            "anywidget", "tornado", "jupyter_server", "uvicorn"),
    "catalog.py": ("jupyter_designer.widgets", "jupyter_designer.server", "jupyter_designer.cli",
                   "jupyter_designer.magics", "jupyter_designer.api", "jupyter_designer.app",
                   "jupyter_designer.serving", "IPython", "ipywidgets", "tornado"),
    # the command line: no UI, no web framework (serve starts the server as a process)
    "cli": ("jupyter_designer.widgets", "jupyter_designer.server", "jupyter_designer.magics",
            "IPython", "ipywidgets", "anywidget", "tornado", "jupyter_server", "uvicorn"),
    "widgets": ("jupyter_designer.server", "tornado", "jupyter_server", "uvicorn"),
    "server": ("jupyter_designer.widgets", "jupyter_designer.magics", "jupyter_designer.cli",
               "ipywidgets", "anywidget", "IPython"),
    "magics.py": ("jupyter_designer.server", "jupyter_designer.cli", "tornado", "jupyter_server"),
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
    assert root.exists(), f"{layer} does not exist"
    bad = []
    for f in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
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


def test_the_command_line_is_one_package():
    """One ``cli/`` package with the entry point; no command module elsewhere."""
    assert (PKG / "cli" / "__init__.py").is_file()
    strays = [p for p in ("cli.py", "compute_cli.py", "serving/cli.py") if (PKG / p).exists()]
    assert not strays, f"command-line modules outside cli/: {strays}"


def test_front_ends_reach_the_use_cases_through_the_application_layer():
    """The canvas widgets, the REST handlers, the ASGI app, the CLI and the magics submit runs,
    register datasets, deploy and publish through ``jupyter_designer.app``, not by calling the runner or the
    endpoint registries' writing methods themselves."""
    import re

    direct = re.compile(r"Runner\(\w*\)\.submit|\.register_dataset\(|\.realtime\.deploy\(|"
                        r"(?<![\w.])serving\.(?:deploy|publish)\(|\brunner\.submit\(|pipelines\.publish\(|"
                        r"pipelines\.submit_request\(|"
                        r"\bpe\.publish\(|\bpe\.submit\(")
    files = [PKG / "magics.py", *sorted((PKG / "server").rglob("*.py")),
             *sorted((PKG / "cli").rglob("*.py")), *sorted((PKG / "widgets").rglob("*.py"))]
    bad = [f"{f.relative_to(PKG.parent)}:{n}: {line.strip()}"
           for f in files for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
           if direct.search(line) and "<code>" not in line]  # help text shown to users
    assert not bad, "front ends calling a use case past the application layer:\n" + "\n".join(bad)
