"""grader.reference.initialization against torch.nn.init and against the formulas.

Fans and gains are compared value for value with torch; each initialiser is
compared with torch.nn.init drawing from the same seed, and its samples with the
formula by statistical tests whose bounds a correct initialiser passes for any
seed (false-failure probability at most 1e-6 each, see ``_check_samples``).
layer_stats is compared with a hand loop, init_residual_mlp and lsuv_init with
the properties the catalogue asks for.
"""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from grader.reference import initialization as ref

DTYPES = [torch.float32, torch.float64]

# Two-sided normal tail at Z = 6 is 2e-9.  For the variance of normal samples the
# exact chi-square tails at the sizes used here (n ≥ 1.2e5) are 2.0e-9 too; for
# means of other i.i.d. terms the normal approximation is far inside the margin.
Z = 6.0
FAIL_PROB = 1e-6          # the budget of one call of _check_samples, all its parts together
PART_PROB = FAIL_PROB / 4  # for each of the two exact bounds (uniform bound, KS)


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.fixture
def default_float64():
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


# ---------------------------------------------------------------- fans

def _torch_fans(shape):
    return nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


FAN_CASES = [  # shape, (fan_in, fan_out) by hand
    (nn.Linear(5, 3).weight.shape, (5, 3)),
    ((7, 7), (7, 7)),
    (nn.Conv1d(4, 6, 3).weight.shape, (12, 18)),
    (nn.Conv2d(3, 8, (5, 7)).weight.shape, (105, 280)),
    (nn.Conv3d(2, 4, (1, 2, 3)).weight.shape, (12, 24)),
    (nn.ConvTranspose2d(6, 2, 3).weight.shape, (18, 54)),  # torch reads dim 1 as the input here too
    ((0, 5), (5, 0)),
]


@pytest.mark.parametrize("shape,fans", FAN_CASES, ids=[str(tuple(s)) for s, _ in FAN_CASES])
def test_compute_fans_matches_torch_and_hand(shape, fans):
    for as_given in (shape, tuple(shape), list(shape), torch.Size(shape)):
        got = ref.compute_fans(as_given)
        assert type(got) is tuple and all(type(f) is int for f in got)
        assert got == fans == _torch_fans(shape)


@pytest.mark.parametrize("shape", [(), (5,), [3]])
def test_compute_fans_rejects_fewer_than_two_dims(shape):
    with pytest.raises(ValueError):
        ref.compute_fans(shape)
    with pytest.raises(ValueError):
        _torch_fans(shape)


# ---------------------------------------------------------------- gains

GAIN_CASES = [  # nonlinearity, param, value by hand
    *[(n, None, 1.0) for n in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                               "conv_transpose2d", "conv_transpose3d", "sigmoid")],
    ("tanh", None, 5 / 3),
    ("relu", None, math.sqrt(2)),
    ("leaky_relu", None, math.sqrt(2 / (1 + 0.01 ** 2))),
    ("leaky_relu", 0.2, math.sqrt(2 / (1 + 0.2 ** 2))),
    ("leaky_relu", 0, math.sqrt(2)),
    ("leaky_relu", 1, 1.0),
    ("selu", None, 0.75),
]


@pytest.mark.parametrize("nonlinearity,param,value", GAIN_CASES, ids=[f"{n}-{p}" for n, p, _ in GAIN_CASES])
def test_calculate_gain_matches_torch_and_hand(nonlinearity, param, value):
    got = ref.calculate_gain(nonlinearity, param)
    assert type(got) is float
    assert got == float(nn.init.calculate_gain(nonlinearity, param))
    assert got == pytest.approx(value, rel=1e-15)


def test_calculate_gain_rejects_unknown_names_and_bad_params():
    for name in ("gelu", "ReLU", "softmax", ""):
        with pytest.raises(ValueError):
            ref.calculate_gain(name)
    with pytest.raises(ValueError):
        ref.calculate_gain("leaky_relu", "0.1")


