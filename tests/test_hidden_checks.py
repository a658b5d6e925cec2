"""Every hidden check: full points for the solution and for a differently written
correct answer, fewer points for every mutant, and the rules enforced."""
from __future__ import annotations

import importlib

import pytest

from conftest import TOPICS, load_module, mutant_files, run_check, REPO
from grader.checks.report import INTERNAL

CASES = [(topic, group) for topic in TOPICS
         for group in importlib.import_module(f"grader.checks.{topic}").POINTS]


def _hidden(topic: str, group: str):
    return getattr(importlib.import_module(f"grader.hidden.{topic}"), group)


def _visible(topic: str, group: str):
    return getattr(importlib.import_module(f"grader.checks.{topic}"), group)


def _points(topic: str, group: str) -> float:
    return importlib.import_module(f"grader.checks.{topic}").POINTS[group]


@pytest.mark.parametrize("topic,group", CASES)
def test_solution_gets_full_points(topic, group, solution_namespaces):
    score, report = run_check(_hidden(topic, group), solution_namespaces(topic))
    assert score == _points(topic, group), report


@pytest.mark.parametrize("topic,group", CASES)
def test_visible_check_gives_solution_full_points(topic, group, solution_namespaces):
    score, report = run_check(_visible(topic, group), solution_namespaces(topic))
    assert score == _points(topic, group), report


@pytest.mark.parametrize("topic,group", CASES)
def test_alternative_solution_gets_full_points(topic, group):
    alt = load_module(REPO / "tests" / "alt" / f"{topic}.py")
    score, report = run_check(_hidden(topic, group), vars(alt))
    assert score == _points(topic, group), report


MUTANTS = [(topic, path) for topic in TOPICS for path in mutant_files(topic)]


@pytest.mark.parametrize("topic,path", MUTANTS, ids=[f"{t}/{p.stem}" for t, p in MUTANTS])
def test_mutant_loses_points(topic, path, solution_namespaces):
    mutant = load_module(path)
    ns = {**solution_namespaces(topic), **vars(mutant)}
    score, report = run_check(_hidden(topic, mutant.GROUP), ns)
    assert score < _points(topic, mutant.GROUP), f"{path.name} ({mutant.__doc__.strip()}) kept full points:\n{report}"
    assert "FAIL" in report and INTERNAL not in report, report


def test_enough_mutants_per_topic():
    for topic in TOPICS:
        assert len(mutant_files(topic)) >= 8, topic


@pytest.mark.parametrize("topic,group", CASES)
def test_stub_scores_zero_and_says_not_implemented(topic, group):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    params = __import__("inspect").signature(_hidden(topic, group)).parameters
    ns = {name: stub for name in params}
    for check in (_hidden(topic, group), _visible(topic, group)):
        score, report = run_check(check, ns)
        assert score == 0.0, report
        assert "not implemented yet" in report and INTERNAL not in report, report
