"""PyTorch image classifiers: torchvision's ResNet and DenseNet architectures, trained by
Train PyTorch Model and scored by Score Image Model.

No weights are downloaded: a network starts untrained, or from a state dict the user saved
to a local file (``torch.save(model.state_dict(), path)``). A trained network is kept as the
bytes of its state dict and loaded back with ``torch.load(..., weights_only=True)``, which
reads tensors only and runs no code.
"""

from __future__ import annotations

import io
import math
import time
from dataclasses import dataclass, field

from jupyter_designer.components.ml import SCORED_LABELS, probability_column
from jupyter_designer.engine.models import UntrainedModel

from .images import tensors

RESNETS = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d",
           "resnext101_32x8d", "wide_resnet50_2", "wide_resnet101_2")
DENSENETS = ("densenet121", "densenet161", "densenet169", "densenet201")
#: the task of an untrained image model (Train Model refuses it; Train PyTorch Model takes it)
IMAGE_TASK = "image classification"
FACTORY = "jupyter_designer.components.computer_vision.networks.build_untrained"


@dataclass
class ImageUntrainedModel(UntrainedModel):
    """ResNet's or DenseNet's output: the architecture's settings and, when pretrained, the
    bytes of the weights file (so a changed file trains anew)."""

    weights: bytes = b""

    def describe(self) -> dict:
        return {**super().describe(), "pretrained weights (bytes)": len(self.weights)}


def build_untrained(params: dict, seed: int):
    import torch

    torch.manual_seed(seed)
    return build(params["model_name"], 1000, memory_efficient=bool(params.get("memory_efficient")),
                 zero_init_residual=bool(params.get("zero_init_residual")))


class NetworkError(ValueError):
    """A network cannot be built, loaded or trained."""


def build(model_name: str, num_classes: int, *, memory_efficient: bool = False,
          zero_init_residual: bool = False):
    """An untrained torchvision network with ``num_classes`` outputs."""
    from torchvision import models

    if model_name in DENSENETS:
        return getattr(models, model_name)(weights=None, num_classes=num_classes,
                                           memory_efficient=memory_efficient)
    if model_name in RESNETS:
        return getattr(models, model_name)(weights=None, num_classes=num_classes,
                                           zero_init_residual=zero_init_residual)
    raise NetworkError(f"unknown model name {model_name!r}; choose one of "
                       f"{', '.join(RESNETS + DENSENETS)}.")


def read_state(data: bytes, what: str) -> dict:
    import torch

    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise NetworkError(f"{what} is not a PyTorch state dict that can be loaded safely "
                           f"({type(exc).__name__}: {exc}). Save one with "
                           "torch.save(model.state_dict(), path).") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise NetworkError(f"{what} holds {type(state).__name__}, not a state dict. Save one with "
                           "torch.save(model.state_dict(), path).")
    return state


def load_pretrained(net, data: bytes, model_name: str, what: str) -> list[str]:
    """Load pretrained weights into ``net``; the classifier layer is kept new when its shape
    differs (another number of classes). Returns the names of the layers left new."""
    state = read_state(data, what)
    own = net.state_dict()
    fresh = [k for k, v in state.items() if k in own and tuple(own[k].shape) != tuple(v.shape)]
    for k in fresh:
        state.pop(k)
    result = net.load_state_dict(state, strict=False)
    head = ("classifier.", "fc.")
    missing = [k for k in result.missing_keys if not k.startswith(head)]
    if missing or result.unexpected_keys:
        raise NetworkError(
            f"{what} does not hold {model_name} weights: "
            f"{len(missing)} layers missing (e.g. {missing[:2]}), "
            f"{len(result.unexpected_keys)} unexpected (e.g. {result.unexpected_keys[:2]}). "
            f"Give a state dict saved from torchvision's {model_name}.")
    return fresh + [k for k in result.missing_keys if k not in fresh]


