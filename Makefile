# Trợ lý VssID — every set-up step lives here; CI calls only `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export PYTHONPATH := $(CURDIR)
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false

.DEFAULT_GOAL := help
.PHONY: help setup setup-browser generate train run shell test test-random test-fast eval eval-independent bench \
        profile lint audit freeze telegram-webhook telegram-polling agent-cli kb-suggestions db clean nginx scale-demo

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt
	@py=$$(scripts/find_python310.sh) || exit 1; \
	  [ -x $(PY) ] || { echo "Creating $(VENV) with $$py"; $$py -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade "pip==26.3"
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed ## Create .venv (Python 3.10) and install pinned dependencies

setup-browser: ## Install Debian's Chromium for the browser tests (needs root)
	@if [ ! -x /usr/bin/chromium ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi
	@/usr/bin/chromium --version

db: setup ## Create/upgrade the records database and seed demo data
	$(PY) -m vssid.db.manage upgrade
	$(PY) -m vssid.db.manage seed

generate: setup ## Regenerate data/nlu/faq.yml from kb/
	$(PY) -m kb.generate

train: generate ## Train the model if data/, kb/, domain.yml or config.yml changed
	$(PY) scripts/train.py

run: train ## Run the assistant: action server + Rasa server + web page (Ctrl-C stops)
	$(PY) scripts/run.py

shell: train ## Talk to the assistant in the terminal (rasa shell)
	@export ACTION_SERVER_TOKEN=$${ACTION_SERVER_TOKEN:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))')}; \
	  export OTP_SECRET=$${OTP_SECRET:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))')}; \
	  $(PY) -m vssid.action_server --port 5055 & pid=$$!; trap "kill $$pid" EXIT; \
	  $(RASA) shell -m models --endpoints endpoints.yml

# PostgreSQL and Redis: used when reachable (started if down and local), see scripts/test_services.py.
test: setup setup-browser nginx ## Run every test, as CI does (validates data, trains if needed, PostgreSQL + Redis)
	$(PY) -m kb.generate --check
	$(PY) scripts/validate_data.py
	$(PY) scripts/train.py
	@services=$$($(PY) scripts/test_services.py) && eval "$$services" && \
	  $(VENV)/bin/pytest -p no:cacheprovider $(PYTEST_ARGS)

ORDER ?= random
test-random: setup setup-browser ## The suite in another order: ORDER=random (seed printed) or ORDER=reverse
	$(PY) scripts/train.py
	@services=$$($(PY) scripts/test_services.py) && eval "$$services" && \
	  $(VENV)/bin/pytest -p no:cacheprovider $(if $(filter reverse,$(ORDER)),--reverse-order,--random-order-bucket=package) \
	  $(PYTEST_ARGS)

test-fast: setup ## Run the tests that need no trained model or browser
	$(VENV)/bin/pytest -m "not e2e and not browser" $(PYTEST_ARGS)

NLU ?= tests/nlu_test.yml
eval: train ## NLU report (ours vs stock) on NLU=path (default tests/nlu_test.yml)
	$(PY) bench/eval_nlu.py --nlu $(NLU) --config config.yml --stock bench/config_stock.yml

eval-independent: generate ## NLU on the independent sets (aggregate figures only: blind) + off-domain rate
	$(PY) bench/eval_nlu.py --nlu tests/nlu_test.yml tests/nlu_independent_test.yml tests/nlu_independent_test2.yml \
	  tests/nlu_independent_test3.yml \
	  --offdomain tests/nlu_offdomain_test.yml tests/nlu_offdomain_test2.yml tests/nlu_offdomain_test3.yml --summary

BENCH_ARGS ?=
bench: train db ## Speed targets vs a stock `rasa init` bot it trains once (table; see bench/RESULTS.md)
	$(PY) bench/speed.py $(BENCH_ARGS)

profile: train db ## Where one web chat message spends its time (py-spy on the Rasa server)
	$(PY) bench/profile_message.py

nginx: ## Install Debian's nginx (for make scale-demo and the scale-out test; needs root)
	@if [ -z "$$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null)" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; \
	fi
	@/usr/sbin/nginx -v

scale-demo: train nginx ## 2 Rasa + 2 action servers behind nginx on 127.0.0.1:18080 (PostgreSQL + Redis)
	$(PY) scripts/scale_demo.py

lint: setup ## ruff check and ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

AUDIT_VENV := .venv-audit
$(AUDIT_VENV)/.installed: requirements-audit.txt
	@py=$$(scripts/find_python310.sh) || exit 1; [ -x $(AUDIT_VENV)/bin/python ] || $$py -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/python -m pip install --quiet -r requirements-audit.txt
	touch $@

audit: $(AUDIT_VENV)/.installed ## Known vulnerabilities of the pinned requirements (pip-audit; says so when offline)
	$(AUDIT_VENV)/bin/python scripts/audit.py

freeze: ## Re-pin requirements.txt from the venv
	(echo "# Exact pins for Python 3.10 (pip freeze of the working venv). Update with: make freeze"; \
	  $(PY) -m pip freeze | grep -v '^-e') > requirements.txt

telegram-webhook: setup ## Register the Telegram webhook: make telegram-webhook URL=https://host
	@test -n "$(URL)" || { echo "usage: make telegram-webhook URL=https://your-public-host"; exit 2; }
	$(PY) scripts/telegram_webhook.py --url "$(URL)"

telegram-polling: setup ## Run the Telegram bot by long polling (no public URL needed)
	$(PY) scripts/telegram_polling.py

agent-cli: setup ## Hotline agent CLI: make agent-cli ARGS="queue"
	$(PY) scripts/agent_cli.py $(ARGS)

kb-suggestions: setup ## Examples suggested from the dashboard: make kb-suggestions ARGS="list|export --out f.yml"
	$(PY) scripts/kb_suggestions.py $(or $(ARGS),list)

clean: ## Remove trained models and local databases
	rm -rf models var results test-artifacts
