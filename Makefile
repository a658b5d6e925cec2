# Two entry points for a fresh machine (see README.md):
#   make demo   set up (Debian packages if allowed, .venv), then release, autograde a demo batch, print grades
#   make test   the same set-up, then run the whole test suite
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup system demo test bench clean

$(STAMP): requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

system:
	@scripts/system-packages

setup: system $(STAMP)

demo: setup
	$(VENV)/bin/grader demo

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) bench/notebooks.py
	$(PY) bench/autograde.py

clean:
	rm -rf .demo .pytest_cache
