"""The component palette: search, categories as the reference groups them, and datasets."""

from __future__ import annotations

from typing import Callable

import ipywidgets as W

from .charts import esc


def _slug(text: str) -> str:
    import re
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")


def _entry(label: str, tooltip: str, classes: tuple, on_click: Callable, layout: W.Layout,
           style: W.ButtonStyle) -> W.Button:
    b = W.Button(description=label, tooltip=tooltip or label, layout=layout, style=style)
    for c in classes:
        b.add_class(c)
    b.on_click(lambda _b: on_click())
    return b


class Palette(W.VBox):
    """Click an entry to add it to the pipeline at a free spot.

    Entries are buttons with class ``jd-palette-item`` plus ``jd-component-<id>`` (a
    component; the id is the slug of its name, e.g. ``jd-component-clean_missing_data``) or
    ``jd-dataset-<slug>`` / ``jd-model-<slug>`` (datasets and models); the button's title
    attribute is the component's name (or the dataset's name and version).
    """

    def __init__(self, *, on_component: Callable[[str], None], on_dataset: Callable[..., None],
                 workspace_getter: Callable | None = None):
        self._on_component = on_component
        self._on_dataset = on_dataset
        self._workspace_getter = workspace_getter
        self.search = W.Text(placeholder="Search components and datasets", continuous_update=True,
                             layout=W.Layout(width="98%"))
        self.search.add_class("jd-palette-search")
        self.results = W.VBox(layout=W.Layout(display="none"))
        self.results.add_class("jd-palette-results")
        self.sections = W.Accordion(layout=W.Layout(width="100%"))
        self.sections.add_class("jd-palette-sections")
        self._layout = W.Layout(width="100%", height="26px", margin="1px 0")
        self._style = W.ButtonStyle()
        self.items: dict[str, W.Button] = {}           # component name -> entry
        self.data_items: dict[tuple, W.Button] = {}    # (type, name) -> entry
        self._search_index: list[tuple[str, tuple]] = []
        super().__init__([self.search, self.results, self.sections],
                         layout=W.Layout(width="240px", min_width="200px", overflow="auto",
                                         max_height="640px"))
        self.add_class("jd-palette")
        self.search.observe(lambda ch: self.filter(ch["new"]), "value")
        self.refresh()

    # -- content ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Rebuild the lists (after registering datasets, models or user components).

        A category's entries are created when it is first opened (or searched), so a
        palette of a hundred components costs a handful of widgets up front.
        """
        from jupyter_designer.engine.component import CATEGORIES, REGISTRY

        self.items.clear()
        self.data_items.clear()
        self._search_index = []
        self._specs: dict[str, dict[str, list]] = {}
        self._by_name = {}
        for spec in REGISTRY.all():
            self._specs.setdefault(spec.category, {}).setdefault(spec.subcategory or "", []).append(spec)
            self._by_name[spec.name] = spec
            desc = (spec.description or "").strip().splitlines()
            self._search_index.append((f"{spec.name} {spec.category} {spec.subcategory} "
                                       f"{desc[0] if desc else ''}".lower(), ("component", spec.name)))
        order = list(CATEGORIES) + sorted(c for c in self._specs if c not in CATEGORIES)
        self._categories = [c for c in order if self._specs.get(c)]
        self._boxes = {c: W.VBox() for c in self._categories}
        self._filled: set = set()
        titles = ["Datasets"] + self._categories
        children = [self._datasets_section()] + [self._boxes[c] for c in self._categories]
        self.sections.unobserve_all("selected_index")
        self.sections.children = children
        self.sections.titles = tuple(titles)
        self.sections.observe(self._on_open, "selected_index")
        self.filter(self.search.value)

    def _on_open(self, change) -> None:
        i = change["new"]
        if i is not None and i > 0:
            self.fill(self._categories[i - 1])

    def fill(self, category: str) -> W.VBox:
        """Create the entries of one category (done when it is opened)."""
        box = self._boxes[category]
        if category in self._filled:
            return box
        self._filled.add(category)
        kids = []
        subs = self._specs[category]
        for sub in sorted(subs):
            if sub:
                kids.append(W.HTML(f'<div class="jd-palette-sub">{esc(sub)}</div>'))
            for spec in sorted(subs[sub], key=lambda s: s.name):
                kids.append(self.entry(spec.name))
                if spec.missing_requirements():
                    note = W.HTML(f'<div class="jd-palette-install" title="{esc(spec.install_hint())}">'
                                  f'needs <code>{esc(spec.install_hint())}</code></div>')
                    note.add_class("jd-palette-install")
                    kids.append(note)
        box.children = kids
        return box

    def entry(self, name: str) -> W.Button:
        """The palette entry (a button) of a component, created on first use."""
        b = self.items.get(name)
        if b is None:
            spec = self._by_name[name]
            b = _entry(spec.name, spec.name, ("jd-palette-item", "jd-palette-component",
                                              f"jd-component-{spec.id}"),
                       lambda name=spec.name: self._on_component(name), self._layout, self._style)
            missing = spec.missing_requirements()
            if missing:  # greyed out: the install command instead of a traceback later
                b.disabled = True
                b.tooltip = (f"{spec.name} needs {', '.join(missing)}. Install it with "
                             f"`{spec.install_hint()}` and restart the kernel.")
                b.add_class("jd-palette-unavailable")
            self.items[name] = b
        return b

    def _datasets_section(self) -> W.VBox:
        samples, registered, models = [], [], []
        ws = None
        if self._workspace_getter is not None:
            try:
                ws = self._workspace_getter()
            except Exception:  # no workspace available: show what ships with the package
                ws = None
        if ws is not None:
            try:
                for info in ws.list_datasets():
                    (samples if getattr(info, "sample", False) else registered).append(info)
            except Exception:
                pass
            try:
                models = list(ws.list_models())
            except Exception:
                models = []
        else:
            try:
                from jupyter_designer.store.samples import sample_names
                samples = [type("Sample", (), {"name": n, "version": None, "rows": None,
                                                "columns": None})() for n in sample_names()]
            except Exception:
                samples = []

        kids: list[W.Widget] = []

        def add_group(title, infos, kind):
            if not infos:
                return
            kids.append(W.HTML(f'<div class="jd-palette-sub">{esc(title)}</div>'))
            for info in infos:
                name = info.name
                version = getattr(info, "version", None)
                shape = ""
                if getattr(info, "rows", None) is not None:
                    shape = f" ({info.rows} rows \u00d7 {info.columns} columns)"
                label = name if kind == "dataset" or version is None else f"{name} v{version}"
                tip = f"{name}" + (f" v{version}" if version is not None else "") + shape
                b = _entry(label, tip, ("jd-palette-item", f"jd-palette-{kind}", f"jd-{kind}-{_slug(name)}"),
                           lambda n=name, v=version, k=kind: self._on_dataset(
                               n, v if (k == "model" or title != "Samples") else None, k),
                           self._layout, self._style)
                self.data_items[(kind, name)] = b
                self._search_index.append((f"{name} {title} {kind}".lower(), ("data", (kind, name))))
                kids.append(b)

        add_group("Samples", samples, "dataset")
        add_group("My datasets", registered, "dataset")
        add_group("My models", models, "model")
        if not kids:
            kids.append(W.HTML("<i>No datasets yet. Register one with "
                               "<code>workspace.register_dataset(name, df)</code>.</i>"))
        box = W.VBox(kids)
        box.add_class("jd-palette-datasets")
        return box

    # -- search ----------------------------------------------------------------------------
    def filter(self, text: str) -> list[str]:
        """Show only entries matching every word of ``text``; returns their labels."""
        words = [w for w in str(text or "").lower().split() if w]
        if not words:
            self.results.layout.display = "none"
            self.sections.layout.display = None
            self.results.children = []
            return []
        hits = []
        seen = set()
        for hay, (what, key) in self._search_index:
            if all(w in hay for w in words) and (what, key) not in seen:
                seen.add((what, key))
                hits.append(self.entry(key) if what == "component" else self.data_items[key])
        # names starting with the query first
        first = words[0]
        hits.sort(key=lambda b: (not b.description.lower().startswith(first), b.description.lower()))
        self.results.children = hits or [W.HTML(f"<i>Nothing matches \u201c{esc(text)}\u201d.</i>")]
        self.results.layout.display = None
        self.sections.layout.display = "none"
        return [b.description for b in hits]
