"""Computer Vision components, Train PyTorch Model and Score Image Model: image directories
from every kind of image cell, storage round trips, transformations by mode, pretrained
weights from a local file, and the errors a user meets."""

import base64
import io

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")
from PIL import Image  # noqa: E402  (comes with torchvision)

from jupyter_designer.components.computer_vision import (EXAMPLES, TRANSFORM_PARAMS,  # noqa: E402
                                                         _example_directory, _example_trained)
from jupyter_designer.components.computer_vision.images import (ImageDirectory,  # noqa: E402
                                                                ImageTransformation, compose)
from jupyter_designer.components.computer_vision.networks import (NetworkError, build,  # noqa: E402
                                                                  load_pretrained)
from jupyter_designer.engine.component import REGISTRY, RunContext  # noqa: E402
from jupyter_designer.engine.errors import ComponentError, PortError  # noqa: E402
from jupyter_designer.engine.pipeline import Pipeline  # noqa: E402
from jupyter_designer.store.artifacts import ArtifactStore  # noqa: E402


def run(name, inputs, params=None):
    spec = REGISTRY.get(name)
    return spec.run(RunContext(spec, seed=0), dict(inputs), spec.resolve_params(params or {}))


def png(color, size=(12, 10)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def test_palette_entries_declare_the_vision_extra():
    names = ["Convert to Image Directory", "Split Image Directory", "Init Image Transformation",
             "Apply Image Transformation", "ResNet", "DenseNet", "Train PyTorch Model",
             "Score Image Model"]
    for name in names:
        spec = REGISTRY.get(name)
        assert spec.requires == ("torch", "torchvision") and spec.install_extra == "vision"
        assert spec.as_dict()["available"] is True
    assert REGISTRY.get("Train PyTorch Model").category == "Model Training"
    assert REGISTRY.get("Score Image Model").category == "Model Scoring & Evaluation"
    train = {p.key: p.default for p in REGISTRY.get("Train PyTorch Model").params}
    assert train == {"epochs": 5, "batch_size": 16, "warmup_step_number": 0,
                     "learning_rate": 0.001, "random_seed": 1, "patience": 3,
                     "print_frequency": 10}
    dense = {p.key: p.default for p in REGISTRY.get("DenseNet").params}
    assert dense["model_name"] == "densenet201" and dense["pretrained"] is True
    assert set(EXAMPLES) == {REGISTRY.get(n).id for n in names}


def test_image_cells_of_every_kind(tmp_path):
    red, blue = png("red"), png("blue")
    path = tmp_path / "blue.png"
    path.write_bytes(blue)
    df = pd.DataFrame({"Image": [red, base64.b64encode(red).decode(),
                                 "data:image/png;base64," + base64.b64encode(blue).decode(),
                                 str(path)],
                       "Label": ["r", "r", "b", "b"]})
    d = run("Convert to Image Directory", {"input_dataset": df})["output_image_directory"]
    assert d.images == [red, red, blue, blue] and d.labels == ["r", "r", "b", "b"]
    assert d.image(2).getpixel((0, 0)) == (0, 0, 255)
    unlabeled = run("Convert to Image Directory", {"input_dataset": df[["Image"]]})
    assert unlabeled["output_image_directory"].labels is None
    with pytest.raises(ComponentError, match="neither base64 image data nor the path"):
        run("Convert to Image Directory", {"input_dataset": pd.DataFrame({"Image": ["nope!"]})})
    with pytest.raises(ComponentError, match="no image column"):
        run("Convert to Image Directory", {"input_dataset": pd.DataFrame({"x": [1]})})
    with pytest.raises(ComponentError, match="label column 'Label' has 1 missing"):
        run("Convert to Image Directory",
            {"input_dataset": pd.DataFrame({"Image": [red, red], "Label": ["r", None]})})


def test_split_keeps_each_class_in_both_outputs():
    d = ImageDirectory([png("red")] * 20, [f"i{i}" for i in range(20)], [i % 2 for i in range(20)])
    out = run("Split Image Directory", {"input_image_directory": d},
              {"fraction_of_images_in_the_first_output": 0.7})
    a, b = out["output_image_directory1"], out["output_image_directory2"]
    assert (len(a), len(b)) == (14, 6)
    assert sorted(a.labels) == [0] * 7 + [1] * 7 and sorted(b.labels) == [0] * 3 + [1] * 3
    assert set(a.names).isdisjoint(b.names)


def test_image_directory_and_image_model_survive_the_artifact_store(tmp_path):
    store = ArtifactStore(tmp_path / "artifacts", "workspace", b"s" * 32)
    model, d = _example_trained()
    for value in (d, model, ImageTransformation({"resize": True, "size": 8})):
        aid = store.put(value)
        assert store.format_of(aid) == "sk", "stored with skops, not as a pickle"
        back = store.load(aid)
        assert type(back) is type(value)
    d2 = store.load(store.put(d))
    assert d2 == d
    m2 = store.load(store.put(model))
    s1 = run("Score Image Model", {"trained_model": model, "dataset": d})["scored_dataset"]
    s2 = run("Score Image Model", {"trained_model": m2, "dataset": d2})["scored_dataset"]
    pd.testing.assert_frame_equal(s1, s2)
    assert list(s1.columns) == ["Image name", "Label", "Scored Labels",
                                "Scored Probabilities_0", "Scored Probabilities_1"]
    np.testing.assert_allclose(s1.filter(like="Probabilities").sum(axis=1), 1.0, rtol=1e-5)


def test_inference_mode_leaves_out_random_transformations():
    steps = {p.key: p.default for p in TRANSFORM_PARAMS}
    steps.update(size=40, crop_size=32, random_horizontal_flip=True, random_rotation=True,
                 random_rotation_degrees=10, grayscale=True)
    names = lambda tf: [type(t).__name__ for t in tf.transforms]  # noqa: E731
    training = names(compose([{"steps": steps, "mode": "For training"}], training=True))
    inference = names(compose([{"steps": steps, "mode": "For inference"}], training=True))
    assert "RandomHorizontalFlip" in training and "RandomRotation" in training
    assert inference == ["Resize", "CenterCrop", "Grayscale", "ToTensor", "Normalize"]
    assert names(compose([{"steps": steps, "mode": "For training"}], training=False)) == inference
    d = ImageDirectory([png("red", (50, 60))], ["a"], ["x"])
    out = run("Apply Image Transformation", {"input_image_transformation": ImageTransformation(steps),
                                             "input_image_directory": d}, {"mode": "For inference"})
    from jupyter_designer.components.computer_vision.images import tensors

    assert tuple(tensors(out["output_image_directory"], training=False).shape) == (1, 3, 32, 32)
    with pytest.raises(ComponentError, match="Init Image Transformation"):
        run("Apply Image Transformation", {"input_image_transformation": None,
                                           "input_image_directory": d}, {"mode": "For inference"})


def test_pretrained_weights_from_a_local_state_dict(tmp_path):
    torch.manual_seed(3)
    source = build("resnet18", 1000)
    file = tmp_path / "resnet18.pth"
    torch.save(source.state_dict(), file)
    untrained = run("ResNet", {}, {"model_name": "resnet18", "pretrained": True,
                                   "pretrained_weights_file": str(file)})["untrained_model"]
    assert untrained.weights == file.read_bytes()
    net = build("resnet18", 2)
    fresh = load_pretrained(net, untrained.weights, "resnet18", "the file")
    assert fresh == ["fc.weight", "fc.bias"]
    assert torch.equal(net.conv1.weight, source.conv1.weight)
    assert torch.equal(net.layer4[1].bn2.running_mean, source.layer4[1].bn2.running_mean)
    # trained from those weights: the first layer starts from the file's values
    d = _example_directory().with_transform(
        {**{p.key: p.default for p in TRANSFORM_PARAMS}, "size": 32, "crop_size": 32}, "For inference")
    trained = run("Train PyTorch Model", {"untrained_model": untrained, "training_dataset": d,
                                          "validation_dataset": d},
                  {"epochs": 1, "batch_size": 4, "learning_rate": 1e-9})["trained_model"]
    after = trained.estimator.network()
    torch.testing.assert_close(after.conv1.weight, source.conv1.weight, rtol=1e-4, atol=1e-6)
    # weights of another architecture are refused, naming it
    with pytest.raises(NetworkError, match="does not hold densenet121 weights"):
        load_pretrained(build("densenet121", 2), untrained.weights, "densenet121", "the file")
    with pytest.raises(NetworkError, match="not a PyTorch state dict"):
        load_pretrained(build("resnet18", 2), b"garbage", "resnet18", "the file")


def test_pretrained_without_a_file_says_what_to_do(tmp_path):
    with pytest.raises(ComponentError, match="no Pretrained weights file is given"):
        run("DenseNet", {}, {"model_name": "densenet121"})
    with pytest.raises(ComponentError, match="does not exist"):
        run("DenseNet", {}, {"model_name": "densenet121",
                             "pretrained_weights_file": str(tmp_path / "none.pth")})


def test_train_refuses_what_it_cannot_train():
    d = _example_directory()
    good = {p.key: p.default for p in TRANSFORM_PARAMS}
    good.update(size=32, crop_size=32)
    net = run("ResNet", {}, {"model_name": "resnet18", "pretrained": False})["untrained_model"]
    unlabeled = ImageDirectory(d.images, d.names, None)
    with pytest.raises(ComponentError, match="has no labels"):
        run("Train PyTorch Model", {"untrained_model": net, "training_dataset": unlabeled,
                                    "validation_dataset": d})
    with pytest.raises(ComponentError, match="connect ResNet or DenseNet"):
        run("Train PyTorch Model", {"untrained_model": None, "training_dataset": d,
                                    "validation_dataset": d})
    other = ImageDirectory(d.images, d.names, ["z"] * len(d))
    with pytest.raises(ComponentError, match="labels the training images lack: z"):
        run("Train PyTorch Model", {"untrained_model": net, "training_dataset": d,
                                    "validation_dataset": other})
    mixed = ImageDirectory([png("red", (20, 20)), png("red", (30, 20))], ["a", "b"], [0, 1])
    with pytest.raises(ComponentError, match="different sizes"):
        run("Train PyTorch Model", {"untrained_model": net, "training_dataset": mixed,
                                    "validation_dataset": mixed}, {"epochs": 1})
    train_model = REGISTRY.get("Train Model")
    with pytest.raises(ComponentError, match="cannot train. Use Train PyTorch Model instead"):
        train_model.run(RunContext(train_model), {"untrained_model": net, "dataset": pd.DataFrame({"a": [1]})},
                        {"label_column": ["a"]})


def test_image_directory_ports_connect_only_to_image_directories():
    p = Pipeline("ports")
    conv = p.add_component("Convert to Image Directory")
    split = p.add_component("Split Image Directory")
    clean = p.add_component("Clean Missing Data")
    p.connect(conv, "output_image_directory", split, "input_image_directory")
    with pytest.raises(PortError, match="image directory"):
        p.connect(split, "output_image_directory1", clean, None)


def test_the_sample_converts_to_an_inference_pipeline():
    """Init Image Transformation becomes a TD- node, the trained network an MD- node, Split
    Image Directory is bridged and the request rows enter Convert to Image Directory."""
    from jupyter_designer import api
    from jupyter_designer.engine.inference import derive_inference

    from pathlib import Path

    src = Pipeline.load(Path(api.__file__).parent / "samples" / "image_classification_densenet.json")
    outputs = {"init_image_transformation": {"output_image_transformation": "sk-" + "1" * 32},
               "train_pytorch_model": {"trained_model": "sk-" + "2" * 32}}
    for kind in ("realtime", "batch"):
        inf = derive_inference(src.to_dict(), outputs, kind=kind)
        nodes = {n.id: n for n in inf.nodes.values()}
        comps = sorted(n.component for n in nodes.values() if n.kind == "component")
        expected = ["apply_image_transformation", "convert_to_image_directory", "score_image_model"]
        if kind == "realtime":
            expected = sorted(expected + ["web_service_input", "web_service_output"])
        assert comps == expected, comps
        data = {n.data["type"]: n for n in nodes.values() if n.kind == "dataset"}
        assert data["transformation"].data["name"].startswith("TD-")
        assert data["model"].data["name"].startswith("MD-")
        apply_node = next(n for n in nodes.values() if n.component == "apply_image_transformation")
        assert apply_node.params["mode"] == "For inference"
        feeds = {(e.source, e.target) for e in inf.edges.values()}
        conv = next(n.id for n in nodes.values() if n.component == "convert_to_image_directory")
        assert (conv, apply_node.id) in feeds, "Split Image Directory is bridged"
        assert inf.validate() == []
