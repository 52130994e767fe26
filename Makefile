# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean servers pds

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $(STAMP)

# The sandbox's npm packages, installed once per lock file into .sandbox/: the Bluesky PDS
# (the demo and the tests), and the dev-env test network with its Node 22 (the tests).
pds: $(STAMP)
	@$(PY) -m bot.sandbox.node >/dev/null

servers: pds
	@$(PY) -m bot.sandbox.appview >/dev/null

# Publishes the sample article to the local sandbox, then keeps it up (the desk, the PDS)
# until Ctrl-C so the published threads can be looked at.
demo: $(STAMP) pds
	$(VENV)/bin/sharebot run --sandbox --keep

test: $(STAMP) servers lint
	$(PY) -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check bot tests bench
	$(VENV)/bin/ruff format --check bot tests bench
	$(VENV)/bin/mypy --strict bot

bench: $(STAMP) servers
	@failed=""; for b in bench/[!_]*.py; do echo "== $$b"; $(PY) $$b || failed="$$failed $$b"; done; \
	if [ -n "$$failed" ]; then echo "missed a target:$$failed"; exit 1; fi

clean:
	rm -rf $(VENV) .sandbox
