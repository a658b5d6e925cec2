"""grader autograde: the same grades as plain nbgrader, every broken submission graded with its
reason, resumable after kill -9, sandboxed, on a Dask cluster and with a PostgreSQL gradebook."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest

from conftest import MUTANTS
from grader.batch import sandbox
from grader.batch.batch import autograde_batch
from grader.course import REPO, autograde, generate, grade_rows, notebook_path, scratch_course
from grader.submissions import filled_release, solution_sources, write_submission

A = "01_activations"
FAST = {"cell_timeout": 4.0, "interrupt_grace": 2.0}


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A scratch course with the 01_activations release in its gradebook, and the solution's answers."""
    root = scratch_course(tmp_path_factory.mktemp("batch") / "course", [A])
    release = generate(root, A)
    return root, release, solution_sources(notebook_path(root, "solutions", A))


def _course(released, tmp_path, submissions: dict) -> Path:
    """A copy of the released course with ``submissions``: student -> answers (None: the stub)."""
    root = tmp_path / "course"
    shutil.copytree(released[0], root)
    for student, answers in submissions.items():
        write_submission(root, A, student, None if answers is None else filled_release(root / "course" / A /
                                                                                        "activations.ipynb", answers))
    return root


def _scores(root: Path) -> dict[str, tuple[float, dict]]:
    return {r.student: (r.score, r.cells) for r in grade_rows(root, A)}


def _with(answers: dict, group: str, code: str, before: bool = True) -> dict:
    return {**answers, group: (code + "\n" + answers[group]) if before else code}


def _mutant(name: str) -> str:
    return (MUTANTS / "activations" / f"{name}.py").read_text()


def _journal(root: Path) -> dict[str, dict]:
    lines = (root / ".grader" / f"journal-{A}.jsonl").read_text().splitlines()
    return {e["student"]: e for e in map(json.loads, lines)}


@pytest.mark.slow
def test_same_scores_as_plain_nbgrader(released, tmp_path):
    answers = released[2]
    subs = {"solution": answers, "stub": None,
            "onebug": {**answers, "relu": answers["relu"].replace("x > 0", "x >= 0")},
            "mutant-sigmoid": _with(answers, "sigmoid", _mutant("sigmoid_backward_missing_one_minus"), before=False),
            "mutant-maxout": _with(answers, "maxout", _mutant("maxout_ties_to_highest"), before=False)}
    plain, ours = _course(released, tmp_path / "plain", subs), _course(released, tmp_path / "ours", subs)
    for student in subs:
        autograde(plain, A, student)
    summary = autograde_batch(assignment=A, root=ours, workers=2, progress=False)
    assert sorted(summary.graded) == sorted(subs) and not summary.failed
    assert _scores(ours) == _scores(plain)
    assert _scores(ours)["solution"][0] == 26 and _scores(ours)["stub"][0] == 0
    assert 0 < _scores(ours)["mutant-sigmoid"][0] < 26


