# `make demo` and `make test` each build .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_SITE := demo-site

.PHONY: demo test lint bench clean messages

$(BIN)/syndicate: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml $(BIN)/syndicate
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# html-validate, from package-lock.json exactly.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

# The whole job on the bundled examples, in a site of its own: publish to the feeds, then
# send the newsletter to one confirmed reader (into outbox/, since no SMTP server is set).
demo: $(BIN)/syndicate
	@test -f $(DEMO_SITE)/syndicate.toml || { mkdir -p $(DEMO_SITE) && cp demo/syndicate.toml $(DEMO_SITE)/; }
	@$(BIN)/syndicate --site $(DEMO_SITE) init >/dev/null
	@cp examples/*.txt examples/*.md examples/*.html $(DEMO_SITE)/content/
	@$(BIN)/syndicate --site $(DEMO_SITE) subscribers add reader@example.com --name "Dana Reader" --confirmed --newsletter briefing --newsletter saltmarsh
	@$(BIN)/syndicate --site $(DEMO_SITE) subscribers add coast@example.com --name "Sam Coast" --confirmed --newsletter saltmarsh
	@$(BIN)/syndicate --site $(DEMO_SITE) run
	@echo "routing:  harbour-festival.txt names The Saltmarsh Gazette Newsletter, so it goes to $$($(BIN)/syndicate --site $(DEMO_SITE) parse --json $(DEMO_SITE)/content/harbour-festival.txt | $(BIN)/python -c 'import json, sys; print(", ".join(json.load(sys.stdin)["routes_to"]))') only"
	@$(BIN)/syndicate --site $(DEMO_SITE) newsletters list
	@echo "articles: $$($(BIN)/syndicate --site $(DEMO_SITE) articles | wc -l) stored in $(DEMO_SITE)/syndicate.db"
	@echo "feeds:    $(DEMO_SITE)/feeds/atom.xml, rss.xml, feed.json (tag feeds in $(DEMO_SITE)/feeds/tags/)"
	@echo "emails:   $$(ls $(DEMO_SITE)/outbox/*.eml | wc -l) in $(DEMO_SITE)/outbox/, the newest: $$(ls -t $(DEMO_SITE)/outbox/*.eml | head -n 1)"
	@echo "archive:  $$(ls -t $(DEMO_SITE)/archive/*/*/index.html 2>/dev/null | head -n 1) (each sent issue's web page; its email's \"View in browser\" link)"
	@echo "archive index: $$(ls $(DEMO_SITE)/archive/*/index.html 2>/dev/null | tr '\n' ' ')(each newsletter's past issues, newest first; atom.xml beside it)"
	@echo "signup page: $(BIN)/syndicate --site $(DEMO_SITE) serve   (then open http://127.0.0.1:8080/)"

lint: $(VENV)/.test-installed
	$(BIN)/ruff check syndicate tests bench
	$(BIN)/ruff format --check syndicate tests bench
	$(BIN)/mypy

test: lint node_modules/.installed
	$(BIN)/pytest

bench: $(VENV)/.test-installed  # the benches use aiosmtpd and css-inline, test extras
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(DEMO_SITE) dist build

# The gettext catalogues: extract every _()/translate() string, then merge it into each
# language's .po (edit the new msgstr by hand). Compiled in memory at first use.
messages: $(VENV)/.test-installed
	$(BIN)/pybabel extract -F babel.cfg -k translate --no-location --omit-header -o messages.pot .
	$(BIN)/pybabel update -i messages.pot -d syndicate/locale --no-location --ignore-obsolete
	rm messages.pot
