#!/usr/bin/env bash
# Builds the UI, campo-server and the app (debug, UI embedded), then runs the end-to-end
# tests under a virtual display through tauri-driver and WebKitWebDriver.
#
# Needs: Node 20+ and npm; apt packages libwebkit2gtk-4.1-dev build-essential libssl-dev
# libayatana-appindicator3-dev librsvg2-dev xvfb webkit2gtk-driver; tauri-driver
# (`cargo install tauri-driver --version ^2 --locked`). scripts/setup.sh installs what is missing.
# Screenshots go to $CAMPO_SCREENSHOTS (default target/e2e-screenshots).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export CAMPO_SCREENSHOTS=${CAMPO_SCREENSHOTS:-$CARGO_TARGET_DIR/e2e-screenshots}

scripts/setup.sh all
export PATH="$HOME/.cargo/bin:$PATH"

(cd ui && npm run build)
# The app's default feature (custom-protocol) embeds ui/dist in the binary. The same
# package selection as scripts/test.sh, so Cargo unifies the same features and reuses that
# build instead of recompiling dependencies.
cargo build --workspace --bins --locked
export CAMPO_SERVER_BIN=$CARGO_TARGET_DIR/debug/campo-server
export CAMPO_APP_BIN=$CARGO_TARGET_DIR/debug/campo

cd tests/e2e
exec xvfb-run -a -s "-screen 0 1920x1200x24" node --test --test-concurrency=1 app.test.mjs
