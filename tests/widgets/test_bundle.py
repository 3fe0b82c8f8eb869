"""The committed front-end bundle, its sources and the cost of importing the widgets."""

import json
import subprocess
import sys
from pathlib import Path

import jupyter_designer.widgets as widgets_pkg

ROOT = Path(__file__).resolve().parents[2]
STATIC = Path(widgets_pkg.__file__).parent / "static"


def test_committed_bundle_is_present_and_complete():
    js = STATIC / "canvas.js"
    css = STATIC / "canvas.css"
    assert js.is_file() and css.is_file(), "run labextension/build.sh to build the canvas bundle"
    text = js.read_text(encoding="utf-8")
    assert len(text) > 200_000, "the bundle must include cytoscape.js"
    assert "edgehandles" in text and "cytoscape" in text.lower()
    assert "org.eclipse.elk" in text, "the bundle must include elkjs (auto-layout)"
    assert "export{" in text.replace(" ", ""), "anywidget needs an ES module with a default export"
    assert "jd-canvas" in text and "isConnected" in text
    assert ".jd-canvas" in css.read_text(encoding="utf-8")


def test_bundle_sources_and_build_script_are_in_the_repository():
    ext = ROOT / "labextension"
    pkg = json.loads((ext / "package.json").read_text())
    assert pkg["dependencies"]["cytoscape"].startswith("3.")
    assert pkg["dependencies"]["cytoscape-edgehandles"].startswith("4.")
    assert pkg["dependencies"]["elkjs"].startswith("0.12.")
    assert "esbuild" in pkg["devDependencies"]
    assert (ext / "package-lock.json").is_file()
    assert (ext / "build.sh").is_file() and (ext / "build.mjs").is_file()
    for f in ("index.js", "view.js", "style.js", "route.js", "layout.js", "canvas.css"):
        assert (ext / "src" / "canvas" / f).is_file()
    # the committed stylesheet is the source one
    assert (ext / "src" / "canvas" / "canvas.css").read_text() == (STATIC / "canvas.css").read_text()


def test_canvas_widget_ships_the_bundle():
    from jupyter_designer.widgets import Canvas

    c = Canvas()
    assert "edgehandles" in c._esm and ".jd-canvas" in c._css
    state = c.get_state()
    assert state["height"] == "520px" and state["readonly"] is False
    # the first picture travels in the widget's state; changes travel in messages
    assert state["graph"] == {"nodes": [], "edges": []}
    assert not any(k in state for k in ("nodes", "edges", "elements"))


def test_importing_the_widgets_package_is_cheap():
    code = ("import sys, jupyter_designer.widgets as w; "
            "heavy = [m for m in ('pandas', 'sklearn', 'numpy', 'jupyter_designer.server', 'anywidget') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
