"""The parts of grader autograde on their own: the shell's outputs, the worker's limits, the
merge of outputs into nbgrader's notebook, and the journal."""
from __future__ import annotations

import os
import threading

import nbformat
import pytest

from grader.batch.grading import _setenv, merge
from grader.batch.journal import Journal, checksum
from grader.batch.pool import WorkerPool
from grader.batch.shell import make_shell, run_notebook


def _run(cells, max_output_bytes=1 << 20):
    shell, sent = make_shell(), []
    run_notebook(shell, cells, sent.append, max_output_bytes=max_output_bytes)
    return {m["cell"]: m["outputs"] for m in sent if "outputs" in m}


def test_shell_records_what_a_kernel_would():
    out = _run(["print('a')\nprint('b')\n1.5", "", "import sys\nsys.stderr.write('w')\nraise ValueError('bad')",
                "from IPython.display import display\ndisplay('shown')\n7;", "import matplotlib.pyplot as plt\n"
                "plt.plot([1, 2])\nplt.show()", "input()"])
    assert out[0][0] == {"output_type": "stream", "name": "stdout", "text": "a\nb\n"}
    assert out[0][1]["output_type"] == "execute_result" and out[0][1]["data"] == {"text/plain": "1.5"}
    assert 1 not in out                                             # an empty cell is not run
    assert [o["output_type"] for o in out[2]] == ["stream", "error"] and out[2][1]["ename"] == "ValueError"
    assert out[3] == [{"output_type": "display_data", "data": {"text/plain": "'shown'"}, "metadata": {}}]
    assert "image/png" in out[4][0]["data"]
    assert out[5][0]["ename"] == "RuntimeError"                    # no stdin while grading


def test_output_budget_never_drops_what_nbgrader_grades():
    out = _run(["print('x' * 5000)", "import sys\nsys.stderr.write('y' * 5000);", "2.5", "1/0"], max_output_bytes=1000)
    assert "truncated by the grader" in out[0][-1]["text"] and len(out[0][-1]["text"]) < 200
    assert out[1] == [{"output_type": "stream", "name": "stderr", "text": "[stderr output truncated by the grader]\n"}]
    assert out[2][0]["data"]["text/plain"] == "2.5" and out[3][0]["ename"] == "ZeroDivisionError"


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(1, sandbox_mode=False) as workers:
        yield workers


LIMITS = {"cell_timeout": 2.0, "interrupt_grace": 1.0, "memory_bytes": 512 << 20}


def test_worker_interrupts_a_long_cell_and_goes_on(pool):
    r = pool.run({"cells": ["import time\ntime.sleep(30)", "print('next')"], "limits": LIMITS})
    assert r["status"] == "ok" and "interrupted" in r["problems"]["0"]
    assert r["cells"]["0"]["outputs"][0]["ename"] == "KeyboardInterrupt"
    assert r["cells"]["1"]["outputs"][0]["text"] == "next\n"


def test_worker_kills_what_ignores_the_interrupt_and_what_exits(pool):
    stubborn = "while True:\n    try:\n        import time; time.sleep(5)\n    except KeyboardInterrupt:\n        pass"
    r = pool.run({"cells": ["x = 1", stubborn, "print(x)"], "limits": LIMITS})
    assert r["status"] == "timeout" and r["running"] == 1 and "ignored the interrupt" in r["reason"]
    assert set(r["cells"]) == {"0"}
    r = pool.run({"cells": ["import os\nos._exit(7)"], "limits": LIMITS})
    assert r["status"] == "died" and "exit status 7" in r["reason"]


