# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
# apalis-sqlite compiles its queries against shipped metadata; never against a live DATABASE_URL.
export SQLX_OFFLINE := true

E2E_ADMIN_PASSWORD := Admin-pass-123

.PHONY: run release install install-lint install-browser test test-unit test-postgres test-api-fuzz test-e2e lint

## Install what is missing, build, and start the whole system on the embedded default.
run: install
	cargo leptos serve

## An optimised build (smaller wasm, wasm-opt) in target/release + target/site.
release: install
	cargo leptos build --release

install:
	@bash scripts/install-tools.sh

## The lint tools (cargo-machete, cargo-deny), pinned; each built once from crates.io.
install-lint:
	@bash scripts/install-tools.sh --lint

install-browser:
	@bash scripts/install-tools.sh --browser

## Every test: unit and integration tests on SQLite, the integration tests again on
## PostgreSQL + Redis when CAMP_TEST_POSTGRES_URL / CAMP_TEST_REDIS_URL are set
## (required on CI), the API against its OpenAPI document (validator + schema
## fuzzer), and the browser journeys in headless Chromium.
test: install install-browser test-unit test-postgres test-api-fuzz test-e2e

test-unit:
	env -u CAMP_TEST_POSTGRES_URL -u CAMP_TEST_REDIS_URL cargo test --workspace

test-postgres:
	@if [ -z "$${CAMP_TEST_POSTGRES_URL:-}" ] || [ -z "$${CAMP_TEST_REDIS_URL:-}" ]; then \
	  if [ -n "$${CI:-}" ]; then echo "CI must run the PostgreSQL + Redis tests: set CAMP_TEST_POSTGRES_URL and CAMP_TEST_REDIS_URL" >&2; exit 1; fi; \
	  echo "==> skipping the PostgreSQL + Redis run (set CAMP_TEST_POSTGRES_URL and CAMP_TEST_REDIS_URL to include it)"; \
	else \
	  echo "==> integration tests on PostgreSQL + Redis"; \
	  cargo test -p server --test api; \
	fi

## The served OpenAPI document validated, then schemathesis against a live server:
## no 5xx, no dropped connection, only documented statuses (a few minutes at most).
test-api-fuzz:
	bash scripts/api-fuzz.sh

test-e2e:
	@if curl -s -o /dev/null --max-time 2 http://127.0.0.1:3000/; then \
	  echo "Port 3000 is in use (is \`make run\` still running?): the browser tests start their own server there." >&2; exit 1; fi
	@rm -f test-results/.last-run.json
	@data=$$(mktemp -d); \
	  CAMP__DATA_DIR=$$data CAMP__BOOTSTRAP__ADMIN_PASSWORD=$(E2E_ADMIN_PASSWORD) E2E_ADMIN_PASSWORD=$(E2E_ADMIN_PASSWORD) \
	  CAMP__SERVER__RATE_LIMIT_PER_MINUTE=1000 env -u CAMP__DATABASE__URL -u CAMP__REDIS__URL cargo leptos end-to-end; status=$$?; rm -rf $$data; \
	  [ $$status -eq 0 ] || exit $$status
	@# cargo-leptos exits 0 when its server build fails and no browser test ran: trust only Playwright's own verdict.
	@grep -q '"status": "passed"' test-results/.last-run.json 2>/dev/null || \
	  { echo "The browser tests did not run to a pass (no passing test-results/.last-run.json)." >&2; exit 1; }

## Formatting, clippy (native and wasm), unused dependencies, and cargo-deny's
## licence, ban and source checks (deny.toml). cargo-deny's advisories check is
## left out: its database is fetched from GitHub, which is not reachable here.
lint: install-lint
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy -p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings
	cargo machete
	cargo deny check licenses bans sources