def device():
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass
class ImageClassifier:
    """A trained network: its architecture, classes and weights (state dict bytes)."""

    model_name: str
    classes: list
    state: bytes
    settings: dict = field(default_factory=dict)
    history: list = field(default_factory=list)    # per epoch: loss, validation accuracy

    def network(self):
        net = build(self.model_name, len(self.classes),
                    memory_efficient=bool(self.settings.get("memory_efficient")),
                    zero_init_residual=bool(self.settings.get("zero_init_residual")))
        net.load_state_dict(read_state(self.state, "the trained model"))
        net.eval()
        return net

    def predict_proba(self, batch, *, batch_size: int = 64):
        """Class probabilities (numpy, rows x classes) for a float tensor of images."""
        import torch

        net = self.network()
        dev = device()
        net.to(dev)
        out = []
        with torch.no_grad():
            for i in range(0, len(batch), batch_size):
                logits = net(batch[i:i + batch_size].to(dev))
                out.append(torch.softmax(logits, dim=1).cpu())
        return torch.cat(out).numpy() if out else None


def train(untrained, train_x, train_y, valid_x, valid_y, *, classes, epochs, batch_size,
          warmup, learning_rate, seed, patience, print_frequency, log) -> ImageClassifier:
    """Train ``untrained`` (an UntrainedModel of ResNet/DenseNet) with SGD (momentum 0.9),
    a linear warm-up over ``warmup`` epochs then polynomial decay, early stopping after
    ``patience`` epochs without a lower validation loss; the best epoch's weights are kept.

    PyTorch splits a CPU computation's sums between its threads, so weights and scores depend
    on how many there are: the count is kept in the model's settings (``threads``), and an
    exported script sets the same."""
    import torch
    from torch import nn

    p = untrained.params
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    net = build(p["model_name"], len(classes), memory_efficient=bool(p.get("memory_efficient")),
                zero_init_residual=bool(p.get("zero_init_residual")))
    if untrained.weights:
        fresh = load_pretrained(net, untrained.weights, p["model_name"],
                                f"the pretrained weights file {p.get('pretrained_weights_file')!r}")
        log("Loaded pretrained weights; new layers: %s", ", ".join(fresh) or "none")
    dev = device()
    log("Training %s on %s: %d training images, %d validation images, %d classes",
        p["model_name"], dev.type.upper(), len(train_y), len(valid_y), len(classes))
    net.to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=learning_rate, momentum=0.9, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    steps_per_epoch = max(1, math.ceil(len(train_y) / batch_size))
    total = steps_per_epoch * epochs
    warm_steps = warmup * steps_per_epoch

    def lr_at(step):
        if step < warm_steps:
            return learning_rate * (step + 1) / warm_steps
        return learning_rate * (1 - (step - warm_steps) / max(1, total - warm_steps)) ** 0.9

    best, best_state, bad, step, history = math.inf, None, 0, 0, []
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        net.train()
        xs = train_x(epoch)
        order = torch.randperm(len(train_y), generator=gen)
        running = 0.0
        for i in range(steps_per_epoch):
            idx = order[i * batch_size:(i + 1) * batch_size]
            if len(idx) < 2 and len(train_y) >= 2:  # batch norm needs two images
                continue
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            opt.zero_grad()
            loss = loss_fn(net(xs[idx].to(dev)), train_y[idx].to(dev))
            loss.backward()
            opt.step()
            step += 1
            running += loss.item()
            if print_frequency and (i + 1) % print_frequency == 0:
                log("Epoch %d [%d/%d] loss %.4f lr %.5f", epoch, i + 1, steps_per_epoch,
                    loss.item(), lr_at(step - 1))
        net.eval()
        with torch.no_grad():
            vloss, correct = 0.0, 0
            for i in range(0, len(valid_y), 256):
                logits = net(valid_x[i:i + 256].to(dev))
                target = valid_y[i:i + 256].to(dev)
                vloss += float(loss_fn(logits, target)) * len(target)
                correct += int((logits.argmax(1) == target).sum())
        vloss /= max(1, len(valid_y))
        acc = correct / max(1, len(valid_y))
        if not math.isfinite(vloss):
            raise NetworkError(f"the validation loss became {vloss} in epoch {epoch}; lower the "
                               "Learning rate.")
        history.append({"epoch": epoch, "train loss": running / steps_per_epoch,
                        "validation loss": vloss, "validation accuracy": acc,
                        "seconds": round(time.perf_counter() - started, 2)})
        log("Epoch %d: train loss %.4f, validation loss %.4f, validation accuracy %.4f",
            epoch, running / steps_per_epoch, vloss, acc)
        if vloss < best:
            best, bad = vloss, 0
            best_state = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
        else:
            bad += 1
            if bad >= patience:
                log("Early stopping after epoch %d: no lower validation loss for %d epochs",
                    epoch, patience)
                break
    buf = io.BytesIO()
    torch.save(best_state, buf)
    settings = {k: p.get(k) for k in ("memory_efficient", "zero_init_residual")}
    settings["threads"] = torch.get_num_threads()
    return ImageClassifier(p["model_name"], list(classes), buf.getvalue(), settings, history)


