"""grader.train: the student-activation module, the MLP builder and the training loop."""
import math

import pytest
import torch
from torch import nn

import grader
from grader import data, train


# tiny local activation pairs, written the way a student would
def relu_forward(x):
    return x.clamp_min(0.0), x


def relu_backward(dout, cache):
    return dout * (cache > 0).to(dout.dtype)


def tanh_forward(x):
    out = torch.tanh(x)
    return out, out


def tanh_backward(dout, out):
    return dout * (1.0 - out * out)


def relu_module():
    return train.Activation(relu_forward, relu_backward)


@pytest.fixture(scope="module")
def digits():
    return data.split_digits(seed=0)


# ---------------------------------------------------------------------------
# Activation


@pytest.mark.parametrize("pair, torch_fn", [((relu_forward, relu_backward), torch.relu),
                                             ((tanh_forward, tanh_backward), torch.tanh)])
def test_activation_gradient_matches_autograd(pair, torch_fn):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(5, 7, dtype=torch.float64, generator=gen)
    x[0, 0] = 0.0  # the kink of relu: both sides take the gradient 0 there
    weights = torch.randn(5, 7, dtype=torch.float64, generator=gen)

    x1 = x.clone().requires_grad_()
    out1 = train.Activation(*pair)(x1)
    (out1 * weights).sum().backward()

    x2 = x.clone().requires_grad_()
    out2 = torch_fn(x2)
    (out2 * weights).sum().backward()

    assert torch.allclose(out1, out2) and torch.allclose(x1.grad, x2.grad)


def test_activation_uses_the_hand_written_backward():
    # a deliberately wrong backward must be what autograd returns
    act = train.Activation(relu_forward, lambda dout, cache: 3.0 * dout, name="odd")
    x = torch.tensor([-1.0, 2.0], requires_grad=True)
    act(x).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    assert "odd" in repr(act)
    assert "relu" in repr(relu_module())  # the name defaults to the forward's name


# ---------------------------------------------------------------------------
# mlp


def test_mlp_layout_and_determinism():
    a = train.mlp([64, 32, 16, 10], relu_module, generator=torch.Generator().manual_seed(1))
    b = train.mlp([64, 32, 16, 10], relu_module, generator=torch.Generator().manual_seed(1))
    c = train.mlp([64, 32, 16, 10], relu_module, generator=torch.Generator().manual_seed(2))
    assert [type(m) for m in a] == [nn.Linear, train.Activation] * 2 + [nn.Linear]
    for pa, pb, pc in zip(a.parameters(), b.parameters(), c.parameters()):
        assert torch.equal(pa, pb) and not torch.equal(pa, pc)
    # no generator: a fixed seed, and the global generator untouched
    state = torch.get_rng_state()
    d, e = train.mlp([8, 4, 2], nn.ReLU()), train.mlp([8, 4, 2], nn.ReLU())
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(p, q) for p, q in zip(d.parameters(), e.parameters()))
    shared = nn.ReLU()
    f = train.mlp([8, 4, 4, 2], shared)
    assert f[1] is shared and f[3] is shared  # an instance is reused
    g = train.mlp([8, 4, 4, 2], nn.ReLU)
    assert g[1] is not g[3]  # a factory makes one per layer


@pytest.mark.parametrize("init, std", [("lecun", 1.0), ("kaiming", 2.0 ** 0.5)])
def test_mlp_normal_inits(init, std):
    net = train.mlp([400, 300, 10], nn.Tanh, init=init)
    assert torch.all(net[0].bias == 0)
    assert net[0].weight.std().item() == pytest.approx(std / math.sqrt(400), rel=0.02)


def test_mlp_default_init_matches_torch_bounds():
    net = train.mlp([100, 50], nn.ReLU)
    bound = 1 / math.sqrt(100)
    w, b = net[0].weight, net[0].bias
    assert w.abs().max() <= bound and w.abs().max() > 0.95 * bound
    assert b.abs().max() <= bound
    assert w.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.05)  # uniform's std


def test_small_cnn_layout_determinism_and_init():
    net = train.small_cnn(1, 10, widths=(4, 6), image_size=8, generator=torch.Generator().manual_seed(3))
    again = train.small_cnn(1, 10, widths=(4, 6), image_size=8, generator=torch.Generator().manual_seed(3))
    convs = [m for m in net if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [4, 6] and net[-1].in_features == 6 * 2 * 2
    assert net(torch.zeros(5, 1, 8, 8)).shape == (5, 10)
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(), again.state_dict().values()))
    bound = 1 / math.sqrt(4 * 9)                      # the second convolution: fan_in = 4 channels · 3 · 3
    assert 0.9 * bound < convs[1].weight.abs().max() <= bound
    with pytest.raises(ValueError, match="halved"):
        train.small_cnn(image_size=6, widths=(4, 4))


