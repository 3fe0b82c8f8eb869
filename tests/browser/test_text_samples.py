"""The Text classification sample on the canvas in a real browser: readable, routed, and its
palette lists the Text Analytics components, a component whose library is missing greyed
out with its install command in its tooltip."""

from __future__ import annotations

import pytest

from test_canvas_view import check_readable, check_routed

pytestmark = pytest.mark.browser

CELL = """\
import dataclasses
import jupyter_designer as jd
from jupyter_designer.engine.component import REGISTRY
real = REGISTRY.get("Convert Word to Vector")
REGISTRY.add(dataclasses.replace(real, id="word_vectors_missing_library",
                                 name="Word Vectors Needing A Missing Library",
                                 requires=("library_not_installed_here",)))
p = jd.load_sample("Text classification")
d = jd.Designer(p)
d"""


def test_text_classification_sample_and_text_palette(dp, notebook):
    dp.open_notebook(notebook("text_sample.ipynb", CELL))
    dp.run_all()
    dp.wait_canvas()
    dp.page.wait_for_function("() => window.__jdCy(0)[1].nodes('node.jd-node').length === 10")
    dp.page.wait_for_timeout(400)
    dp.shot("text classification at the opening zoom")
    check_readable(dp, first="news_articles")
    check_routed(dp)
    titles = dp.node_titles()
    assert titles["preprocess_text"].startswith("Preprocess Text")
    assert titles["extract_n_gram_features"].startswith("Extract N-Gram Features from Text")

    d = dp.designer(0)
    search = d.locator(".jd-palette-search input")
    search.fill("N-Gram")
    grams = d.locator(".jd-palette-results .jd-component-extract_n_gram_features_from_text")
    grams.first.wait_for(state="visible", timeout=60_000)
    assert "jd-palette-unavailable" not in (grams.first.get_attribute("class") or "")
    search.fill("missing library")
    entry = d.locator(".jd-palette-results .jd-component-word_vectors_missing_library")
    entry.first.wait_for(state="visible", timeout=60_000)
    assert "jd-palette-unavailable" in (entry.first.get_attribute("class") or "")
    button = entry.first if entry.first.evaluate("e => e.tagName") == "BUTTON" \
        else entry.first.locator("button").first
    assert button.is_disabled()
    tip = button.get_attribute("title") or entry.first.get_attribute("title") or ""
    assert "library_not_installed_here" in tip and "pip install 'jupyter-designer[text]'" in tip
    dp.shot("a text component whose library is missing")
