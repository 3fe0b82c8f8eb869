"""A component whose optional library is missing is greyed out with its install command, and
validation and the run refuse it with that command instead of a traceback."""

import dataclasses

import pytest

from jupyter_designer.engine.component import REGISTRY
from jupyter_designer.engine.errors import ComponentError
from jupyter_designer.engine.execution.task import run_node
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.widgets.palette import Palette


@pytest.fixture
def needs_lib():
    base = REGISTRY.get("Select Columns in Dataset")
    spec = dataclasses.replace(base, id="needs_missing_lib", name="Needs Missing Lib",
                               requires=("no_such_module_for_tests",), install_extra="text")
    REGISTRY.add(spec)
    yield spec
    REGISTRY.remove(spec.id)


def test_palette_greys_out_and_names_the_install_command(needs_lib):
    p = Palette(on_component=lambda name: None, on_dataset=lambda *a, **k: None)
    entry = p.entry(needs_lib.name)
    assert entry.disabled
    assert "jd-palette-unavailable" in entry._dom_classes
    assert "pip install 'jupyter-designer[text]'" in entry.tooltip
    notes = [k for k in p.fill(needs_lib.category).children
             if "jd-palette-install" in getattr(k, "_dom_classes", ())]
    assert len(notes) == 1 and "jupyter-designer[text]" in notes[0].value
    # an installed component stays clickable
    assert not p.entry("Select Columns in Dataset").disabled
    d = needs_lib.as_dict()
    assert d["available"] is False and d["install"] == "pip install 'jupyter-designer[text]'"


def test_validation_and_run_refuse_with_the_install_command(needs_lib):
    pl = Pipeline()
    data = pl.add_dataset("Iris Data")
    node = pl.add_component(needs_lib.name)
    pl.connect(data, target=node)
    messages = [i.message for i in pl.validate() if i.node_id == node.id]
    assert any("no_such_module_for_tests" in m and "jupyter-designer[text]" in m for m in messages)
    with pytest.raises(ComponentError, match=r"pip install 'jupyter-designer\[text\]'"):
        run_node(needs_lib, {}, {})
