# MyHibachi AI — `make run` starts everything on embedded services; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.requirements.stamp

.PHONY: install browser run test stop bench bench-asgi bench-ws chaos clean-var screenshots

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, alone: pinned to the machine's local CPU wheel so nothing pulls the multi-GB CUDA build
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

install: $(STAMP) browser

# Debian's chromium + chromium-driver for the web chat's real-browser test (skipped with a reason when absent).
browser:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then \
		bash scripts/install-browser.sh || echo "warning: could not install chromium; the browser test will be skipped"; \
	fi

run: install
	$(PY) -m hibachi.launcher

test: install
	$(PY) -m pytest

# A PNG of each manager report of the running `make run` site (after its demo history), in var/screenshots/.
screenshots: install
	$(PY) manage.py report_screenshots

stop: install
	$(PY) -m hibachi.launcher --stop

# Every benchmark at a size that finishes in under 10 minutes, then one table (what | measured | target | met?);
# the records land in var/bench/ (latest.json holds the table). See hibachi/bench_all.py.
bench: install
	$(PY) -m hibachi.bench_all

bench-asgi: install
	$(PY) -m hibachi.bench_asgi

bench-ws: install
	$(PY) manage.py bench_ws --sockets 200 --messages 5 --rate 50

# Fault injection on a throwaway stack (temp var dir, loopback only, a few minutes); see README "Security and reliability".
chaos: install
	$(PY) -m hibachi.chaos

clean-var: stop
	rm -rf var
