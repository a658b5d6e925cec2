"""The check harness: reports, rules, and the tricks a submission might try."""
from __future__ import annotations

import sys
import warnings

import pytest
import torch

from grader.checks import integrity
from grader.checks.call import call_student, forbidden_set
from grader.checks.report import Failure, Report
from grader.hidden import activations as hidden

from conftest import run_check


def test_report_scores_by_weight_and_rounds_down():
    r = Report("demo", points=2)
    with r.sub("a", weight=1):
        pass
    with r.sub("b", weight=2):
        raise Failure("broken", ["x 1"], "try again")
    assert r.score() == 0.66
    text = r.render()
    assert text.splitlines()[0] == "demo: 0.66 / 2 points"
    assert "  ok    a" in text and "  FAIL  b" in text and "hint: try again" in text


def test_report_prints_to_stdout_only(capsys):
    r = Report("demo", points=1)
    with r.sub("a"):
        pass
    assert r.finish() == 1.0
    out, err = capsys.readouterr()
    assert "demo: 1 / 1 points" in out and err == ""


def _stable_sigmoid(x):
    z = torch.exp(-x.abs())
    out = torch.where(x >= 0, 1 / (1 + z), z / (1 + z))
    return out, out


def _sigmoid_backward(dout, s):
    return dout * s * (1 - s)


def test_forbidden_call_is_caught_however_imported(capsys):
    from torch import sigmoid as sneaky  # bound before the check runs

    def forward(x):
        out = sneaky(x)
        return out, out

    score, report = run_check(hidden.sigmoid, {"sigmoid_forward": forward, "sigmoid_backward": _sigmoid_backward})
    assert score < 2
    assert "torch.sigmoid" in report and "forbids" in report


def test_autograd_in_a_backward_is_caught():
    def backward(dout, s):
        x = torch.log(s / (1 - s)).detach().requires_grad_()
        with torch.enable_grad():
            y = 1 / (1 + torch.exp(-x))
            (g,) = torch.autograd.grad(y, x, dout)
        return g

    score, report = run_check(hidden.sigmoid, {"sigmoid_forward": _stable_sigmoid, "sigmoid_backward": backward})
    assert score < 2 and "torch.autograd.grad" in report


def test_calling_the_reference_is_caught():
    from grader.reference import activations as ref

    score, report = run_check(hidden.sigmoid, {"sigmoid_forward": ref.sigmoid_forward,
                                               "sigmoid_backward": ref.sigmoid_backward})
    assert score < 1 and "grader's own implementation" in report


def test_tensor_subclass_that_fools_eq_fails():
    class Agreeable(torch.Tensor):
        def __eq__(self, other):
            return True

    def forward(x):
        out, cache = _stable_sigmoid(x)
        return out.as_subclass(Agreeable), cache

    score, report = run_check(hidden.sigmoid, {"sigmoid_forward": forward, "sigmoid_backward": _sigmoid_backward})
    assert score < 2 and "should be a torch.Tensor, got Agreeable" in report


def test_torch_function_override_cannot_fake_comparisons():
    class Liar(torch.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            if func in (torch.allclose, torch.equal):
                return True
            return super().__torch_function__(func, types, args, kwargs or {})

    def forward(x):
        return torch.zeros_like(x).as_subclass(Liar), None

    score, _ = run_check(hidden.sigmoid, {"sigmoid_forward": forward, "sigmoid_backward": _sigmoid_backward})
    assert score == 0.0


def test_monkeypatched_torch_is_detected(monkeypatch):
    monkeypatch.setattr(torch, "allclose", lambda *a, **k: True)
    score, report = run_check(hidden.sigmoid, {"sigmoid_forward": _stable_sigmoid,
                                               "sigmoid_backward": _sigmoid_backward})
    assert score == 0.0 and "tampering detected: torch.allclose" in report


def test_replaced_grader_function_is_detected(monkeypatch):
    from grader.checks import compare

    monkeypatch.setattr(compare, "assert_close", lambda *a, **k: None)
    assert "grader.checks.compare.assert_close" in integrity.tampered()


def test_integrity_is_clean_without_tampering():
    assert integrity.tampered() == []


def test_warnings_and_stderr_are_caught_not_leaked(capsys):
    def forward(x):
        warnings.warn("a harmless warning from a correct answer")
        print("debug output", file=sys.stderr)
        return _stable_sigmoid(x)

    score = hidden.sigmoid(forward, _sigmoid_backward)
    out, err = capsys.readouterr()
    assert err == ""
    assert "emitted a warning (caught)" in out
    # warning-free is part of the stability contract: only that sub-check is lost
    assert 0 < score < 2


def test_in_place_change_of_the_input_is_reported():
    def forward(x):
        x.clamp_(min=0)
        return x, x

    outcome = call_student(forward, torch.tensor([-1.0, 2.0]))
    with pytest.raises(Failure, match="in place"):
        outcome.get()


def test_forbidden_set_ignores_names_missing_from_this_torch():
    found = forbidden_set(["torch.sigmoid", "torch.no_such_function"])
    assert list(found.values()) == ["torch.sigmoid"]


def test_student_exceptions_never_escape():
    def boom(x):
        raise SystemExit(3)

    outcome = call_student(boom, torch.zeros(2))
    assert isinstance(outcome.error, SystemExit)
    with pytest.raises(Failure, match="raised SystemExit"):
        outcome.get()


@pytest.mark.gpu
def test_cuda_only_failure_is_rerun_on_cpu(cuda, monkeypatch):
    monkeypatch.setenv("GRADER_DEVICE", "cuda")

    def forward(x):  # creates a CPU tensor: breaks on CUDA only
        z = torch.exp(-x.abs())
        offset = torch.zeros(x.shape, dtype=x.dtype)    # on the CPU whatever x is on
        out = torch.where(x >= 0, 1 / (1 + z), z / (1 + z)) + offset
        return out, out

    score, report = run_check(hidden.sigmoid, {"sigmoid_forward": forward, "sigmoid_backward": _sigmoid_backward})
    assert score == 2, report
    assert "graded on the CPU instead" in report


def test_a_visible_check_short_of_full_points_raises_under_nbgrader_validate(monkeypatch):
    from grader.checks import activations as check
    from grader.checks.harness import VisibleCheckFailed

    def stub(*args, **kwargs):
        raise NotImplementedError()

    assert check.relu(stub, stub) == 0.0                           # a student's own run: a report and 0
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with pytest.raises(VisibleCheckFailed, match="relu: the visible check gives 0 of 2 points; failed: forward"):
        check.relu(stub, stub)
