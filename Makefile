# FITN7 axe 3 assistant. Two commands matter: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.10 (Rasa 3.6 refuses 3.11): the plain command, else a pyenv install of it.
PY310 := $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo $$p; break; }; done)
# Rasa sends telemetry to an outside service by default: off, for every recipe.
export RASA_TELEMETRY_ENABLED := false
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
MODEL := models/fitn7.tar.gz
# held-out procedure questions scored by scripts/check_faq.py, with their goals (README, "Evaluation sets"):
# 0.90 on the questions of the NLU set; on tests/faq/heldout.yml the 0.90 goal is not met yet
# (0.875 with the model of main on 2026-12-02), 0.85 keeps it from falling back
FAQ_HELD_OUT := tests/rasa/nlu_test.yml@0.90 tests/faq/heldout.yml@0.85
RASA_INPUTS := config.yml domain.yml $(shell find data -type f -name '*.yml' 2>/dev/null | sort)

.PHONY: help install referential train run shell test test-engine test-descriptions test-descriptions-goals test-rasa test-triage test-postgres test-web browser bench clean delete-data eval-conversations redis cluster-packages cluster test-cluster

help:
	@echo "make run   - install if needed, train if needed, start the assistant (5005, 5055, 8000)"
	@echo "make test  - install if needed, run every test"
	@echo "make shell - talk to the assistant in the terminal"
	@echo "make bench - print the benchmark figures"
	@echo "make cluster - 2 Rasa + 2 action servers behind HAProxy, on PostgreSQL and Redis"

$(STAMP): pyproject.toml
	@test -n "$(PY310)" || { echo "Python 3.10 introuvable (Rasa 3.6 exige Python 3.10)"; exit 1; }
	@echo "Préparation de l'assistant (journaux dans var/) :"
	@test -x $(PY) || bash scripts/step.sh 1/3 "Création de l'environnement Python (.venv)" var/venv.log -- $(PY310) -m venv $(VENV)
	@bash scripts/step.sh 1/3 "Installation des paquets (Rasa, spaCy, modèle français ; quelques minutes la première fois)" var/install.log -- $(PY) -m pip install -e '.[model,test]'
	@touch $(STAMP)

install: $(STAMP)

# Load the committed referential extract into the database (skipped when already loaded).
referential: install
	@bash scripts/step.sh 2/3 "Chargement du référentiel des collectivités" var/referential.log -- $(BIN)/assistant referential load

$(MODEL): $(RASA_INPUTS) | $(STAMP)
	@bash scripts/step.sh 3/3 "Entraînement du modèle Rasa (quelques minutes)" var/train.log -- $(BIN)/rasa train --fixed-model-name fitn7 --out models

train: $(MODEL)

run: install referential train
	@bash scripts/run.sh

shell: install referential train
	@bash scripts/run.sh --shell

test-engine: install referential
	$(BIN)/pytest -q tests/engine tests/reading

# Each suite below is owned by one part of the project; `make test` runs them all.
test-rasa: install referential train redis
	$(BIN)/rasa data validate --fail-on-warnings
	$(PY) scripts/check_intents.py
	$(PY) scripts/faq_responses.py --check
	$(BIN)/rasa test core --model $(MODEL) --stories tests/rasa/test_stories.yml --out results/core --fail-on-prediction-errors
	$(BIN)/rasa test nlu --model $(MODEL) --nlu tests/rasa/nlu_test.yml --out results/nlu
	$(PY) scripts/check_intents.py --report results/nlu/intent_report.json --min-f1 0.95
	$(PY) scripts/check_faq.py --model $(MODEL) $(FAQ_HELD_OUT)
	FITN7_NO_WARMUP=1 $(BIN)/pytest -q tests/actions tests/rasa_plugins tests/rasa

test-triage: install referential train
	$(BIN)/pytest -q tests/triage

# The case store and triage again, on a throwaway PostgreSQL cluster (installed with apt if missing).
test-postgres: install referential
	bash scripts/test_postgres.sh

browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

test-web: install referential train browser
	$(BIN)/pytest -q tests/e2e

# Several instances (docs/DEPLOYMENT.md): Debian's PostgreSQL, Redis and HAProxy, started as
# throwaway processes by scripts/cluster.py.
redis:
	@command -v redis-server >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

cluster-packages: redis
	@{ ls /usr/lib/postgresql/*/bin/initdb && command -v haproxy; } >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql haproxy >/dev/null; }

cluster: install train cluster-packages
	@$(PY) scripts/cluster.py

test-cluster: install train cluster-packages
	$(BIN)/pytest -q tests/cluster


# Issue 10: the reading of descriptions on the two held-out sets (tests/descriptions/heldout.yml, looked
# at in aggregate while tuning, and heldout2.yml, written apart and never tuned on): prints per-sub-axis
# precision/recall, macro-F1 and the false not-eligible rate.
# `make test` fails when a digital project of the set gets "not met" on the digital criterion above
# 1 % (or a vague one at all); the macro-F1 goal (0.90) is not reached yet (README) and is checked
# only by `make test-descriptions-goals`.
test-descriptions: install referential
	$(PY) scripts/eval_descriptions.py --check --goal not_eligible
	$(PY) scripts/eval_descriptions.py --file tests/descriptions/heldout2.yml --check --goal not_eligible

test-descriptions-goals: install referential
	$(PY) scripts/eval_descriptions.py --check --goal all
	$(PY) scripts/eval_descriptions.py --file tests/descriptions/heldout2.yml --check --goal all


test: test-engine test-descriptions test-rasa test-triage test-postgres test-web test-cluster

# The held-out conversation and FAQ sets of issue 11 (tests/conversations/README.md), played by a
# simulated user against the real stack; fails below 95 %. Not in `test` until the goal is met.
eval-conversations: install referential train
	$(PY) scripts/eval_conversations.py

bench: install referential train
	$(PY) scripts/bench_referential.py
	$(PY) scripts/bench_classify.py
	$(PY) scripts/bench_engine.py
	$(PY) scripts/bench_rasa.py
	$(PY) scripts/bench_dashboard.py

# Only what can be rebuilt (the model, caches, logs, test outputs). var/*.sqlite* holds the cases,
# notes and conversations of record, and var/triage-*.key|txt the sessions' secret: `delete-data`.
clean:
	rm -rf models .rasa results test-artifacts var/*.log var/endpoints.yml

# Deletes the data of record (cases, notes, transcripts, referential, triage secret): asks for
# CONFIRM=oui, e.g. `make delete-data CONFIRM=oui`.
delete-data:
	@if [ "$(CONFIRM)" != "oui" ]; then echo "Supprime les dossiers, notes et conversations (var/*.sqlite*) : relancer avec CONFIRM=oui" >&2; exit 2; fi
	rm -f var/*.sqlite var/*.sqlite-wal var/*.sqlite-shm var/*.sqlite.migrate.lock var/triage-session.key var/triage-revoked.txt var/chat-session.key
