# One command each: `make setup`, `make test`, `make book`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Install this pin first: any looser torch spec pulls gigabytes of CUDA wheels.
TORCH_PIN := torch==2.13.0
PROFILE ?= smoke

.PHONY: setup test book bench mutation clean

setup:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH_PIN)"
	$(BIN)/python -m pip install --quiet -e ".[book,test]"

test:
	$(BIN)/python -m pytest -ra --durations=25

book:
	$(BIN)/ipcore book --profile $(PROFILE)

clean:
	rm -rf _build book/_static/plotly.min.js mutants

bench:
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/run.py

# Mutation testing of the estimators, trainer, cache and data against the fast tests (not in CI).
# The score per module and the equivalent survivors: benchmarks/MUTATION.md. It resumes: mutants
# already checked keep their result while their function is unchanged (rm -rf mutants to start over).
mutation:
	$(BIN)/python -m pip install --quiet -e ".[mutation]"
	$(BIN)/mutmut run --max-children 2
	$(BIN)/python benchmarks/mutation_report.py
