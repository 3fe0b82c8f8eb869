"""The canvas toolbar's Export in a real JupyterLab page: the button is there and readable, a
click writes the draft as a Python script into the notebook's folder and the status line says
where."""

SAMPLE = "Automobile price prediction (basic)"
CELL = f"""\
import jupyter_designer as jd
d = jd.Designer(jd.load_sample({SAMPLE!r}))
d"""


def test_toolbar_export_writes_the_script_next_to_the_notebook(dp, notebook, lab):
    dp.open_notebook(notebook("export_toolbar.ipynb", CELL))
    dp.run_all()
    dp.wait_canvas()
    button = dp.designer(0).locator(".jd-btn-export")
    assert button.is_visible() and "Export" in button.inner_text()
    dp.shot("toolbar with Export")
    button.click()
    dp.page.wait_for_function(
        "() => document.querySelector('.jd-status').innerText.includes('exported to')",
        timeout=60_000)
    dp.shot("after Export")
    target = lab.root / "automobile_price_prediction_basic.py"
    assert target.exists()
    assert str(target.name) in dp.status_text()
    assert (lab.root / "automobile_price_data_raw.csv").exists()
    assert "jupyter_designer" not in target.read_text(encoding="utf-8").split("HERE = ")[0]