@pytest.mark.slow
def test_broken_submissions_get_their_reason_and_the_batch_completes(released, tmp_path):
    answers = released[2]
    subs = {"solution": answers,
            "hangs": _with(answers, "relu", "while True:\n    pass"),
            "ignores-interrupts": _with(answers, "elu", "import time\nwhile True:\n    try:\n        time.sleep(10)\n"
                                                       "    except KeyboardInterrupt:\n        pass"),
            "exits": _with(answers, "tanh", "import os\nos._exit(3)"),
            "segfaults": _with(answers, "tanh", "import ctypes\nctypes.string_at(0)"),
            "sys-exit": _with(answers, "tanh", "import sys\nsys.exit(1)"),
            "memory-bomb": _with(answers, "tanh", "hog = bytearray(3 << 30)"),
            "floods": _with(answers, "tanh", "print('x' * (12 << 20))"),
            "kills-the-worker": _with(answers, "tanh", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)")}
    root = _course(released, tmp_path, subs)
    (root / "submitted" / "not-json" / A).mkdir(parents=True)
    (root / "submitted" / "not-json" / A / "activations.ipynb").write_text("{ this is not a notebook")
    (root / "submitted" / "no-notebook" / A).mkdir(parents=True)
    (root / "submitted" / "no-notebook" / A / "notes.txt").write_text("forgot to upload")
    summary = autograde_batch(assignment=A, root=root, workers=2, limits={**FAST, "memory_bytes": 1 << 30},
                              progress=False)
    scores, journal = _scores(root), _journal(root)
    assert set(journal) == set(subs) | {"not-json", "no-notebook"} and not summary.failed
    assert scores["solution"][0] == 26 and journal["solution"]["status"] == "graded"
    # interrupted after the time limit, the notebook goes on: only relu's group is lost
    lost = [cell for cell, (s, m) in scores["hangs"][1].items() if s < m]
    assert lost == ["test_relu"] and journal["hangs"]["status"] == "graded"
    assert "interrupted" in " ".join(journal["hangs"]["problems"])
    assert journal["ignores-interrupts"]["status"] == "incomplete" and "ignored" in journal["ignores-interrupts"][
        "reason"]
    for student, words in (("exits", "exit status 3"), ("segfaults", "SIGSEGV"),
                           ("ignores-interrupts", "longer than 4 s")):
        assert journal[student]["status"] == "incomplete" and words in journal[student]["reason"], journal[student]
    # cells before the crash keep their points (sigmoid), the rest score 0
    for student in ("exits", "segfaults"):
        assert scores[student][1]["test_sigmoid"] == (2.0, 2.0) and scores[student][0] == 2.0
    assert scores["ignores-interrupts"][1]["test_prelu"] == (3.0, 3.0) and scores["ignores-interrupts"][0] < 26
    assert scores["sys-exit"][0] == 24 and journal["sys-exit"]["status"] == "graded"     # a cell error, not a crash
    mem = journal["memory-bomb"]
    assert mem["status"] == "graded" and scores["memory-bomb"][0] == 24, mem      # MemoryError in the cell
    assert journal["floods"]["status"] == "graded" and "output truncated" in " ".join(journal["floods"]["problems"])
    graded_nb = (root / "autograded" / "floods" / A / "activations.ipynb").stat().st_size
    assert graded_nb < 12 << 20
    for student, words in (("not-json", "not a valid notebook"), ("no-notebook", "no activations.ipynb"),
                           ("kills-the-worker", "worker died twice")):
        assert journal[student]["status"] == "ungradable" and words in journal[student]["reason"]
        assert scores[student][0] == 0
    text = "\n".join(summary.lines())
    assert "ungradable 3" in text and "not-json" in text and "exit status 3" in text


@pytest.mark.slow
def test_killed_batch_resumes_to_the_gradebook_of_an_uninterrupted_run(released, tmp_path):
    answers = released[2]
    subs = {f"s{i}": ({**answers, "relu": answers["relu"].replace("x > 0", "x >= 0")} if i % 3 == 1 else
                      None if i % 3 == 2 else answers) for i in range(8)}
    whole, killed = _course(released, tmp_path / "whole", subs), _course(released, tmp_path / "killed", subs)
    autograde_batch(assignment=A, root=whole, workers=2, progress=False)
    command = [sys.executable, "-m", "grader.cli", "autograde", A, "--root", str(killed), "--workers", "2"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    journal = killed / ".grader" / f"journal-{A}.jsonl"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and (not journal.exists() or len(journal.read_text().splitlines()) < 3):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)                       # the coordinator and its workers, mid-batch
    proc.wait()
    graded_before = len(journal.read_text().splitlines())
    assert 3 <= graded_before < len(subs), "the batch should have been killed half-way"
    summary = autograde_batch(assignment=A, root=killed, workers=2, progress=False)
    assert len(summary.skipped) >= 3 and len(summary.skipped) + len(summary.graded) == len(subs)
    assert _scores(killed) == _scores(whole)
    again = autograde_batch(assignment=A, root=killed, workers=2, progress=False)
    assert len(again.skipped) == len(subs) and not again.graded
    # a changed submission is graded again, the others are not
    write_submission(killed, A, "s0", filled_release(killed / "course" / A / "activations.ipynb",
                                                      {**answers, "relu": answers["relu"].replace("x > 0", "x >= 0")}))
    changed = autograde_batch(assignment=A, root=killed, workers=2, progress=False)
    assert changed.graded == ["s0"] and _scores(killed)["s0"][0] < 26


class _Listener:
    """A TCP server on the host's loopback: a sandboxed notebook must not reach it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
                conn.close()
            except OSError:
                return


@pytest.mark.slow
def test_sandboxed_code_cannot_read_solutions_write_the_gradebook_or_connect(released, tmp_path):
    works, why = sandbox.available()
    if not works:
        pytest.skip(f"no sandbox on this machine: {why}")
    answers, listener = released[2], _Listener()
    root = tmp_path / "course"
    probe = f"""
import os, socket
def _probe(what, fn):
    try:
        fn()
        print(what, "ALLOWED")
    except Exception as exc:
        print(what, "BLOCKED", type(exc).__name__)
_probe("read-solutions", lambda: open({str(root / 'solutions' / A / 'activations.ipynb')!r}).read())
_probe("read-other-submission", lambda: open({str(root / 'submitted' / 'other' / A / 'activations.ipynb')!r}).read())
_probe("write-gradebook", lambda: open({str(root / 'gradebook.db')!r}, "r+b").write(b"x"))
_probe("read-repository", lambda: open({str(REPO / 'solutions' / A / 'activations.ipynb')!r}).read())
_probe("connect", lambda: socket.create_connection(("127.0.0.1", {listener.port}), timeout=3))
"""
    _course(released, tmp_path, {"prober": _with(answers, "dead_units", probe), "other": answers})
    summary = autograde_batch(assignment=A, root=root, workers=1, sandbox=True, progress=False)
    assert summary.sandboxed and not summary.failed
    graded = nbformat.read(str(root / "autograded" / "prober" / A / "activations.ipynb"), as_version=4)
    cell = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "dead_units")
    printed = "".join(o.get("text", "") for o in cell.outputs)
    for what in ("read-solutions", "read-other-submission", "write-gradebook", "read-repository", "connect"):
        assert f"{what} BLOCKED" in printed, printed
    assert _scores(root)["prober"][0] == 26 and (root / "gradebook.db").read_bytes()[:15] == b"SQLite format 3"


def test_require_sandbox_refuses_without_one(monkeypatch):
    from grader.batch.pool import WorkerError, WorkerPool

    monkeypatch.setattr(sandbox, "available", lambda: (False, "bubblewrap (bwrap) is not installed"))
    with pytest.raises(WorkerError, match="--require-sandbox: bubblewrap"):
        WorkerPool(1, sandbox_mode=True)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_grades(released, tmp_path):
    from distributed import LocalCluster

    answers = released[2]
    subs = {"solution": answers, "stub": None, "onebug": {**answers, "relu": answers["relu"].replace("x > 0", "x >= 0")},
            "exits": _with(answers, "tanh", "import os\nos._exit(3)")}
    local, remote = _course(released, tmp_path / "local", subs), _course(released, tmp_path / "dask", subs)
    autograde_batch(assignment=A, root=local, workers=2, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        summary = autograde_batch(assignment=A, root=remote, workers=2, dask_scheduler=cluster.scheduler_address,
                                  progress=False)
    assert sorted(summary.graded) == ["onebug", "solution", "stub"] and list(summary.incomplete) == ["exits"]
    assert _scores(remote) == _scores(local)


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@pytest.fixture
def postgres(tmp_path):
    """A throwaway PostgreSQL server on a Unix socket, from Debian's packages; its database URL."""
    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="grader-pg-"))      # outside pytest's private tmp: postgres must reach it
    data, sock = base / "pgdata", base / "pgsock"
    sock.mkdir()
    as_user = []
    if os.geteuid() == 0:                     # initdb refuses to run as root: use Debian's postgres user
        as_user = ["runuser", "-u", "postgres", "--"]
        base.chmod(0o755)
        for path in (base, sock):
            shutil.chown(path, "postgres")
    subprocess.run(as_user + [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "grader"], check=True,
                   capture_output=True)
    subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-w", "-o",
                              f"-k {sock} -c listen_addresses=''", "start", "-l", str(base / "pg.log")],
                   check=True, capture_output=True)
    try:
        subprocess.run(as_user + [str(bindir / "createdb"), "-h", str(sock), "-U", "grader", "gradebook"], check=True,
                       capture_output=True)
        yield f"postgresql+psycopg2://grader@/gradebook?host={sock}"
    finally:
        subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
