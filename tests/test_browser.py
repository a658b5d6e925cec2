"""The student's path in a real browser: the bundle installed into a fresh virtual environment
with INSTALL.md's one command, JupyterLab started on it, and Debian's Chromium (driven by
Playwright, no browser download) opening every course notebook and running it.

Screenshots go to ``artifacts/browser/`` (git-ignored) for a person to look at.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.batch.batch import autograde_batch
from grader.bundle import NAME, build_bundle
from grader.course import ASSIGNMENTS, REPO, generate, grade_rows, nbgrader_api, notebook_path, scratch_course
from grader.studentcheck import check_notebook
from grader.submissions import filled_release, solution_sources

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "artifacts" / "browser"
pytestmark = [pytest.mark.slow, pytest.mark.browser]

if not os.path.exists(CHROMIUM):
    pytest.skip("no Chromium here (Debian: apt-get install chromium)", allow_module_level=True)
try:
    from playwright.sync_api import sync_playwright
except ImportError:
    pytest.skip("playwright is not installed (it is in requirements.lock)", allow_module_level=True)


def _install_command(home: Path) -> str:
    """The unzipped bundle's INSTALL.md's one command, without its last step (opening JupyterLab)."""
    text = (home / "INSTALL.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1).replace("\\\n", " ")
    command, opened = block.split("&& .venv/bin/jupyter lab")
    assert not opened.strip(), "INSTALL.md opens JupyterLab in the bundle's folder, as this test does"
    return command.strip()


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """The bundle, unzipped and installed as a student would; with a copy of 01 filled in."""
    base = tmp_path_factory.mktemp("student")
    with zipfile.ZipFile(build_bundle(base / "dist")) as zf:
        zf.extractall(base)
    home = base / NAME
    done = subprocess.run(_install_command(home), shell=True, cwd=home, capture_output=True, text=True, timeout=1200,
                          env=_student_environment())
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    answers = solution_sources(notebook_path(REPO, "solutions", "01_activations"))
    done_nb = filled_release(notebook_path(home, "course", "01_activations"), answers)
    nbformat.write(done_nb, str(home / "my-activations.ipynb"))
    # render every cell, not only those in view (JupyterLab's windowing), so the test can read them all
    settings = home / ".venv" / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    overrides = settings / "overrides.json"
    shipped = json.loads(overrides.read_text())
    assert shipped["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"   # installed by pip
    shipped["@jupyterlab/notebook-extension:tracker"] = {"windowingMode": "none"}
    overrides.write_text(json.dumps(shipped))
    return home, answers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _student_environment(home: Path | None = None) -> dict[str, str]:
    """What a student's shell has: none of the test run's grading variables or virtual
    environment, and (given ``home``) a home of its own, without this machine's Jupyter settings."""
    ours = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NBGRADER_", "JUPYTER_", "PYTHON", "VIRTUAL_ENV", "MPL"))}
    env["PATH"] = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != ours)
    if home is not None:
        home.mkdir(parents=True, exist_ok=True)
        env["HOME"] = str(home)
    return env


def test_a_student_environment_carries_nothing_of_the_grading_run(tmp_path, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    env = _student_environment(tmp_path / "home")
    assert "NBGRADER_EXECUTION" not in env and env["HOME"] == str(tmp_path / "home")
    assert str(Path(sys.executable).parent) not in env["PATH"].split(os.pathsep)


@pytest.fixture(scope="module")
def exchange(student, tmp_path_factory):
    """An instructor's course that released 01_activations to an nbgrader exchange, and the
    student's nbgrader settings (in the home JupyterLab runs with) that point at it."""
    home, _ = student
    root = scratch_course(tmp_path_factory.mktemp("instructor") / "course", ["01_activations"])
    generate(root, "01_activations")
    api = nbgrader_api(root)
    released = api.release_assignment("01_activations")
    assert released["success"], released.get("log", "") + released.get("error", "")
    settings = home.parent / "home" / ".jupyter"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.course_id = {api.coursedir.course_id!r}\n"
        f"c.Exchange.root = {str(root / '.exchange')!r}\n")
    return root


