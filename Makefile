# The two quickstart commands: `make demo` and `make test`. Each sets up .venv first when needed.
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.PHONY: demo test bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch first, from the CPU build on disk: left to the resolver it pulls a multi-GB CUDA build.
	$(VENV)/bin/pip install --quiet torch==2.13.0
	$(VENV)/bin/pip install --quiet -e ".[test,bench]"
	rm -f $(VENV)/.installed-*
	touch $@

demo: $(STAMP)
	$(VENV)/bin/pln demo

test: $(STAMP)
	$(VENV)/bin/python -m pytest

bench: $(STAMP)
	$(VENV)/bin/python bench/eval_recommend.py
	$(VENV)/bin/python bench/eval_people.py
	$(VENV)/bin/python bench/speed.py
	$(VENV)/bin/python bench/parse_speed.py
	$(VENV)/bin/python bench/trends_vs_bertopic.py
	$(VENV)/bin/python bench/trends_surge.py