def test_postgresql_gradebook(postgres, tmp_path):
    root = scratch_course(tmp_path / "course", [A])
    (root / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.db_url = {postgres!r}\n")
    release = generate(root, A)
    answers = solution_sources(notebook_path(root, "solutions", A))
    write_submission(root, A, "solution", filled_release(release, answers))
    write_submission(root, A, "stub", None)
    summary = autograde_batch(assignment=A, root=root, workers=2, progress=False)
    assert sorted(summary.graded) == ["solution", "stub"]
    assert {s: score for s, (score, _) in _scores(root).items()} == {"solution": 26.0, "stub": 0.0}
    assert not (root / "gradebook.db").exists()


@pytest.mark.slow
def test_feedback_shows_reports_not_hidden_tests_and_export_writes_csv(released, tmp_path):
    from grader.cli import main_export, main_feedback

    answers = released[2]
    root = _course(released, tmp_path, {"solution": answers, "onebug": {**answers, "relu": answers["relu"].replace(
        "x > 0", "x >= 0")}})
    autograde_batch(assignment=A, root=root, workers=2, progress=False)
    assert main_feedback(assignment=A, root=root) == 0
    html = (root / "feedback" / "onebug" / A / "activations.html").read_text()
    assert "relu: 1.84 / 2 points" in html and "sigmoid: 2 / 2 points" in html
    assert "BEGIN HIDDEN TESTS" not in html and "hidden.relu(" not in html and "grader.hidden" not in html
    assert main_export(root=root, to=tmp_path / "grades.csv") == 0
    csv = (tmp_path / "grades.csv").read_text().splitlines()
    assert csv[0].startswith("assignment,") and any("onebug" in row and "25.84" in row for row in csv[1:])