# ---------------------------------------------------------------- statistics of an initialiser

def _check_samples(w: torch.Tensor, std: float, kind: str) -> None:
    """i.i.d. samples from Normal(0, std²) or Uniform(−√3 std, √3 std): mean, variance,
    bound and whole distribution.  A correct sampler fails any of them with
    probability ≤ 2e-9 + 2e-9 + 2.5e-7 + 2.5e-7 < 1e-6, whatever the seed.

    - mean: |mean| ≤ Z σ / √n (central limit theorem);
    - variance: with the mean known to be 0, mean(w²)/σ² has standard deviation
      √((κ − 1)/n), κ = E w⁴/σ⁴ = 3 (normal) or 9/5 (uniform); allowed Z of those;
    - uniform bound b: every |w| ≤ b, and P(max |w| < b(1 − ε)) = (1 − ε)ⁿ ≤ e^(−nε),
      so ε = ln(1/p)/n with p = PART_PROB;
    - Kolmogorov–Smirnov distance to the CDF ≤ √(ln(2/p)/(2n)) (the
      Dvoretzky–Kiefer–Wolfowitz inequality with Massart's constant: exact, no
      approximation), p = PART_PROB.
    """
    x = w.detach().double().flatten().cpu()
    n = x.numel()
    assert math.isfinite(std) and std > 0
    assert abs(x.mean().item()) <= Z * std / math.sqrt(n), "mean far from 0"
    kurtosis = 3.0 if kind == "normal" else 9 / 5
    ratio = (x.pow(2).mean() / std ** 2).item()
    assert abs(ratio - 1) <= Z * math.sqrt((kurtosis - 1) / n), f"variance ratio {ratio}"
    xs = x.sort().values
    if kind == "normal":
        cdf = torch.special.ndtr(xs / std)
    else:
        bound = math.sqrt(3) * std
        biggest = xs.abs().max().item()
        assert biggest <= bound * (1 + 1e-6), f"sample {biggest} beyond the bound {bound}"
        assert biggest >= bound * (1 - math.log(1 / PART_PROB) / n), f"no sample near the bound {bound}"
        cdf = ((xs + bound) / (2 * bound)).clamp(0, 1)
    i = torch.arange(1, n + 1, dtype=torch.float64)
    ks = torch.maximum(i / n - cdf, cdf - (i - 1) / n).max().item()
    assert ks <= math.sqrt(math.log(2 / PART_PROB) / (2 * n)), f"KS distance {ks}"


def _by_hand_fans(shape):
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


LINEAR = (1000, 400)        # Linear(400, 1000): fan_in 400, fan_out 1000
CONV = (128, 64, 3, 5)      # fan_in 960, fan_out 1920
SLOPE = 0.2