@pytest.fixture(scope="module")
def lab(student, exchange):
    home, _ = student
    port, token = _free_port(), "student-token"
    log = open(home.parent / "jupyterlab.log", "w")
    proc = subprocess.Popen([str(home / ".venv" / "bin" / "jupyter"), "lab", "--no-browser", f"--port={port}",
                             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}", "--allow-root",
                             "--ServerApp.ip=127.0.0.1"], cwd=home, stdout=log, stderr=subprocess.STDOUT,
                            env=_student_environment(home.parent / "home"))
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("JupyterLab did not start")
    yield url, token
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()


def _open(browser, lab, path: str):
    url, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    workspace = re.sub(r"\W", "-", path)                        # a workspace each: no tabs left from before
    page.goto(f"{url}/lab/workspaces/{workspace}/tree/{path}?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="attached", timeout=120_000)
    _wait_idle(page)
    return page


def _status(page) -> str:
    return page.get_attribute(".jp-Notebook-ExecutionIndicator", "data-status") or ""


def _wait_idle(page, timeout_s: float = 300, settle_s: float = 2.0) -> None:
    """Until the kernel has been idle for ``settle_s`` (it is idle for a moment between cells)."""
    deadline, idle_since = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        if _status(page) == "idle":
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= settle_s:
                return
        else:
            idle_since = None
        page.wait_for_timeout(250)
    raise AssertionError(f"the kernel was still {_status(page)!r} after {timeout_s} s")


def _run_all(page, timeout_s: float = 300) -> None:
    page.click(".lm-MenuBar-itemLabel:text-is('Run')", timeout=30_000)
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    page.wait_for_timeout(1000)
    _wait_idle(page, timeout_s)


def _outputs(page) -> str:
    return page.inner_text(".jp-Notebook")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_course_notebook_renders_and_stubs_fail_readably(assignment, browser, lab):
    page = _open(browser, lab, f"course/{assignment}/{ASSIGNMENTS[assignment]}.ipynb")
    _run_all(page)
    assert page.locator(".jp-RenderedMarkdown h1").count() >= 1
    assert page.locator(".jp-RenderedMarkdown mjx-container").count() >= 1, "formulas are not rendered"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    first = page.locator(".jp-OutputArea-output").filter(has_text="(visible check)").first
    if first.count():
        first.scroll_into_view_if_needed()                     # the screenshot shows a check, not the summary
    page.screenshot(path=str(ARTIFACTS / f"{assignment}-stub.png"), full_page=False)
    text = _outputs(page)
    assert "(visible check)" in text and "not implemented yet" in text, text[:3000]
    first_check = page.locator(".jp-OutputArea-output").filter(has_text="(visible check)").first.inner_text()
    assert "Traceback" not in first_check and "hint:" in first_check
    page.close()


def test_a_typed_answer_passes_its_visible_check(browser, lab, student):
    _, answers = student
    page = _open(browser, lab, "course/01_activations/activations.ipynb")
    _run_all(page)
    cell = page.locator(".jp-CodeCell").filter(has_text="def relu_forward").first
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(answers["relu"])
    page.keyboard.press("Shift+Enter")                             # run it, move to its check
    page.keyboard.press("Shift+Enter")                             # run the check
    page.wait_for_selector(".jp-OutputArea-output:has-text('relu (visible check): 2 / 2 points')", timeout=60_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "01_activations-relu-typed.png"))
    page.close()


def test_finished_notebook_shows_its_plots(browser, lab):
    page = _open(browser, lab, "my-activations.ipynb")
    _run_all(page)
    assert page.locator(".jp-RenderedImage img").count() >= 5
    assert "not implemented yet" not in _outputs(page)
    page.locator(".jp-RenderedImage img").first.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "01_activations-finished.png"))
    page.close()


def _expected_verdict(path: Path) -> str:
    """What Validate must say, worked out by ``grader check`` on the same file."""
    short = [v for v in check_notebook(path) if v.points < v.max_points or v.error]
    if not short:
        return "Success! Your notebook passes all the tests."
    first = short[0]
    name = first.title.split(" (visible check)")[0]
    return f"{name}: the visible check gives {first.points:g} of {first.max_points:g} points"


