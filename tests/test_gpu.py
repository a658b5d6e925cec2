"""On a CUDA machine the hidden checks run on the GPU and reach the same verdicts as on
the CPU, for the solution and for every mutant.  Skipped without CUDA."""
from __future__ import annotations

import importlib

import pytest

from conftest import TOPICS, load_module, mutant_files, run_check


def _scores(topic: str, namespace: dict, monkeypatch, device: str) -> dict[str, float]:
    monkeypatch.setenv("GRADER_DEVICE", device)
    hidden = importlib.import_module(f"grader.hidden.{topic}")
    points = importlib.import_module(f"grader.checks.{topic}").POINTS
    return {group: run_check(getattr(hidden, group), namespace)[0] for group in points}


@pytest.mark.gpu
@pytest.mark.parametrize("topic", TOPICS)
def test_same_verdicts_on_cuda_and_cpu(topic, cuda, monkeypatch, solution_namespaces):
    cases = {"solution": solution_namespaces(topic)}
    for path in mutant_files(topic):
        cases[path.stem] = {**solution_namespaces(topic), **vars(load_module(path))}
    for name, ns in cases.items():
        on_cpu = _scores(topic, ns, monkeypatch, "cpu")
        on_gpu = _scores(topic, ns, monkeypatch, "cuda")
        assert on_gpu == on_cpu, name
