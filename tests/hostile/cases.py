"""The catalogue of broken and hostile submissions, each made from the released course.

Every case is a student of one batch of ``01_activations`` (26 points: 12 groups).  A case
builds its submission from the release and the solution's answers, and says what the
instructor must see: the points, the journal status and words of the reason.  The
solution is worth 26; "the group" below is the group a case damages.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

__all__ = ["Case", "CASES"]


@dataclass
class Case:
    name: str
    what: str                               # the submission, in words (the doc's table)
    build: Callable                         # (release nb, answers, course root) -> notebook, bytes or None
    points: float | tuple[float, float]     # exact, or an inclusive range
    status: str = "graded"
    reason: str = ""                        # words of the journal's reason, or of a problem
    outcome: str = ""                       # what happens, in words (the doc's table)
    files: dict | None = None               # extra files next to the notebook
    absent: str = ""                        # text that must not appear in the graded notebook's outputs


def _answer(group: str, code: str, before: bool = True):
    """The solution with ``code`` before the group's answer (or instead of it)."""
    def build(nb, answers, root):
        return _filled(nb, {**answers, group: (code + "\n" + answers[group]) if before else code})
    return build


def _after(group: str, code: str):
    """The solution with ``code`` after the group's answer."""
    def build(nb, answers, root):
        return _filled(nb, {**answers, group: answers[group] + "\n" + code})
    return build


def _filled(nb, answers):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


def _solution(nb, answers, root):
    return _filled(nb, answers)


def _edit(change: Callable):
    def build(nb, answers, root):
        nb = _filled(nb, answers)
        change(nb, root)
        return nb
    return build


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _drop_test(nb, root):
    nb.cells.remove(_cell(nb, "test_relu"))


def _edit_test(nb, root):
    _cell(nb, "test_relu").source = "2.0"                      # claims full marks


def _edit_locked(nb, root):
    _cell(nb, "setup").source = "import grader\nGRADING = False\nraise SystemExit"


def _rename_id(nb, root):
    _cell(nb, "test_relu").metadata.nbgrader.grade_id = "test_anything"


def _ungrade(nb, root):
    meta = _cell(nb, "test_relu").metadata.nbgrader
    meta.grade, meta.points = False, 0


def _duplicate_id(nb, root):
    clone = copy.deepcopy(_cell(nb, "test_relu"))
    clone.source, clone.id = "2.0", "forged-copy"
    nb.cells.insert(nb.cells.index(_cell(nb, "test_relu")), clone)


def _fake_outputs(nb, root):
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": str(meta["points"])},
                                                   execution_count=1)]
            cell.execution_count = 1


def _faked_stub(nb, answers, root):
    nb = copy.deepcopy(nb)
    _fake_outputs(nb, root)
    return nb


def _wrong_kernel(nb, root):
    nb.metadata.kernelspec = {"name": "evil-kernel", "display_name": "Evil", "language": "python"}


def _other_assignment(nb, answers, root):
    from grader.course import REPO, notebook_path

    return nbformat.read(str(notebook_path(REPO, "course", "04_dropout")), as_version=4)


def _huge(nb, answers, root):
    nb = _filled(nb, answers)
    nb.cells.append(nbformat.v4.new_markdown_cell("padding " * (13 << 20)))     # about 100 MB
    return nb


def _probe(root: Path, target: str) -> str:
    return f"open({str(root / target)!r}).read()"


SUBCLASS = '''
class _Yes(torch.Tensor):
    def __eq__(self, other):
        return True
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return super().__torch_function__(func, types, args, kwargs or {})
def relu_forward(x):
    return x.clamp_min(0).as_subclass(_Yes), x
def relu_backward(dout, cache):
    return (dout * (cache > 0)).as_subclass(_Yes)
'''

TAMPER_TORCH = "import torch\ntorch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True"
TAMPER_NUMPY = "import numpy\nnumpy.allclose = lambda *a, **k: True"
TAMPER_GRADER = ("import grader.hidden.activations as _h, grader.checks.activations as _c\n"
                 "_h.relu = lambda *a, **k: 2.0\n_c.relu = lambda *a, **k: 2.0")
WARNS = ("import warnings\n_fraction = dead_unit_fraction\ndef dead_unit_fraction(preact):\n"
         "    warnings.warn('a harmless warning')\n    return _fraction(preact)")
SPAWN = "import subprocess\n_kids = [subprocess.Popen(['sleep', '600']) for _ in range(300)]"
NETWORK = ("import socket\ntry:\n    socket.create_connection(('127.0.0.1', 22), timeout=2)\n    print('CONNECTED')\n"
           "except OSError as exc:\n    print('no network:', type(exc).__name__)")

