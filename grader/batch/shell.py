"""Running a notebook's cells in this process, producing the outputs a Jupyter kernel would.

The warm worker (``grader.batch.worker``) forks one child per notebook; the child
calls :func:`run_notebook`, which executes the code cells with an IPython
``InteractiveShell`` and records, cell by cell, the outputs that ipykernel and
nbclient would have put in the notebook: ``stream`` (consecutive writes to the
same stream merged), ``display_data`` (matplotlib figures through the inline
backend), ``execute_result`` and ``error``.  nbgrader grades from exactly these
outputs (an error or any stderr zeroes a test cell, an ``execute_result`` float is
partial credit), so grading from them gives nbgrader's own verdicts.

Each finished cell is sent at once through ``send``, so the cells that ran before
a crash keep their outputs.  Output beyond ``max_output_bytes`` is dropped, with
one line saying so.
"""
from __future__ import annotations

import builtins
import io
import sys
from typing import Any, Callable

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets import Type

__all__ = ["CapturingShell", "make_shell", "run_notebook"]


class _Recorder:
    """The outputs of the cell being run, with a byte budget shared by the whole notebook.

    Streams and displays beyond the budget are dropped, but never what nbgrader grades by:
    an ``execute_result`` or an ``error`` is always kept (its text cut to 64 kB), and a
    dropped write to stderr still leaves a line on stderr, since stderr zeroes a test cell.
    """

    #: The most of one execute_result or error that is kept.
    GRADED_LIMIT = 64 << 10

    def __init__(self, max_bytes: int):
        self.outputs: list[dict] = []
        self.left = max_bytes
        self.flooded = False

    def _spend(self, size: int) -> bool:
        if self.left - size < 0:
            if not self.flooded:
                self.flooded = True
                self.outputs.append({"output_type": "stream", "name": "stdout",
                                     "text": "\n[output truncated by the grader: the notebook printed too much]\n"})
            return False
        self.left -= size
        return True

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        if not self._spend(len(text.encode("utf-8", "replace"))):
            if name == "stderr" and not any(o.get("name") == "stderr" for o in self.outputs):
                text = "[stderr output truncated by the grader]\n"
            else:
                return
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})

    def add(self, output: dict) -> None:
        if output["output_type"] in ("execute_result", "error"):
            if "data" in output:
                output["data"] = {k: (v[:self.GRADED_LIMIT] if isinstance(v, str) else v)
                                  for k, v in output["data"].items() if k == "text/plain" or len(str(v)) < 1 << 20}
            if "traceback" in output:
                output["traceback"] = [line[:4096] for line in output["traceback"][:200]]
            self.outputs.append(output)
            return
        size = sum(len(str(v)) for v in output.get("data", {}).values())
        if self._spend(size):
            self.outputs.append(output)


class _Stream(io.TextIOBase):
    """sys.stdout / sys.stderr of the notebook: every write becomes stream output."""

    def __init__(self, name: str, shell: "CapturingShell"):
        self.name, self.shell = name, shell

    def write(self, text: str) -> int:
        self.shell.recorder.stream(self.name, str(text))
        return len(text)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return "utf-8"


class _Publisher(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
        self.shell.recorder.add({"output_type": "display_data", "data": dict(data), "metadata": dict(metadata or {})})

    def clear_output(self, wait=False) -> None:
        self.shell.recorder.outputs.clear()


class _DisplayHook(DisplayHook):
    def start_displayhook(self) -> None:
        pass

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        self.shell.recorder.add({"output_type": "execute_result", "data": dict(format_dict),
                                 "metadata": dict(md_dict or {}), "execution_count": None})

    def finish_displayhook(self) -> None:
        pass


class CapturingShell(InteractiveShell):
    """An InteractiveShell whose outputs go to a :class:`_Recorder` instead of a terminal."""

    recorder: _Recorder
    displayhook_class = Type(_DisplayHook)
    display_pub_class = Type(_Publisher)

    def enable_gui(self, gui=None) -> None:
        """No event loop: the inline backend needs none (ipykernel does the same for it)."""

    def _showtraceback(self, etype, evalue, stb) -> None:
        self.recorder.add({"output_type": "error", "ename": getattr(etype, "__name__", str(etype)),
                           "evalue": str(evalue), "traceback": list(stb)})


def make_shell() -> CapturingShell:
    """The shell, built once in the warm worker before any fork (about 0.2 s saved per notebook).

    The matplotlib inline backend is switched on, as ipykernel does, so that figures
    become ``display_data`` when a cell ends.
    """
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    shell = CapturingShell.instance(config=config)
    shell.recorder = _Recorder(0)
    shell.enable_matplotlib("inline")
    return shell


def _no_input(*args: Any, **kwargs: Any) -> str:
    raise RuntimeError("input() is not available while a notebook is graded")


def run_notebook(shell: CapturingShell, cells: list[str], send: Callable[[dict], None], *,
                 max_output_bytes: int, graded: frozenset[int] = frozenset(),
                 tampered: Callable[[], list[str]] | None = None) -> None:
    """Run each code cell's source in ``shell``, sending ``{"cell", "outputs", "execution_count"}``
    when a cell finishes and ``{"cell", "start": True}`` when it begins.  ``cells`` holds the
    sources of the code cells in order; an empty source is skipped, as nbclient skips it.

    After each cell in ``graded`` (the test cells), ``tampered`` (the integrity check,
    taken before any student code ran) is asked whether torch, NumPy or the grader were
    replaced; if so the cell gets an error, which nbgrader scores 0, whatever the
    replaced check returned."""
    recorder = _Recorder(max_output_bytes)
    shell.recorder = recorder
    saved = sys.stdout, sys.stderr, sys.stdin, builtins.input
    sys.stdout, sys.stderr = _Stream("stdout", shell), _Stream("stderr", shell)
    sys.stdin = io.StringIO("")
    builtins.input = _no_input
    try:
        _run_cells(shell, recorder, cells, send, graded, tampered)
    finally:
        sys.stdout, sys.stderr, sys.stdin, builtins.input = saved


def _run_cells(shell: CapturingShell, recorder: _Recorder, cells: list[str], send: Callable[[dict], None],
               graded: frozenset[int], tampered: Callable[[], list[str]] | None) -> None:
    for index, source in enumerate(cells):
        if not source.strip():
            continue
        send({"cell": index, "start": True})
        recorder.outputs = []
        count, tampering = shell.execution_count, ""
        try:
            shell.run_cell(source, store_history=True)
        except KeyboardInterrupt:                       # the grader's interrupt arrived between statements
            shell.showtraceback()
        for output in recorder.outputs:
            if output["output_type"] == "execute_result":
                output["execution_count"] = count
        if index in graded and tampered is not None:
            replaced = tampered()
            if replaced:
                # nbgrader scores a test cell by the first result or error among its outputs: the
                # error goes first, and the replaced check's result goes
                recorder.outputs[:] = [o for o in recorder.outputs if o["output_type"] != "execute_result"]
                recorder.outputs.insert(0, {"output_type": "error", "ename": "TamperingDetected",
                              "evalue": f"{', '.join(replaced[:3])} replaced during grading",
                              "traceback": [f"TamperingDetected: {', '.join(replaced[:3])} was replaced after the "
                                            "grader was imported"]})
                tampering = ", ".join(replaced[:3])
        send({"cell": index, "outputs": recorder.outputs, "execution_count": count, "flooded": recorder.flooded,
              "tampered": tampering})
