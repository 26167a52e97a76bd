#!/usr/bin/env bash
# Builds the UI, campo-server and the app (debug, UI embedded), then runs the end-to-end
# tests under a virtual display through tauri-driver and WebKitWebDriver.
#
# Needs: Node 20+ and npm; apt packages libwebkit2gtk-4.1-dev build-essential libssl-dev
# libayatana-appindicator3-dev librsvg2-dev xvfb webkit2gtk-driver; tauri-driver
# (`cargo install tauri-driver --version ^2 --locked`). Installs what is missing.
# Screenshots go to $CAMPO_SCREENSHOTS (default target/e2e-screenshots).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export CAMPO_SCREENSHOTS=${CAMPO_SCREENSHOTS:-$CARGO_TARGET_DIR/e2e-screenshots}

missing=()
for pkg in libwebkit2gtk-4.1-dev build-essential libssl-dev libayatana-appindicator3-dev librsvg2-dev xvfb webkit2gtk-driver; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
export PATH="$HOME/.cargo/bin:$PATH"
command -v tauri-driver >/dev/null || cargo install tauri-driver --version '^2' --locked

(cd ui && npm ci --no-audit --no-fund && npm run build)
# The app's default feature (custom-protocol) embeds ui/dist in the binary.
cargo build -p campo-server -p campo-app
export CAMPO_SERVER_BIN=$CARGO_TARGET_DIR/debug/campo-server
export CAMPO_APP_BIN=$CARGO_TARGET_DIR/debug/campo

cd tests/e2e
exec xvfb-run -a -s "-screen 0 1920x1200x24" node --test --test-concurrency=1 app.test.mjs
