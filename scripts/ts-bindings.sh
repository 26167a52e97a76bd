#!/usr/bin/env bash
# Regenerates ui/src/bindings from the Rust types (ts-rs) and, with --check, fails when
# the committed files differ: the UI's types are never written by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$PWD/ui/src/bindings
rm -rf "$out"
# The whole workspace, as the test command selects it: a narrower selection unifies other
# features and recompiles hundreds of dependencies (campo-app turns on campo-core's "ts").
TS_RS_EXPORT_DIR=$out cargo test -q --workspace --locked --lib export_bindings >/dev/null
if [[ "${1:-}" == "--check" ]]; then
  git diff --exit-code -- ui/src/bindings
  test -z "$(git status --porcelain -- ui/src/bindings)"
fi