def test_worker_limits_memory_and_keeps_its_protocol_clean(pool):
    r = pool.run({"cells": ["hog = bytearray(1 << 30)", "import os\nos.write(1, b'not json' * 1000)\nprint('ok')"],
                  "limits": LIMITS})
    assert r["status"] == "ok" and r["cells"]["0"]["outputs"][0]["ename"] == "MemoryError"
    assert r["cells"]["1"]["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "ok\n"}]


def test_worker_gives_each_notebook_a_fresh_state_and_folder(pool):
    r = pool.run({"cells": ["import os\nsecret = 42\nopen('left.txt', 'w').write('x')\nprint(os.getcwd())"],
                  "limits": LIMITS})
    first = r["cells"]["0"]["outputs"][0]["text"]
    r = pool.run({"cells": ["import os\nprint('secret' in globals(), os.path.exists('left.txt'), os.getcwd())"],
                  "limits": LIMITS})
    assert r["cells"]["0"]["outputs"][0]["text"].startswith("False False") and first not in r["cells"]["0"]["outputs"]


def _notebook(*sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


def test_merge_marks_the_cell_that_died_and_the_cells_never_run():
    nb = _notebook("a = 1", "boom()", "b = 2", "")
    result = {"status": "died", "reason": "the kernel died (signal SIGSEGV) while running cell 1", "running": 1,
              "cells": {"0": {"outputs": [], "execution_count": 1}}, "problems": {}}
    problems = merge(nb, result)
    assert nb.cells[0].outputs == [] and nb.cells[0].execution_count == 1
    assert nb.cells[1].outputs[0].ename == "KernelDied" and "SIGSEGV" in nb.cells[1].outputs[0].evalue
    assert nb.cells[2].outputs[0].ename == "NotRun" and nb.cells[3].outputs == []
    assert problems == ["cell 1: the kernel died (signal SIGSEGV) while running cell 1"]


def test_merge_adds_a_timeout_error_to_an_interrupted_cell():
    nb = _notebook("slow()")
    merge(nb, {"status": "ok", "running": None, "problems": {"0": "interrupted: the cell ran longer than 2 s"},
               "cells": {"0": {"outputs": [{"output_type": "error", "ename": "KeyboardInterrupt", "evalue": "",
                                            "traceback": []}], "execution_count": 1}}})
    assert [o.ename for o in nb.cells[0].outputs] == ["KeyboardInterrupt", "CellTimeoutError"]


def test_journal_keeps_the_last_entry_and_ignores_a_torn_line(tmp_path):
    journal = Journal(tmp_path, "01_activations")
    journal.record(student="a", notebook="n", checksum="1", status="graded", score=3.0)
    journal.record(student="a", notebook="n", checksum="2", status="incomplete", score=1.0)
    with open(journal.path, "a") as f:
        f.write('{"student": "b", "notebo')                    # killed while writing
    assert {k: v["checksum"] for k, v in journal.entries().items()} == {("a", "n"): "2"}
    with pytest.raises(ValueError, match="status"):
        journal.record(student="c", notebook="n", checksum="3", status="fine")


def test_checksum_follows_every_file_and_the_source(tmp_path):
    sub, source = tmp_path / "sub", tmp_path / "source.ipynb"
    sub.mkdir()
    (sub / "nb.ipynb").write_text("{}")
    source.write_text("s")
    first = checksum(sub, source)
    (sub / "data.csv").write_text("1")
    second = checksum(sub, source)
    source.write_text("t")
    assert len({first, second, checksum(sub, source)}) == 3 and checksum(sub, source) == checksum(sub, source)


@pytest.mark.gpu
def test_workers_share_the_gpu_and_report_running_out_of_it(cuda):
    with WorkerPool(1, sandbox_mode=False, env={"GRADER_CUDA_FRACTION": "0.05"}) as gpu_pool:
        total = __import__("torch").cuda.get_device_properties(0).total_memory
        r = gpu_pool.run({"cells": [f"import torch\nx = torch.empty({total // 10}, dtype=torch.uint8, device='cuda')",
                                    "y = torch.ones(3, device='cuda').sum().item()\ny"], "limits": LIMITS})
    assert r["status"] == "ok" and r["cells"]["0"]["outputs"][0]["ename"] == "OutOfMemoryError"
    assert r["cells"]["1"]["outputs"][0]["data"]["text/plain"] == "3.0"
    nb = _notebook("x = 1")
    assert merge(nb, {"status": "ok", "running": None, "problems": {}, "cells": {"0": {
        "outputs": r["cells"]["0"]["outputs"], "execution_count": 1}}}) == [
        "cell 0: out of memory on the GPU (its share of the device's memory)"]


def test_sandbox_covers_tmp_home_and_the_course_and_puts_python_back(monkeypatch, tmp_path):
    from grader.batch import sandbox

    monkeypatch.setattr(sandbox, "_python_roots", lambda: ["/tmp/ci/venv", str(tmp_path / "grader"), "/usr"])
    args = sandbox.command(["python", "-m", "x"], hide=[tmp_path])
    pairs = list(zip(args, args[1:]))
    for covered in ("/tmp", str(tmp_path.resolve())):
        assert ("--tmpfs", covered) in pairs
    assert ("--ro-bind", "/tmp/ci/venv") in pairs and ("--ro-bind", str(tmp_path / "grader")) in pairs
    assert ("--ro-bind", "/usr") not in pairs and "--unshare-all" in args and args[-3:] == ["python", "-m", "x"]


def test_setenv_puts_the_variable_back_after_the_last_notebook_in_flight(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    with _setenv(NBGRADER_EXECUTION="autograde"):
        assert os.environ["NBGRADER_EXECUTION"] == "autograde"
    assert "NBGRADER_EXECUTION" not in os.environ            # nbgrader 0.9.6's own version gets this right...
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with _setenv(NBGRADER_EXECUTION="autograde"):
        pass
    assert os.environ["NBGRADER_EXECUTION"] == "validate"    # ...but deletes a value that was there before
    # several notebooks in flight: the variable stays set until the last one is done
    inside, release, seen = threading.Barrier(5), threading.Event(), []

    def one():
        with _setenv(NBGRADER_EXECUTION="autograde"):
            inside.wait()
            release.wait()
            seen.append(os.environ.get("NBGRADER_EXECUTION"))

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    inside.wait()
    assert os.environ["NBGRADER_EXECUTION"] == "autograde"
    release.set()
    for t in threads:
        t.join()
    assert seen == ["autograde"] * 4 and os.environ["NBGRADER_EXECUTION"] == "validate"