@pytest.mark.parametrize("path", ["my-activations.ipynb", "course/01_activations/activations.ipynb"])
def test_validate_button_gives_grader_checks_verdict(path, browser, lab, student):
    home, _ = student
    verdict = _expected_verdict(home / path)
    page = _open(browser, lab, path)
    page.click(".jp-Toolbar button:has-text('Validate'), .jp-Toolbar :text-is('Validate')")
    dialog = page.wait_for_selector(".jp-Dialog", timeout=300_000)
    page.wait_for_selector(f".jp-Dialog :text('{verdict}')", timeout=300_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"validate-{Path(path).stem}.png"))
    assert verdict in dialog.inner_text()
    page.close()


def _validate_in_list(page, expected: str, shot: str) -> None:
    button = page.locator("#fetched_assignments_list button:text-is('Validate')").first
    button.click()
    page.wait_for_selector(f".jp-Dialog :text('{expected}')", timeout=300_000)
    page.screenshot(path=str(ARTIFACTS / shot))
    page.locator(".jp-Dialog button.jp-mod-accept, .jp-Dialog button").last.click()
    page.wait_for_selector(".jp-Dialog", state="detached", timeout=30_000)


def test_assignment_list_fetch_validate_submit_and_the_instructor_grades_it(browser, lab, student, exchange):
    """nbgrader's student path: fetch from the Assignment List, Validate there (the same verdict
    as grader check, before and after the work), Submit; the instructor collects and grades it."""
    home, answers = student
    url, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/lab/workspaces/assignment-list?token={token}")
    page.click(".lm-MenuBar-itemLabel:text-is('Nbgrader')", timeout=120_000)
    menu = page.locator(".lm-Menu-content").inner_text()
    assert "Assignment List" in menu and "Formgrader" not in menu, menu       # no instructor tools for students
    assert page.locator(".lm-TabBar-tab:has-text('Create Assignment')").count() == 0
    page.click(".lm-Menu-itemLabel:text-is('Assignment List')")
    row = page.locator("#released_assignments_list .list_item").filter(has_text="01_activations")
    row.locator("button:text-is('Fetch')").click(timeout=120_000)
    page.wait_for_selector("#fetched_assignments_list .list_item:has-text('01_activations')", timeout=120_000)
    fetched = home / "01_activations" / "activations.ipynb"
    assert fetched.exists(), "Fetch did not put the notebook in the student's folder"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "assignment-list-fetched.png"))

    # the notebooks of a fetched assignment are behind its name, folded
    page.locator("#fetched_assignments_list .list_item a").filter(has_text="01_activations").first.click()
    page.wait_for_selector("#fetched_assignments_list button:text-is('Validate')", state="visible", timeout=30_000)
    _validate_in_list(page, _expected_verdict(fetched), "assignment-list-validate-stub.png")

    nbformat.write(filled_release(fetched, answers), str(fetched))      # the student's finished work, saved
    _validate_in_list(page, _expected_verdict(fetched), "assignment-list-validate-done.png")

    page.locator("#fetched_assignments_list .list_item").filter(has_text="01_activations") \
        .locator("button:text-is('Submit')").first.click()
    page.wait_for_selector("#submitted_assignments_list .list_item:has-text('01_activations')", timeout=120_000)
    page.screenshot(path=str(ARTIFACTS / "assignment-list-submitted.png"))
    page.close()

    api = nbgrader_api(exchange)
    collected = api.collect("01_activations")
    assert collected["success"], collected.get("log", "") + collected.get("error", "")
    students = [p.name for p in (exchange / "submitted").iterdir()]
    assert len(students) == 1
    summary = autograde_batch(assignment="01_activations", root=exchange, workers=1, progress=False)
    assert summary.graded == students, summary
    (row,) = grade_rows(exchange, "01_activations")
    assert row.score == row.max_score > 0, row
