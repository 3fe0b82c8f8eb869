"""The pipeline's graph queries (ancestors, descendants, layers, inputs_of), asked by the
runner, the inference derivation and the compiled serving pipeline; and the workspace
protocol the engine is written against."""

import pytest

from jupyter_designer.engine import graph
from jupyter_designer.engine.errors import PipelineError
from jupyter_designer.engine.pipeline import Pipeline
from jupyter_designer.engine.workspace import DataCatalog, EngineWorkspace, FolderWorkspace


@pytest.fixture
def diamond(schema_ws):
    #   data -> a -> c(left)
    #   data -> b -> c(right) ; c -> d ; data2 -> e (apart)
    p = Pipeline("diamond", workspace=schema_ws)
    p.add_dataset("data", id="data")
    p.add_dataset("data", id="data2")
    for nid in ("a", "b", "d", "e"):
        p.add_component("Test Scale", id=nid)
    p.add_component("Test Join Sum", id="c")
    p.connect("data", None, "a", None)
    p.connect("data", None, "b", None)
    p.connect("a", None, "c", "left")
    p.connect("b", None, "c", "right")
    p.connect("c", None, "d", None)
    p.connect("data2", None, "e", None)
    return p


def test_ancestors_and_descendants(diamond):
    assert diamond.ancestors("d") == {"c", "a", "b", "data"}
    assert diamond.ancestors(["d", "e"]) == {"c", "a", "b", "data", "data2"}
    assert diamond.ancestors("data") == set()
    assert diamond.descendants("data") == {"a", "b", "c", "d"}
    assert diamond.descendants(["a"]) == {"c", "d"}


def test_a_walk_stops_at_the_stop_nodes(diamond):
    assert diamond.ancestors("e", stop={"e"}) == set()
    # 'a' is reached but not walked past; 'data' is still reached through 'b'
    assert diamond.ancestors("d", stop={"a"}) == {"c", "a", "b", "data"}
    assert diamond.ancestors("d", stop={"a", "b"}) == {"c", "a", "b"}
    # past 'c' nothing is walked: only c itself is reached
    assert diamond.ancestors("d", stop={"c"}) == {"c"}
    assert diamond.descendants("data", stop={"a", "b"}) == {"a", "b"}


def test_layers_and_topological_order(diamond):
    layers = diamond.layers()
    assert [sorted(layer) for layer in layers] == [["data", "data2"], ["a", "b", "e"], ["c"], ["d"]]
    assert diamond.topological_order() == [n for layer in layers for n in layer]


def test_inputs_of(diamond):
    assert diamond.inputs_of("c") == {"left": ("a", "results_dataset"), "right": ("b", "results_dataset")}
    assert diamond.inputs_of(diamond.nodes["d"]) == {"dataset": ("c", "results_dataset")}
    assert diamond.inputs_of("data") == {}


def test_a_cycle_in_layers_names_its_nodes():
    with pytest.raises(Exception) as exc:
        graph.layers(["x", "y"], [("x", "y"), ("y", "x")])
    assert "cycle" in str(exc.value).lower()


def test_pipeline_layers_on_a_cycle_is_a_pipeline_error(diamond):
    from jupyter_designer.engine.nodes import Edge

    diamond.edges["loop"] = Edge("loop", "d", "results_dataset", "a", "dataset")
    with pytest.raises(PipelineError, match="cycle"):
        diamond.layers()


def test_the_store_workspace_is_what_the_engine_needs(tmp_path):
    from jupyter_designer.store import Workspace

    ws = Workspace(tmp_path / "ws")
    assert isinstance(ws, EngineWorkspace)
    assert isinstance(ws, DataCatalog)
    assert isinstance(ws, FolderWorkspace)
    # the check is not vacuous: a catalog alone cannot hold a run
    assert not isinstance(object(), DataCatalog)
    assert not isinstance(_CatalogOnly(), EngineWorkspace) and isinstance(_CatalogOnly(), DataCatalog)


class _CatalogOnly:
    def get_dataset(self, name, version=None, *, columns=None): ...
    def dataset_info(self, name, version=None): ...
    def dataset_key(self, name, version=None): ...
    def get_model(self, name, version=None): ...
    def model_info(self, name, version=None): ...
    def load_artifact(self, artifact_id, columns=None): ...
