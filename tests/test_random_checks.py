"""Statistical checks never fail a correct answer by bad luck: the differently written
correct implementation keeps full points for 1000 different seeds of every random group."""
from __future__ import annotations

import contextlib
import importlib
import inspect
import io

import pytest

from conftest import REPO, TOPICS, load_module

SEEDS = range(1000)
CASES = [(topic, group) for topic in TOPICS
         for group in getattr(importlib.import_module(f"grader.hidden.{topic}"), "SEEDED", {})]


@pytest.mark.slow
@pytest.mark.parametrize("topic,group", CASES)
def test_correct_answer_passes_for_1000_seeds(topic, group):
    hidden = importlib.import_module(f"grader.hidden.{topic}")
    points = importlib.import_module(f"grader.checks.{topic}").POINTS[group]
    check = hidden.SEEDED[group]
    alt = vars(load_module(REPO / "tests" / "alt" / f"{topic}.py"))
    args = [alt[name] for name in inspect.signature(check).parameters if name != "seed"]
    failures = []
    for seed in SEEDS:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            score = check(*args, seed=seed * 7919)
        if score != points:
            failures.append((seed, out.getvalue()))
    assert not failures, f"{len(failures)} of {len(SEEDS)} seeds failed; the first:\n{failures[0][1]}"