# name, keyword arguments, shape, std by hand, distribution, torch's initialiser and its arguments
INIT_CASES = [
    ("lecun_normal", {}, LINEAR, 1 / math.sqrt(400), "normal", nn.init.kaiming_normal_, {"nonlinearity": "linear"}),
    ("lecun_normal", {}, CONV, 1 / math.sqrt(960), "normal", nn.init.kaiming_normal_, {"nonlinearity": "linear"}),
    ("xavier_normal", {}, LINEAR, math.sqrt(2 / 1400), "normal", nn.init.xavier_normal_, {}),
    ("xavier_normal", {"gain": 5 / 3}, CONV, 5 / 3 * math.sqrt(2 / 2880), "normal", nn.init.xavier_normal_,
     {"gain": 5 / 3}),
    ("xavier_uniform", {}, LINEAR, math.sqrt(2 / 1400), "uniform", nn.init.xavier_uniform_, {}),
    ("xavier_uniform", {"gain": 2.0}, CONV, 2 * math.sqrt(2 / 2880), "uniform", nn.init.xavier_uniform_,
     {"gain": 2.0}),
    ("kaiming_normal", {}, LINEAR, math.sqrt(2 / 400), "normal", nn.init.kaiming_normal_, {}),
    ("kaiming_normal", {"nonlinearity": "relu"}, CONV, math.sqrt(2 / 960), "normal", nn.init.kaiming_normal_,
     {"nonlinearity": "relu"}),
    ("kaiming_normal", {"a": SLOPE}, LINEAR, math.sqrt(2 / (1 + SLOPE ** 2) / 400), "normal",
     nn.init.kaiming_normal_, {"a": SLOPE}),
    ("kaiming_normal", {"mode": "fan_out", "nonlinearity": "relu"}, LINEAR, math.sqrt(2 / 1000), "normal",
     nn.init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal", {"mode": "fan_out", "nonlinearity": "tanh"}, CONV, 5 / 3 / math.sqrt(1920), "normal",
     nn.init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "tanh"}),
    ("kaiming_uniform", {}, LINEAR, math.sqrt(2 / 400), "uniform", nn.init.kaiming_uniform_, {}),
    ("kaiming_uniform", {"a": SLOPE, "mode": "fan_out"}, CONV, math.sqrt(2 / (1 + SLOPE ** 2) / 1920), "uniform",
     nn.init.kaiming_uniform_, {"a": SLOPE, "mode": "fan_out"}),
    ("kaiming_uniform", {"nonlinearity": "selu"}, CONV, 0.75 / math.sqrt(960), "uniform",
     nn.init.kaiming_uniform_, {"nonlinearity": "selu"}),
    ("kaiming_uniform", {"nonlinearity": "linear"}, LINEAR, 1 / math.sqrt(400), "uniform",
     nn.init.kaiming_uniform_, {"nonlinearity": "linear"}),
]
INIT_IDS = [f"{name}-{'-'.join(map(str, kw.values()))}-{len(shape)}d" for name, kw, shape, *_ in INIT_CASES]


def test_hand_fans_agree_with_the_cases():
    assert _by_hand_fans(LINEAR) == (400, 1000) and _by_hand_fans(CONV) == (960, 1920)


@pytest.mark.parametrize("name,kw,shape,std,kind,torch_init,torch_kw", INIT_CASES, ids=INIT_IDS)
def test_initialiser_matches_torch_and_the_formula(name, kw, shape, std, kind, torch_init, torch_kw):
    fn = getattr(ref, name)
    w = fn(shape, generator=_gen(10), **kw)
    assert type(w) is torch.Tensor and w.shape == shape
    assert w.dtype == torch.get_default_dtype() and w.device.type == "cpu" and not w.requires_grad
    want = torch_init(torch.empty(shape), generator=_gen(10), **torch_kw)
    assert torch.equal(w, want), "differs from torch.nn.init with the same seed"
    _check_samples(w, std, kind)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_statistical_bounds_pass_torch_for_other_seeds(seed):
    for name, kw, shape, std, kind, *_ in INIT_CASES[::3]:
        _check_samples(getattr(ref, name)(shape, generator=_gen(100 + seed), **kw), std, kind)


def test_statistical_bounds_catch_a_wrong_std_and_a_wrong_distribution():
    g = _gen(3)
    for wrong, std, kind in [(torch.randn(LINEAR, generator=g) * 1.01, 1.0, "normal"),
                             ((torch.rand(LINEAR, generator=g) * 2 - 1) * math.sqrt(3), 1.0, "normal"),
                             (torch.randn(LINEAR, generator=g), 1.0, "uniform"),
                             ((torch.rand(LINEAR, generator=g) * 2 - 1), 1.0, "uniform")]:
        with pytest.raises(AssertionError):
            _check_samples(wrong, std, kind)


INITIALISERS = ["lecun_normal", "xavier_normal", "xavier_uniform", "kaiming_normal", "kaiming_uniform",
                "orthogonal"]