# ---------------------------------------------------------------------------
# train_classifier


def _run(digits, seed=0, steps=40, **kwargs):
    model = train.mlp([64, 64, 10], relu_module, generator=torch.Generator().manual_seed(0))
    return train.train_classifier(model, digits.X_train, digits.y_train, X_val=digits.X_val,
                                  y_val=digits.y_val, steps=steps, seed=seed, progress=False,
                                  device="cpu", **kwargs)


def test_same_seed_same_run(digits):
    a, b, c = _run(digits, seed=5), _run(digits, seed=5), _run(digits, seed=6)
    assert a.train_loss == b.train_loss and a.val_acc == b.val_acc
    assert a.train_loss != c.train_loss


def test_history_layout(digits):
    h = _run(digits, steps=25, eval_every=10, name="small")
    assert h.name == "small" and h.steps == list(range(1, 26)) and len(h.train_loss) == 25
    assert h.eval_steps == [10, 20, 25] and len(h.val_acc) == len(h.train_acc) == 3
    assert h.seconds > 0 and h.final_val_acc == h.val_acc[-1]


def test_adam_runs_and_unknown_optimizer_is_refused(digits):
    h = _run(digits, steps=20, optimizer="adam", lr=1e-3)
    assert h.train_loss[-1] < h.train_loss[0]
    with pytest.raises(ValueError, match="optimizer"):
        _run(digits, optimizer="lbfgs")


def test_digits_mlp_learns(digits):
    model = train.mlp([64, 256, 10], relu_module)
    h = train.train_classifier(model, digits.X_train, digits.y_train, X_val=digits.X_val,
                               y_val=digits.y_val, progress=False, device="cpu")
    first, last = sum(h.train_loss[:10]) / 10, sum(h.train_loss[-10:]) / 10
    assert last < 0.3 * first
    assert h.final_val_acc > 0.85
    assert train.accuracy(model, digits.X_test, digits.y_test) > 0.85
    assert model.training  # back in training mode after the evaluations


def test_progress_bar_off_while_grading(digits, monkeypatch, capsys):
    monkeypatch.setattr(grader, "GRADING", True)
    _run(digits, steps=5)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_augment_sees_every_training_batch_and_may_return_soft_targets(digits):
    calls = []

    def soft_identity(images, labels, generator):
        calls.append((images.shape, generator.device.type))
        return images, torch.nn.functional.one_hot(labels, 10).to(images.dtype)

    plain, soft = _run(digits, steps=15, batch_size=32), _run(digits, steps=15, batch_size=32, augment=soft_identity)
    assert calls == [((32, 64), "cpu")] * 15
    # one-hot targets give the same cross-entropy as the labels: the same run
    assert soft.train_loss == pytest.approx(plain.train_loss, rel=1e-5)


def test_augment_is_seeded_and_changes_training_not_evaluation(digits):
    def noise(images, labels, generator):
        return images + torch.randn(images.shape, generator=generator), labels

    a, b = _run(digits, steps=20, augment=noise, eval_every=20), _run(digits, steps=20, augment=noise, eval_every=20)
    assert a.train_loss == b.train_loss and a.val_acc == b.val_acc
    assert a.train_loss != _run(digits, steps=20, eval_every=20).train_loss


def test_steps_to():
    h = train.History(name="h", eval_steps=[10, 20, 30], val_acc=[0.5, 0.91, 0.95])
    assert h.steps_to(0.9) == 20 and h.steps_to(0.95) == 30 and h.steps_to(0.99) is None
    assert h.final_val_acc == 0.95
    assert math.isnan(train.History(name="empty").final_val_acc)


@pytest.mark.gpu
def test_trains_on_cuda(digits):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device: torch.cuda.is_available() is False")
    model = train.mlp([64, 128, 10], relu_module)
    h = train.train_classifier(model, digits.X_train, digits.y_train, X_val=digits.X_val,
                               y_val=digits.y_val, steps=200, progress=False, device="cuda")
    assert next(model.parameters()).device.type == "cuda"
    assert h.final_val_acc > 0.85
    cpu = train.train_classifier(train.mlp([64, 128, 10], relu_module), digits.X_train, digits.y_train,
                                 X_val=digits.X_val, y_val=digits.y_val, steps=200, progress=False,
                                 device="cpu")
    # same batches and same start: the two devices agree up to float rounding
    assert h.train_loss[0] == pytest.approx(cpu.train_loss[0], rel=1e-4)
