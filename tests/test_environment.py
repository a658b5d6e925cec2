"""The environment is pinned once: pyproject, requirements.lock and environment.yml agree,
and CI runs exactly the README's test command."""
from __future__ import annotations

import re
import tomllib

from conftest import REPO


def _lock() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_pyproject_pins_match_the_lock():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lock = _lock()
    deps = project["dependencies"] + project["optional-dependencies"]["test"]
    for dep in deps:
        name, _, version = dep.partition("==")
        assert version, f"{dep} is not pinned exactly"
        assert lock.get(name.lower().replace("_", "-")) == version, f"{dep} differs from requirements.lock"


def test_torch_is_pinned_to_the_course_version():
    assert _lock()["torch"] == "2.13.0"


def test_environment_yml_uses_the_lock():
    text = (REPO / "environment.yml").read_text()
    assert "-r requirements.lock" in text
    assert re.search(r"python=3\.11\b", text)


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text().splitlines()
    block = readme[readme.index("```bash") + 1: readme.index("```", readme.index("```bash") + 1)]
    commands = [line.split("#")[0].strip() for line in block if line.strip()]
    assert len(commands) == 2, commands
    ci = (REPO / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines(), f"CI does not run {commands[1]!r}"