@pytest.mark.parametrize("name", INITIALISERS)
def test_initialiser_is_repeatable_and_leaves_the_global_rng_alone(name):
    fn = getattr(ref, name)
    torch.manual_seed(1234)
    state = torch.get_rng_state()
    a, b = fn((30, 20), generator=_gen(7)), fn((30, 20), generator=_gen(7))
    assert torch.equal(a, b)
    assert not torch.equal(a, fn((30, 20), generator=_gen(8)))
    assert torch.equal(torch.get_rng_state(), state), "drew from the global RNG despite a generator"
    g = _gen(7)
    assert not torch.equal(fn((30, 20), generator=g), fn((30, 20), generator=g)), "a generator should advance"
    # Without a generator: the global RNG, so torch.manual_seed repeats it.
    torch.manual_seed(5)
    c = fn((30, 20))
    torch.manual_seed(5)
    assert torch.equal(c, fn((30, 20)))


@pytest.mark.parametrize("name", INITIALISERS)
def test_initialiser_takes_the_default_dtype_and_handles_edge_shapes(name, default_float64):
    fn = getattr(ref, name)
    w = fn((6, 4, 3), generator=_gen(0))
    assert w.dtype == torch.float64 and w.shape == (6, 4, 3)
    for empty in ((0, 5), (5, 0), (0, 0), (4, 0, 3)):
        assert fn(empty, generator=_gen(0)).shape == empty
    with pytest.raises(ValueError):
        fn((5,), generator=_gen(0))


def test_initialisers_accept_lists_and_torch_sizes():
    for name in INITIALISERS:
        fn = getattr(ref, name)
        want = fn((8, 3, 2), generator=_gen(4))
        assert torch.equal(fn([8, 3, 2], generator=_gen(4)), want)
        assert torch.equal(fn(torch.Size([8, 3, 2]), generator=_gen(4)), want)


# ---------------------------------------------------------------- orthogonal

