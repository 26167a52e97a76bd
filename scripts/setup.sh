#!/usr/bin/env bash
# Installs what Campo needs on a fresh Debian/Ubuntu machine, and nothing that is
# already there. Safe to run again. Used by run.sh, test.sh and CI.
#   setup.sh          everything: build tools, the app's system libraries, the UI's npm
#                     packages, tauri-driver and the X virtual display for the app tests
#   setup.sh server   only what the server and the headless demo need
#   setup.sh all test everything, plus what only the tests need: PostgreSQL (a throwaway
#                     cluster is started by scripts/pg-test.sh), Python's venv for
#                     schemathesis, Debian's Chromium and its chromedriver for the office
#                     console's browser tests (scripts/console-web.sh), and cargo's rustfmt
#                     and clippy
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
for_tests=${2:-}
export PATH="$HOME/.cargo/bin:$PATH"
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_packages=(build-essential pkg-config curl ca-certificates)
if [ "$what" = all ]; then
  # Tauri 2 on Linux, plus Xvfb and WebKitWebDriver for the end-to-end tests.
  apt_packages+=(libwebkit2gtk-4.1-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev
                 libxdo-dev xvfb xauth webkit2gtk-driver nodejs npm)
fi
if [ "$for_tests" = test ]; then
  # dbus-daemon: a private bus for the NetworkManager signal test. chromium and
  # chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver, the same version): the
  # console's browser tests; nothing downloads a browser at run time.
  apt_packages+=(postgresql python3-venv sqlite3 dbus-daemon chromium chromium-driver)
fi

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs/npm may come from elsewhere than Debian (nodesource, nvm): accept any on PATH.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  echo "setup: Rust is missing; install it from your distribution or rustup first" >&2
  exit 1
fi

if [ "$for_tests" = test ]; then
  for tool in rustfmt clippy; do
    if ! cargo "${tool/rustfmt/fmt}" --version >/dev/null 2>&1; then
      echo "setup: installing $tool"
      rustup component add "$tool"
    fi
  done
fi

if [ "$what" = all ]; then
  if ! command -v tauri-driver >/dev/null; then
    echo "setup: installing tauri-driver"
    cargo install tauri-driver --version '^2' --locked
  fi
  if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    echo "setup: installing the UI's npm packages"
    (cd ui && npm ci --no-audit --no-fund)
  fi
fi
