"""``grader check NOTEBOOK``: run a notebook top to bottom, as ``nbgrader validate`` does, and
summarise what its visible checks say.

A student runs it on their own notebook before handing it in: it executes every cell in
a fresh kernel (in the notebook's folder, so relative paths work), then lists each graded
cell with the points its visible check gave, the sub-checks that failed, and any error.
The hidden tests are not part of the course, so the points are the visible checks', a
guide to the grade, not the grade.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

__all__ = ["CellVerdict", "check_notebook", "summary_lines"]


@dataclass
class CellVerdict:
    grade_id: str
    points: float
    max_points: float
    title: str = ""
    failures: list[str] = field(default_factory=list)
    error: str = ""


def _verdict(cell) -> CellVerdict:
    meta = cell.metadata["nbgrader"]
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
    lines = [line for line in text.splitlines() if line.strip()]
    verdict = CellVerdict(meta["grade_id"], 0.0, float(meta.get("points", 0)), title=lines[0] if lines else "")
    why = ""
    for i, line in enumerate(lines):
        if line.strip().startswith("FAIL"):
            label = line.strip()[4:].strip()
            following = lines[i + 1].strip() if i + 1 < len(lines) else ""
            if following == "(same reason as above)":
                pass                                   # the report said it once: keep the last reason
            elif following and not following.startswith(("ok ", "FAIL", "note", "hint:")):
                why = following
            else:
                why = ""
            verdict.failures.append(f"{label}: {why}" if why else label)
    for output in cell.outputs:
        if output.output_type == "error":
            verdict.error = f"{output.ename}: {output.evalue}"
            return verdict
        if output.output_type == "execute_result":
            try:
                verdict.points = float(output.data.get("text/plain", "0"))
            except ValueError:
                pass
    if not cell.outputs:
        verdict.error = "the cell did not run"
    return verdict


def check_notebook(path: Path, *, timeout: int = 600) -> list[CellVerdict]:
    """Execute the notebook at ``path`` (a copy: the file is not changed); one verdict per graded cell."""
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(str(path), as_version=4)
    saved = os.environ.pop("NBGRADER_EXECUTION", None)          # a student's run, not a grading run
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent.resolve())}},
                       extra_arguments=["--IPKernelApp.log_level=ERROR"]).execute()
    finally:
        if saved is not None:
            os.environ["NBGRADER_EXECUTION"] = saved
    return [_verdict(c) for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]


def summary_lines(verdicts: list[CellVerdict]) -> list[str]:
    got, total = sum(v.points for v in verdicts), sum(v.max_points for v in verdicts)
    lines = [f"visible checks: {got:g} / {total:g} points in {len(verdicts)} graded cells"]
    for v in verdicts:
        mark = "ok  " if v.points == v.max_points and not v.error else "TODO"
        name = re.sub(r"^test_", "", v.grade_id)
        lines.append(f"  {mark}  {name:<18} {v.points:g} / {v.max_points:g}")
        if v.error:
            lines.append(f"          error: {v.error[:200]}")
        if any("not implemented yet" in f for f in v.failures):
            lines.append("          not implemented yet: replace `raise NotImplementedError()` with your code")
        else:
            lines += [f"          failed: {f}" for f in v.failures[:4]]
    if got == total:
        lines.append("Every visible check passes. The hidden tests check more when your work is graded.")
    else:
        lines.append("Fix the cells marked TODO; each visible check's report in the notebook says what failed.")
    return lines