ORTHO_SHAPES = [(50, 80), (80, 50), (30, 30), (16, 4, 3, 3), (64, 2, 2, 2), (1, 7), (7, 1)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("gain", [1.0, 2.5])
@pytest.mark.parametrize("shape", ORTHO_SHAPES, ids=str)
def test_orthogonal_is_orthonormal_times_gain(shape, gain, dtype):
    before = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        w = ref.orthogonal(shape, gain=gain, generator=_gen(2))
        want = nn.init.orthogonal_(torch.empty(shape), gain=gain, generator=_gen(2))
    finally:
        torch.set_default_dtype(before)
    assert w.shape == shape and w.dtype == dtype
    assert torch.equal(w, want)
    m = w.reshape(shape[0], -1)
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    eye = torch.eye(gram.shape[0], dtype=dtype)
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    torch.testing.assert_close(gram, gain ** 2 * eye, rtol=0, atol=tol * gain ** 2)


def test_orthogonal_entries_have_variance_one_over_the_long_side():
    # An entry of a Haar-random orthonormal 200x200 matrix has mean 0 and variance 1/200;
    # 40,000 entries of one matrix are not independent, so only a loose check here.
    w = ref.orthogonal((200, 200), generator=_gen(9))
    assert w.pow(2).mean().item() == pytest.approx(1 / 200, rel=1e-5)  # exact: trace(WᵀW) = 200
    assert abs(w.mean().item()) < 5e-3


# ---------------------------------------------------------------- layer_stats

def _stats_by_hand(x, weights, activation):
    rows, h = [], x.double()
    for W in weights:
        h = activation(h @ W.double())
        mean = h.sum() / h.numel()
        std = (((h - mean) ** 2).sum() / h.numel()).sqrt()
        rows.append([mean.item(), std.item()])
    return torch.tensor(rows, dtype=torch.float64).reshape(len(weights), 2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", [torch.tanh, torch.relu, lambda t: t], ids=["tanh", "relu", "identity"])
def test_layer_stats_matches_a_hand_loop(activation, dtype):
    g = _gen(11)
    dims = [32, 64, 48, 48, 16, 8]
    x = torch.randn(100, dims[0], generator=g, dtype=dtype)
    weights = [torch.randn(a, b, generator=g, dtype=dtype) / math.sqrt(a) for a, b in zip(dims, dims[1:])]
    got = ref.layer_stats(x, weights, activation)
    assert type(got) is torch.Tensor and got.shape == (5, 2) and got.dtype == dtype and got.device == x.device
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    torch.testing.assert_close(got.double(), _stats_by_hand(x, weights, activation), rtol=tol, atol=tol)


def test_layer_stats_uses_the_population_std_of_the_activations():
    x = torch.tensor([[1.0, -1.0]])
    got = ref.layer_stats(x, [torch.eye(2)], lambda t: t)
    assert got.tolist() == [[0.0, 1.0]]                     # not √2, the unbiased std
    got = ref.layer_stats(x, [torch.eye(2), torch.eye(2)], torch.relu)
    assert got.tolist() == [[0.5, 0.5], [0.5, 0.5]]         # stats after relu, not of h @ W
    assert ref.layer_stats(x, [], torch.tanh).shape == (0, 2)


def test_layer_stats_leaves_its_inputs_alone_and_builds_no_graph():
    g = _gen(12)
    x = torch.randn(10, 4, generator=g)
    weights = [torch.randn(4, 4, generator=g).requires_grad_(True) for _ in range(3)]
    copies = [x.clone()] + [w.detach().clone() for w in weights]
    got = ref.layer_stats(x, weights, torch.tanh)
    assert not got.requires_grad
    assert all(torch.equal(a, b) for a, b in zip([x] + weights, copies))


# ---------------------------------------------------------------- residual init

def test_init_residual_mlp_shapes_zeros_and_kaiming_std():
    blocks = ref.init_residual_mlp(4, 256, generator=_gen(13))
    assert type(blocks) is list and len(blocks) == 4
    for pair in blocks:
        assert type(pair) is tuple and len(pair) == 2
        W1, W2 = pair
        for W in pair:
            assert W.shape == (256, 256) and W.dtype == torch.get_default_dtype() and W.device.type == "cpu"
        assert torch.count_nonzero(W2) == 0
    firsts = torch.stack([W1 for W1, _ in blocks])
    _check_samples(firsts, math.sqrt(2 / 256), "normal")
    assert not any(torch.equal(blocks[i][0], blocks[j][0]) for i in range(4) for j in range(i))


def test_init_residual_mlp_draws_block_by_block_from_the_generator():
    blocks = ref.init_residual_mlp(2, 30, generator=_gen(14))
    g = _gen(14)
    for W1, _ in blocks:
        assert torch.equal(W1, nn.init.kaiming_normal_(torch.empty(30, 30), nonlinearity="relu", generator=g))
    torch.manual_seed(0)
    state = torch.get_rng_state()
    again = ref.init_residual_mlp(2, 30, generator=_gen(14))
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(a, b) for pa, pb in zip(blocks, again) for a, b in zip(pa, pb))


def test_init_residual_mlp_edge_cases_and_identity_blocks(default_float64):
    assert ref.init_residual_mlp(0, 8, generator=_gen(0)) == []
    blocks = ref.init_residual_mlp(3, 8, generator=_gen(0))
    assert all(W.dtype == torch.float64 for pair in blocks for W in pair)
    x = torch.randn(5, 8, generator=_gen(1))
    h = x
    for W1, W2 in blocks:
        h = h + torch.relu(h @ W1) @ W2
    assert torch.equal(h, x), "with W2 = 0 every block is the identity"


# ---------------------------------------------------------------- LSUV

def _lsuv_case(dtype, seed=15):
    g = _gen(seed)
    dims = [64, 100, 80, 120, 10]
    x = 3 * torch.randn(500, dims[0], generator=g, dtype=dtype) + 1
    scales = [0.01, 10.0, 1.0, 0.3]
    weights = [s * torch.randn(a, b, generator=g, dtype=dtype) for s, a, b in zip(scales, dims, dims[1:])]
    return x, weights


def _preact_stds(x, weights, activation):
    stds, h = [], x
    for W in weights:
        z = h @ W
        stds.append(z.std(correction=0).item())
        h = activation(z)
    return stds


def _orthonormal_up_to_scale(W):
    """c with W's columns (tall W) or rows (wide W) orthogonal, each of norm c; asserts it."""
    gram = W.T @ W if W.shape[0] >= W.shape[1] else W @ W.T
    c2 = gram.diagonal().mean()
    tol = 1e-5 if W.dtype == torch.float32 else 1e-11
    torch.testing.assert_close(gram / c2, torch.eye(gram.shape[0], dtype=W.dtype), rtol=0, atol=tol)
    return c2.sqrt().item()


def _same_span(W_out, W_in):
    """W_in's columns (tall) or rows (wide) lie in the span of W_out's: an orthogonalisation of W_in."""
    A, B = (W_out, W_in) if W_in.shape[0] >= W_in.shape[1] else (W_out.T, W_in.T)
    Q = torch.linalg.qr(A).Q
    residual = torch.linalg.matrix_norm(Q @ (Q.T @ B) - B) / torch.linalg.matrix_norm(B)
    assert residual.item() <= (1e-5 if B.dtype == torch.float32 else 1e-12), f"not W's span: {residual.item()}"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", [torch.tanh, torch.relu], ids=["tanh", "relu"])
def test_lsuv_reaches_unit_std_with_orthogonal_weights(activation, dtype):
    x, weights = _lsuv_case(dtype)
    copies = [x.clone()] + [W.clone() for W in weights]
    tol = 0.05
    got = ref.lsuv_init(weights, x, activation, tol=tol)
    assert type(got) is list and len(got) == len(weights)
    for W_out, W_in in zip(got, weights):
        assert type(W_out) is torch.Tensor and W_out.shape == W_in.shape
        assert W_out.dtype == dtype and W_out.device == W_in.device
        assert W_out is not W_in and W_out.untyped_storage().data_ptr() != W_in.untyped_storage().data_ptr()
        _orthonormal_up_to_scale(W_out)
        _same_span(W_out, W_in)
    assert all(abs(s - 1) <= tol for s in _preact_stds(x, got, activation)), _preact_stds(x, got, activation)
    assert all(torch.equal(a, b) for a, b in zip([x] + weights, copies)), "modified its inputs"
    again = ref.lsuv_init(weights, x, activation, tol=tol)
    assert all(torch.equal(a, b) for a, b in zip(got, again))


def test_lsuv_scales_the_pre_activation_not_the_output():
    # sigmoid outputs lie in (0, 1), so their std can never reach 1: only the
    # pre-activation can, and that is the one LSUV sets.
    x, weights = _lsuv_case(torch.float64, seed=16)
    got = ref.lsuv_init(weights, x, torch.sigmoid, tol=0.01)
    assert all(abs(s - 1) <= 0.01 for s in _preact_stds(x, got, torch.sigmoid))


def test_lsuv_respects_tol_and_max_iter():
    g = _gen(17)
    x = 1.3 * torch.randn(4000, 40, generator=g, dtype=torch.float64)
    W = torch.randn(40, 40, generator=g, dtype=torch.float64)
    loose = ref.lsuv_init([W], x, torch.tanh, tol=0.5)[0]   # std of x @ Q is about 1.3: inside 1 ± 0.5
    assert _orthonormal_up_to_scale(loose) == pytest.approx(1.0, rel=1e-12)
    tight = ref.lsuv_init([W], x, torch.tanh, tol=0.01)[0]
    assert abs(_preact_stds(x, [tight], torch.tanh)[0] - 1) <= 0.01
    assert _orthonormal_up_to_scale(tight) == pytest.approx(1 / 1.3, rel=0.05)
    x2, weights = _lsuv_case(torch.float64)
    for W_out in ref.lsuv_init(weights, x2, torch.tanh, max_iter=0):   # no rescaling: just orthonormal
        assert _orthonormal_up_to_scale(W_out) == pytest.approx(1.0, rel=1e-12)
    once = ref.lsuv_init(weights, x2, torch.tanh, tol=0.0, max_iter=1)
    assert abs(_preact_stds(x2, once, torch.tanh)[0] - 1) < 1e-12     # one division is exact for a linear map


def test_lsuv_moves_on_when_the_std_is_zero():
    x, weights = _lsuv_case(torch.float32)
    # zero inputs: every layer sees zeros; an activation that outputs zeros: every layer after the first
    for inputs, activation, first_zero in [(torch.zeros_like(x), torch.tanh, 0), (x, lambda t: t * 0, 1)]:
        got = ref.lsuv_init(weights, inputs, activation)
        assert all(torch.isfinite(W).all() for W in got)
        for W in got[first_zero:]:                            # left orthonormal, never divided by 0
            assert _orthonormal_up_to_scale(W) == pytest.approx(1.0, rel=1e-5)


def test_lsuv_of_no_layers_and_of_weights_that_need_grad():
    x, weights = _lsuv_case(torch.float32)
    assert ref.lsuv_init([], x, torch.tanh) == []
    leaves = [W.clone().requires_grad_(True) for W in weights]
    got = ref.lsuv_init(leaves, x, torch.tanh)
    assert all(not W.requires_grad for W in got)
    assert all(W.grad is None for W in leaves)


# ---------------------------------------------------------------- the module itself

def test_every_public_function_is_trusted():
    assert len(ref.__all__) == 11
    assert all(getattr(getattr(ref, n), "__grader_trusted__", False) for n in ref.__all__)


def test_initialization_is_a_reference_topic():
    from grader.reference import TOPICS
    assert "initialization" in TOPICS


# ---------------------------------------------------------------- CUDA

@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device: torch.cuda.is_available() is False")
@pytest.mark.parametrize("dtype", DTYPES)
def test_references_on_cuda(dtype):
    before = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        for name, kw, shape, std, kind, *_ in INIT_CASES:
            g = torch.Generator(device="cuda").manual_seed(20)
            w = getattr(ref, name)(shape, generator=g, **kw)
            assert w.device.type == "cuda" and w.dtype == dtype
            again = getattr(ref, name)(shape, generator=torch.Generator(device="cuda").manual_seed(20), **kw)
            assert torch.equal(w, again)
            _check_samples(w, std, kind)
        w = ref.orthogonal((40, 90), gain=2.0, generator=torch.Generator(device="cuda").manual_seed(21))
        assert w.device.type == "cuda" and w.dtype == dtype
        torch.testing.assert_close(w @ w.T, 4 * torch.eye(40, dtype=dtype, device="cuda"), rtol=0,
                                   atol=1e-4 if dtype == torch.float32 else 1e-11)
        blocks = ref.init_residual_mlp(2, 16, generator=torch.Generator(device="cuda").manual_seed(22))
        assert all(W.device.type == "cuda" and W.dtype == dtype for pair in blocks for W in pair)
    finally:
        torch.set_default_dtype(before)

    x, weights = _lsuv_case(dtype)
    rtol = 1e-4 if dtype == torch.float32 else 1e-9
    on_gpu = ref.layer_stats(x.cuda(), [W.cuda() for W in weights], torch.tanh)
    assert on_gpu.device.type == "cuda" and on_gpu.dtype == dtype
    torch.testing.assert_close(on_gpu.cpu(), ref.layer_stats(x, weights, torch.tanh), rtol=rtol, atol=rtol)
    got = ref.lsuv_init([W.cuda() for W in weights], x.cuda(), torch.tanh)
    assert all(W.device.type == "cuda" and W.dtype == dtype for W in got)
    assert all(abs(s - 1) <= 0.05 for s in _preact_stds(x.cuda(), got, torch.tanh))
    for W_gpu, W_in in zip(got, weights):
        _orthonormal_up_to_scale(W_gpu.cpu())
        _same_span(W_gpu.cpu(), W_in)
