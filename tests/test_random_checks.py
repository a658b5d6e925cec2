"""Statistical checks never fail a correct answer by bad luck: the differently written
correct implementation keeps full points for 1000 different seeds of every random group.

The seeds of one group are shared among worker processes, one per CPU core (each with one
torch thread), so the test takes about 1/cores of its serial time.
"""
from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from conftest import REPO, TOPICS, load_module

SEEDS = range(1000)
CASES = [(topic, group) for topic in TOPICS
         for group in getattr(importlib.import_module(f"grader.hidden.{topic}"), "SEEDED", {})]


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)


def failing_seeds(topic: str, group: str, seeds: list[int]) -> list[tuple[int, str]]:
    """Run one group's seeded check on the alternative solution for ``seeds``; return (seed, report)
    for every seed that did not give full points."""
    hidden = importlib.import_module(f"grader.hidden.{topic}")
    points = importlib.import_module(f"grader.checks.{topic}").POINTS[group]
    check = hidden.SEEDED[group]
    alt = vars(load_module(REPO / "tests" / "alt" / f"{topic}.py"))
    args = [alt[name] for name in inspect.signature(check).parameters if name != "seed"]
    failures = []
    for seed in seeds:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            score = check(*args, seed=seed * 7919)
        if score != points:
            failures.append((seed, out.getvalue()))
    return failures


@pytest.fixture(scope="module")
def workers():
    count = max(1, min(os.cpu_count() or 1, 8))
    with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"), initializer=_one_thread) as pool:
        yield pool, count


@pytest.mark.slow
@pytest.mark.parametrize("topic,group", CASES)
def test_correct_answer_passes_for_1000_seeds(topic, group, workers):
    pool, count = workers
    chunks = [list(SEEDS)[i::count] for i in range(count)]
    failures = sorted(f for part in pool.map(failing_seeds, [topic] * count, [group] * count, chunks) for f in part)
    assert not failures, f"{len(failures)} of {len(SEEDS)} seeds failed; the first:\n{failures[0][1]}"
