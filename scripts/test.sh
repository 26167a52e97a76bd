#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine and runs every test of Campo: the unit and
# property tests of each crate, the cross-crate tests against the real server binary
# (fault campaign included), the check that the UI's TypeScript types match the Rust
# types, and the app end to end under Xvfb through WebDriver.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh all

echo "test: building the UI (the app embeds it) and every binary the tests start"
(cd ui && npm run build)
cargo build --workspace --bins --locked

echo "test: the UI's generated types are up to date"
scripts/ts-bindings.sh --check

echo "test: workspace tests"
cargo test --workspace --locked

echo "test: the app end to end"
scripts/e2e.sh