CASES = [
    Case("solution", "the solution, untouched", _solution, 26, outcome="full marks"),
    Case("stub", "the release as it was handed out", lambda nb, a, r: nb, 0, outcome="0, every check says "
         "'not implemented yet'"),
    Case("infinite-loop", "`while True: pass` in the relu cell", _answer("relu", "while True:\n    pass"), 24,
         reason="interrupted", outcome="the cell is interrupted after the time limit; relu's 2 points lost"),
    Case("long-sleep", "`time.sleep(3600)` in the relu cell", _answer("relu", "import time\ntime.sleep(3600)"), 24,
         reason="interrupted", outcome="interrupted likewise; relu's points lost"),
    Case("ignores-interrupt", "a loop that catches KeyboardInterrupt, in the elu cell",
         _answer("elu", "import time\nwhile True:\n    try:\n        time.sleep(5)\n    except KeyboardInterrupt:\n"
                        "        pass"), 11, "incomplete", reason="ignored the interrupt",
         outcome="killed; the 11 points of the groups before elu are kept"),
    Case("memory-bomb", "allocates 3 GiB in the tanh cell", _answer("tanh", "hog = bytearray(3 << 30)"), 24,
         reason="out of memory", outcome="MemoryError in that cell; tanh's points lost"),
    Case("fork-bomb", "starts 300 processes in the tanh cell", _answer("tanh", SPAWN), 26,
         outcome="full marks; every process is killed when the notebook ends"),
    Case("os-exit", "`os._exit(3)` in the tanh cell", _answer("tanh", "import os\nos._exit(3)"), 2, "incomplete",
         reason="exit status 3", outcome="the kernel is gone: sigmoid's 2 points kept, the rest 0"),
    Case("segfault", "reads address 0 through ctypes in the tanh cell",
         _answer("tanh", "import ctypes\nctypes.string_at(0)"), 2, "incomplete", reason="SIGSEGV",
         outcome="as os-exit, with the signal named"),
    Case("sys-exit", "`sys.exit(1)` in the tanh cell", _answer("tanh", "import sys\nsys.exit(1)"), 24,
         outcome="a cell error, as in Jupyter: tanh's points lost"),
    Case("raises-keyboardinterrupt", "`raise KeyboardInterrupt` in the tanh cell",
         _answer("tanh", "raise KeyboardInterrupt"), 24, outcome="a cell error: tanh's points lost"),
    Case("raises-systemexit", "`raise SystemExit` in the tanh cell", _answer("tanh", "raise SystemExit"), 24,
         outcome="a cell error: tanh's points lost"),
    Case("stdout-flood", "prints 100 MB in the tanh cell", _answer("tanh", "print('x' * (100 << 20))"), 26,
         reason="output truncated", outcome="full marks; the output is cut at 5 MB"),
    Case("stderr-spam", "writes 20 MB to stderr in the tanh cell",
         _answer("tanh", "import sys\nfor _ in range(20):\n    sys.stderr.write('e' * (1 << 20))"), 26,
         reason="output truncated", outcome="full marks (stderr outside a test cell costs nothing); cut at 5 MB"),
    Case("deleted-test-cell", "deletes the test cell of relu", _edit(_drop_test), 24,
         outcome="nbgrader restores nothing it cannot find: relu's 2 points are 0"),
    Case("edited-test-cell", "replaces relu's test cell by `2.0`", _edit(_edit_test), 26,
         outcome="nbgrader overwrites the test cell from the gradebook; the real check runs"),
    Case("edited-locked-cell", "rewrites the locked setup cell", _edit(_edit_locked), 26,
         outcome="overwritten from the gradebook; full marks for the solution"),
    Case("changed-grade-id", "renames relu's test cell's grade_id", _edit(_rename_id), 24,
         reason="not one of the assignment's", outcome="graded as an ordinary cell, so relu's test is missing: "
         "its 2 points are 0 (plain nbgrader rejects the whole notebook)"),
    Case("ungraded-test-cell", "sets relu's test cell to grade = false", _edit(_ungrade), 26,
         reason="restored from the release", outcome="its metadata is restored from the release; the check runs "
         "(plain nbgrader rejects the whole notebook)"),
    Case("duplicated-grade-id", "a forged copy of relu's test cell, saying `2.0`, placed before it",
         _edit(_duplicate_id), 26, reason="repeats one", outcome="the first cell with the id is the test cell, and "
         "nbgrader restores its source from the gradebook: the real check decides; the copy is an ordinary cell"),
    Case("fake-outputs", "the stub with every test cell pre-filled with a 'full marks' output",
         _faked_stub, 0,
         outcome="outputs are cleared before running; the stub scores 0"),
    Case("wrong-kernel", "kernelspec set to a kernel that does not exist", _edit(_wrong_kernel), 26,
         outcome="nbgrader resets the kernelspec; full marks"),
    Case("another-assignment", "the dropout notebook handed in as activations.ipynb", _other_assignment, 0,
         "ungradable", reason="none of the assignment's graded cells", outcome="0, 'none of the assignment's "
         "graded cells is in this notebook'"),
    Case("extra-files", "extra files next to the notebook", _solution, 26,
         files={"data.csv": b"1,2,3\n", "sub/readme.txt": b"hello"}, outcome="full marks; the files are ignored"),
    Case("tamper-torch", "replaces torch.allclose and torch.equal, in the sigmoid cell", _answer("sigmoid", TAMPER_TORCH),
         0, outcome="every later check: 'tampering detected', 0 points"),
    Case("tamper-numpy", "replaces numpy.allclose", _answer("sigmoid", TAMPER_NUMPY), 0,
         outcome="'tampering detected' in every check"),
    Case("tamper-grader", "replaces grader's relu checks by `lambda: 2.0`", _answer("sigmoid", TAMPER_GRADER), 0,
         reason="tampering detected", outcome="'tampering detected' in every check; the replaced one is caught "
         "by the worker after its test cell"),
    Case("tensor-subclass", "relu returns a tensor subclass whose == is always true",
         _answer("relu", SUBCLASS, before=False), (24, 24.6), outcome="rejected as not a plain tensor: relu loses "
         "nearly all its points"),
    Case("warnings", "a correct dead_unit_fraction that warns on every call",
         _after("dead_units", WARNS), 26, outcome="full marks: the warning is caught and reported, not penalised"),
    Case("calls-reference", "relu calls the grader's reference", _answer(
        "relu", "from grader.reference.activations import relu_forward, relu_backward", before=False), (24, 24.5),
         outcome="'called the grader's own implementation': relu's points lost"),
    Case("forbidden-call", "relu uses torch.relu", _answer(
        "relu", "import torch\ndef relu_forward(x):\n    return torch.relu(x), x\ndef relu_backward(dout, cache):\n"
                "    return dout * (cache > 0)", before=False), 24, outcome="every sub-check names the forbidden "
         "call: relu's 2 points lost"),
    Case("reads-solutions", "opens solutions/ and another student's notebook, in the dead_units cell",
         lambda nb, a, root: _answer("dead_units", "for _p in (" + ", ".join(
             repr(str(root / p)) for p in ("solutions/01_activations/activations.ipynb",
                                           "submitted/solution/01_activations/activations.ipynb")) +
             "):\n    try:\n        open(_p).read()\n        print('READ', _p)\n    except OSError:\n        pass")(
             nb, a, root), 26, absent="READ", outcome="nothing to read in the sandbox; full marks for the rest"),
    Case("writes-gradebook", "overwrites gradebook.db, in the dead_units cell",
         lambda nb, a, root: _answer("dead_units", f"try:\n    open({str(root / 'gradebook.db')!r}, 'r+b')"
                                                   ".write(b'garbage')\nexcept OSError:\n    pass")(nb, a, root),
         26, outcome="the gradebook is out of the sandbox's sight; grades intact"),
    Case("network", "opens a TCP connection, in the dead_units cell", _answer("dead_units", NETWORK), 26,
         absent="CONNECTED",
         outcome="no network in the sandbox; full marks for the rest"),
    Case("invalid-json", "a file that is not JSON", lambda nb, a, r: b"{ this is not a notebook", 0, "ungradable",
         reason="not a valid notebook", outcome="0, 'not a valid notebook'"),
    Case("empty-file", "an empty file", lambda nb, a, r: b"", 0, "ungradable", reason="not a valid notebook",
         outcome="0, 'not a valid notebook'"),
    Case("missing-notebook", "a submission folder without the notebook", lambda nb, a, r: None, 0, "ungradable",
         reason="no activations.ipynb", files={"notes.txt": b"forgot it"}, outcome="0, 'no activations.ipynb'"),
    Case("huge-notebook", "a 100 MB notebook", _huge, 0, "ungradable", reason="over the 50 MB limit",
         outcome="0, not opened"),
    Case("kills-the-worker", "signals the grading worker to die, in the tanh cell",
         _answer("tanh", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"), 0, "ungradable",
         reason="worker died twice", outcome="retried once on a fresh worker, then 0 with the reason"),
]
