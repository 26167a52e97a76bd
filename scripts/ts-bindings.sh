#!/usr/bin/env bash
# Regenerates ui/src/bindings from the Rust types (ts-rs) and, with --check, fails when
# the committed files differ: the UI's types are never written by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$PWD/ui/src/bindings
rm -rf "$out"
TS_RS_EXPORT_DIR=$out cargo test -q -p campo-core --features ts --lib export_bindings >/dev/null
TS_RS_EXPORT_DIR=$out cargo test -q -p campo-app --lib export_bindings >/dev/null
if [[ "${1:-}" == "--check" ]]; then
  git diff --exit-code -- ui/src/bindings
  test -z "$(git status --porcelain -- ui/src/bindings)"
fi
