"""The Wide and Deep recommendation and Execute R Script samples on the canvas in a real
browser: readable at the opening zoom, edges routed around the nodes, and the palette lists the
Recommendation and R Language components."""

from __future__ import annotations

import pytest

from test_canvas_view import check_readable, check_routed

pytestmark = pytest.mark.browser

CELL = """\
import jupyter_designer as jd
p = jd.load_sample({name!r})
d = jd.Designer(p)
d"""


@pytest.mark.parametrize("name,count,first,titles,palette", [
    ("Wide and Deep recommendation", 7, "movie_ratings",
     {"train_wide_and_deep_recommender": "Train Wide and Deep Recommender",
      "evaluate_recommender": "Evaluate Recommender"},
     ("Score SVD", "jd-component-score_svd_recommender")),
    ("Execute R Script", 9, "automobile_price_data",
     {"r_script": "Execute R Script"},
     ("Execute R", "jd-component-execute_r_script")),
])
def test_sample_on_the_canvas(name, count, first, titles, palette, dp, notebook):
    dp.open_notebook(notebook(f"{first}_sample.ipynb", CELL.format(name=name)))
    dp.run_all()
    dp.wait_canvas()
    dp.page.wait_for_function(
        f"() => window.__jdCy(0)[1].nodes('node.jd-node').length === {count}")
    dp.page.wait_for_timeout(400)
    dp.shot(f"{name} at the opening zoom")
    check_readable(dp, first=first)
    check_routed(dp)
    shown = dp.node_titles()
    for nid, title in titles.items():
        assert shown[nid].startswith(title), shown
    new = dp.add_from_palette(*palette)
    assert new.startswith(palette[1].removeprefix("jd-component-"))
    dp.shot(f"{name} with a component added from the palette")
