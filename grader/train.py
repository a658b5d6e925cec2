"""The small training loop that the experiments share.

- :class:`Activation` runs a student's activation pair (``forward(x) -> (out,
  cache)``, ``backward(dout, cache) -> dx``) as a torch module, so a torch model
  trains with the student's own forward and hand-written backward;
- :func:`mlp` builds a multilayer perceptron, :func:`small_cnn` a small
  convolutional network, both with deterministic weights;
- :func:`train_classifier` trains with cross-entropy and minibatch SGD or Adam,
  optionally augmenting every minibatch, identically for a given seed, and
  returns a :class:`History`.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

import grader
from grader.device import get_device, make_generator

__all__ = ["Activation", "History", "accuracy", "mlp", "small_cnn", "train_classifier"]


# ---------------------------------------------------------------------------
# a student's activation as a module


def _detached(cache):
    """``cache`` with every tensor detached (same storage, no autograd history).

    The forward's output is usually in its own cache; kept as is on the autograd
    context it would form a reference cycle (output -> grad_fn -> context ->
    output) that Python's garbage collector cannot see, and memory would leak.
    """
    if isinstance(cache, torch.Tensor):
        return cache.detach()
    if isinstance(cache, tuple) and hasattr(cache, "_fields"):  # a NamedTuple
        return type(cache)(*(_detached(c) for c in cache))
    if isinstance(cache, (tuple, list)):
        return type(cache)(_detached(c) for c in cache)
    if isinstance(cache, dict):
        return {k: _detached(v) for k, v in cache.items()}
    return cache


class _StudentFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, forward, backward):
        out, cache = forward(x)
        ctx.cache, ctx.student_backward = _detached(cache), backward
        return out

    @staticmethod
    def backward(ctx, dout):
        dx = ctx.student_backward(dout, ctx.cache)
        del ctx.cache  # free it now rather than with the graph
        return dx, None, None


class Activation(nn.Module):
    """An elementwise activation from a forward/backward pair, usable in ``nn.Sequential``.

    ``forward(x) -> (out, cache)`` computes ``out = f(x)``; ``backward(dout, cache)
    -> dx`` returns ``dx = dout * f'(x)``. Autograd calls the hand-written backward
    instead of differentiating the forward. Extra arguments (a slope, an alpha) are
    bound by the caller, e.g. with ``functools.partial``.
    """

    def __init__(self, forward: Callable, backward: Callable, name: str | None = None):
        super().__init__()
        self.student_forward, self.student_backward = forward, backward
        self.name = name or getattr(forward, "__name__", "activation").removesuffix("_forward")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _StudentFunction.apply(x, self.student_forward, self.student_backward)

    def extra_repr(self) -> str:
        return self.name


# ---------------------------------------------------------------------------
# a multilayer perceptron


def _init_layer(layer: nn.Linear | nn.Conv2d, init: str, generator: torch.Generator) -> None:
    fan_in = layer.weight[0].numel()  # in_features, or in_channels · kernel area for a convolution
    with torch.no_grad():
        if init == "default":
            # torch's own scheme: kaiming_uniform(a=sqrt(5)) has bound
            # sqrt(6 / (1 + a^2)) / sqrt(fan_in) = 1 / sqrt(fan_in); the bias uses the same bound
            bound = 1.0 / math.sqrt(fan_in)
            layer.weight.uniform_(-bound, bound, generator=generator)
            layer.bias.uniform_(-bound, bound, generator=generator)
        elif init in ("lecun", "kaiming"):
            std = math.sqrt((1.0 if init == "lecun" else 2.0) / fan_in)
            layer.weight.normal_(0.0, std, generator=generator)
            layer.bias.zero_()
        else:
            raise ValueError(f"init={init!r}: expected 'default', 'lecun' or 'kaiming'")


def mlp(sizes: list[int], activation, *, generator: torch.Generator | None = None,
        init: str = "default") -> nn.Sequential:
    """``Linear(sizes[0], sizes[1]), act, Linear(sizes[1], sizes[2]), act, ..., Linear(.., sizes[-1])``.

    ``activation`` is a module (reused between layers: activations hold no state) or
    a factory called once per hidden layer. Weights come from ``generator`` (a fixed
    seed 0 when None; never the global generator), on the generator's device:

    - ``"default"``: torch's Linear init, W and b uniform in ±1/sqrt(fan_in);
    - ``"lecun"``:   W ~ N(0, 1/fan_in), b = 0;
    - ``"kaiming"``: W ~ N(0, 2/fan_in), b = 0.
    """
    if len(sizes) < 2:
        raise ValueError(f"sizes={sizes}: need at least an input and an output size")
    generator = generator if generator is not None else make_generator(0)
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if i > 0:
            layers.append(activation if isinstance(activation, nn.Module) else activation())
        # skip_init: no draw from the global generator before our own init
        linear = nn.utils.skip_init(nn.Linear, fan_in, fan_out, device=generator.device)
        _init_layer(linear, init, generator)
        layers.append(linear)
    return nn.Sequential(*layers)


def small_cnn(in_channels: int = 1, num_classes: int = 10, *, widths: tuple[int, ...] = (16, 32),
              image_size: int = 8, generator: torch.Generator | None = None) -> nn.Sequential:
    """``[Conv2d 3×3 (padding 1) → ReLU → MaxPool2d 2]`` once per entry of ``widths``, then
    ``Flatten → Linear`` to ``num_classes``: ``(N, in_channels, image_size, image_size) -> (N, num_classes)``.

    Each pooling halves the side, so ``image_size`` must be divisible by ``2 ** len(widths)``.
    Weights and biases use torch's default scheme (uniform in ±1/sqrt(fan_in), fan_in =
    in_channels · 9 for a convolution), drawn from ``generator`` (a fixed seed 0 when None).
    """
    if image_size % 2 ** len(widths):
        raise ValueError(f"image_size={image_size} cannot be halved {len(widths)} times")
    generator = generator if generator is not None else make_generator(0)
    layers: list[nn.Module] = []
    channels = in_channels
    for width in widths:
        conv = nn.utils.skip_init(nn.Conv2d, channels, width, 3, padding=1, device=generator.device)
        _init_layer(conv, "default", generator)
        layers += [conv, nn.ReLU(), nn.MaxPool2d(2)]
        channels = width
    side = image_size // 2 ** len(widths)
    head = nn.utils.skip_init(nn.Linear, channels * side * side, num_classes, device=generator.device)
    _init_layer(head, "default", generator)
    return nn.Sequential(*layers, nn.Flatten(), head)


# ---------------------------------------------------------------------------
# training


@dataclass
class History:
    """What one training run recorded.

    ``train_loss[i]`` is the minibatch loss of update ``steps[i]`` (1, 2, ...);
    ``val_acc`` and ``train_acc`` were measured after the updates in ``eval_steps``.
    """

    name: str
    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def steps_to(self, target_acc: float) -> int | None:
        """The first evaluated step whose validation accuracy is >= ``target_acc``, else None."""
        for step, acc in zip(self.eval_steps, self.val_acc):
            if acc >= target_acc:
                return step
        return None

    @property
    def final_val_acc(self) -> float:
        """Validation accuracy at the last evaluation (nan without validation data)."""
        return self.val_acc[-1] if self.val_acc else math.nan


def _model_device(model: nn.Module, fallback: torch.device) -> torch.device:
    param = next(model.parameters(), None)
    return param.device if param is not None else fallback


def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor, batch_size: int = 1024) -> float:
    """Fraction of rows of ``X`` whose largest logit is at ``y``, in eval mode, without grad."""
    was_training = model.training
    device = _model_device(model, X.device)
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            logits = model(X[start:start + batch_size].to(device))
            correct += (logits.argmax(dim=1) == y[start:start + batch_size].to(device)).sum()
    model.train(was_training)
    return float(correct) / max(len(X), 1)


def _optimizer(name, params, lr, momentum, weight_decay):
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"optimizer={name!r}: expected 'sgd' or 'adam'")


def _minibatches(n: int, batch_size: int, generator: torch.Generator):
    """Endless index batches: a fresh permutation each epoch, drawn from ``generator``."""
    batch_size = min(batch_size, n)
    while True:
        order = torch.randperm(n, generator=generator)
        for start in range(0, n - batch_size + 1, batch_size):
            yield order[start:start + batch_size]


def train_classifier(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, *,
    X_val: torch.Tensor | None = None, y_val: torch.Tensor | None = None,
    steps: int = 300, lr: float = 0.1, batch_size: int = 64,
    optimizer: str = "sgd", momentum: float = 0.9, weight_decay: float = 0.0,
    seed: int = 0, eval_every: int = 10, progress: bool = True, name: str | None = None,
    device=None, loss_fn: Callable | None = None, augment: Callable | None = None,
) -> History:
    """Train ``model`` on ``(X, y)`` for ``steps`` minibatch updates; return a :class:`History`.

    The loss is ``loss_fn(logits, y)`` (cross-entropy by default). ``augment(images, labels,
    generator) -> (images, targets)``, when given, transforms every training minibatch;
    ``targets`` may be the labels or ``(B, num_classes)`` probabilities (mixup), which the
    default cross-entropy accepts; its ``generator`` lives on ``device`` and is seeded from
    ``seed``. Evaluation always sees the data unaugmented. Minibatches come
    from a CPU generator seeded with ``seed`` (one permutation per epoch, last
    partial batch dropped), so a seed always gives the same run. Every
    ``eval_every`` steps and after the last one the model is evaluated (eval mode, no
    grad) on the validation set and on up to 4,096 fixed training examples.
    ``model`` and the data go to ``device`` (default :func:`grader.device.get_device`).
    ``optimizer`` is ``"sgd"`` (with ``momentum``) or ``"adam"``.
    """
    device = torch.device(device) if device is not None else get_device()
    loss_fn = loss_fn or F.cross_entropy
    model.to(device)
    X, y = X.to(device), y.to(device)
    has_val = X_val is not None and y_val is not None
    if has_val:
        X_val, y_val = X_val.to(device), y_val.to(device)
    generator = make_generator(seed)
    augment_generator = make_generator(seed + 2, device) if augment is not None else None
    # training accuracy on a fixed subset keeps evaluation cheap on big sets
    seen = torch.randperm(len(X), generator=make_generator(seed + 1))[:4096].to(device)
    X_seen, y_seen = X[seen], y[seen]

    opt = _optimizer(optimizer, model.parameters(), lr, momentum, weight_decay)
    history = History(name=name or type(model).__name__)
    losses: list[torch.Tensor] = []  # kept on the device: no sync per step
    batches = _minibatches(len(X), batch_size, generator)
    bar = tqdm(range(1, steps + 1), desc=history.name, leave=False,
               disable=not progress or grader.GRADING)
    model.train()
    start = time.perf_counter()
    for step in bar:
        idx = next(batches).to(device)
        inputs, targets = X[idx], y[idx]
        if augment is not None:
            inputs, targets = augment(inputs, targets, augment_generator)
        loss = loss_fn(model(inputs), targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
        if step % eval_every == 0 or step == steps:
            history.eval_steps.append(step)
            history.train_acc.append(accuracy(model, X_seen, y_seen))
            postfix = {"loss": f"{loss.item():.3f}"}
            if has_val:
                history.val_acc.append(accuracy(model, X_val, y_val))
                postfix["val_acc"] = f"{history.val_acc[-1]:.3f}"
            bar.set_postfix(postfix, refresh=False)
    history.steps = list(range(1, steps + 1))
    history.train_loss = torch.stack(losses).tolist() if losses else []
    history.seconds = time.perf_counter() - start
    return history
