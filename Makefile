# 青声 — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint format check bench clean

$(STAMP): pyproject.toml
	@echo "首次运行：正在安装依赖（约 1 分钟，只需一次）… / installing dependencies (once)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	@echo "正在安装测试依赖… / installing test dependencies"
	$(PY) -m pip install -q -e ".[test]"
	touch $@

.env:
	cp .env.example .env

run: $(STAMP) .env  ## install, migrate, start the bot (SQLite + bundled faq_data)
	$(PY) -m bot

test: $(TEST_STAMP)  ## install test deps and run the whole suite (SQLite + PostgreSQL)
	$(PY) -m pytest -q

lint: $(TEST_STAMP)
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

format: $(TEST_STAMP)
	$(PY) -m ruff format . && $(PY) -m ruff check --fix .

check: $(STAMP)  ## validate faq_data without starting the bot
	$(PY) -m bot.faq check

clean:
	rm -rf $(VENV) data .pytest_cache
