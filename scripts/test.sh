#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine and runs every test of Campo: formatting and lints,
# the unit and property tests of each crate (fuzz corpora replayed, XLSForms checked by
# pyxform), the storage and HTTP suites on SQLite and on a throwaway PostgreSQL, the
# cross-crate tests against the real server binary (fault campaigns included),
# schemathesis against the served OpenAPI document, the check that the UI's TypeScript
# types match the Rust types, the app end to end under Xvfb, and the office console in
# headless Chromium (roles, audit log, axe-core on every page).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# One build, run once: incremental caches would only take disk.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
target_dir=${CARGO_TARGET_DIR:-$PWD/target}

started=$(date +%s)
step_started=$started
step() {
  local now; now=$(date +%s)
  if [ -n "${step_name:-}" ]; then
    printf 'test: %-52s %4ds  (target %s, disk free %s)\n' "$step_name done in" \
      "$((now - step_started))" "$(du -sh "$target_dir" 2>/dev/null | cut -f1)" \
      "$(df -h --output=avail "$target_dir" 2>/dev/null | tail -1 | tr -d ' ')"
  fi
  step_name=$1; step_started=$now
  echo "test: $1"
}

step "setup (system packages, npm packages, tauri-driver, PostgreSQL)"
scripts/setup.sh all test

step "formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "type-checking the UI (svelte-check, strict), building it and every binary the tests start"
(cd ui && npm run check && npm run build)
cargo build --workspace --bins --locked

step "lints (clippy, warnings denied)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "starting a throwaway PostgreSQL for the storage and HTTP suites"
eval "$(scripts/pg-test.sh start)"
trap 'scripts/pg-test.sh stop || true' EXIT

step "pyxform in a virtualenv, for the check that Campo's XLSForms open in other tools"
CAMPO_XLS2XFORM=$(scripts/pyxform-venv.sh)
export CAMPO_XLS2XFORM

step "workspace tests (SQLite and PostgreSQL)"
cargo test --workspace --locked

step "the UI's generated types are up to date"
scripts/ts-bindings.sh --check

step "schemathesis against the served API (SQLite, then PostgreSQL)"
scripts/schemathesis.sh
scripts/schemathesis.sh --db "$CAMPO_TEST_PG_URL"

step "the app end to end"
scripts/e2e.sh

step "the office console in Chromium (chromedriver, axe-core)"
scripts/console-web.sh

step "finished"
echo "test: all steps passed in $(( $(date +%s) - started ))s"