def train_classifier(untrained, train_images, valid_images, *, epochs, batch_size,
                     warmup_step_number, learning_rate, random_seed, patience, print_frequency,
                     log) -> ImageClassifier:
    """Train PyTorch Model: check the two labeled image directories, read their images (the
    training images anew each epoch when their transformation has random steps) and
    :func:`train`."""
    import torch

    for d, label in ((train_images, "Training dataset"), (valid_images, "Validation dataset")):
        if not d.labeled:
            raise NetworkError(f"the '{label}' image directory has no labels; convert a dataset "
                               "with a label column with Convert to Image Directory.")
        if len(d) == 0:
            raise NetworkError(f"the '{label}' image directory is empty.")
    classes = train_images.classes
    unknown = sorted(set(valid_images.labels) - set(classes), key=str)
    if unknown:
        raise NetworkError(f"the validation images have labels the training images lack: "
                           f"{', '.join(map(str, unknown[:5]))}; both need the same classes.")
    if len(classes) < 2:
        raise NetworkError("the training images have one class only; a classifier needs two or "
                           "more.")
    code = {c: i for i, c in enumerate(classes)}
    y_train = torch.tensor([code[v] for v in train_images.labels])
    y_valid = torch.tensor([code[v] for v in valid_images.labels])
    valid_x = tensors(valid_images, training=False)
    fixed = None if any(t["mode"] == "For training" for t in train_images.transforms) \
        else tensors(train_images, training=True)
    return train(untrained, lambda epoch: fixed if fixed is not None else tensors(train_images, training=True),
                 y_train, valid_x, y_valid, classes=classes, epochs=epochs,
                 batch_size=batch_size, warmup=warmup_step_number, learning_rate=learning_rate,
                 seed=random_seed, patience=patience, print_frequency=print_frequency, log=log)


def score_table(classifier: ImageClassifier, classes, images, label_column):
    """Score Image Model: each image's name, its label when known, Scored Labels and one
    Scored Probabilities_<class> column per class."""
    import numpy as np
    import pandas as pd

    proba = classifier.predict_proba(tensors(images, training=False))
    classes = list(classes)
    out = pd.DataFrame({"Image name": list(images.names)})
    if images.labeled:
        out[label_column] = list(images.labels)
    if len(images):
        best = np.asarray(proba).argmax(axis=1)
        out[SCORED_LABELS] = pd.Series([classes[i] for i in best])
    else:
        out[SCORED_LABELS] = pd.Series([], dtype=object)
    for j, c in enumerate(classes):
        out[probability_column(c)] = np.asarray(proba)[:, j] if len(images) else np.array([], float)
    return out
