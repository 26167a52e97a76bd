#!/usr/bin/env bash
# The office console in a real browser: builds campo-server, gives it a throwaway SQLite
# database with the project `valle` and one account of each role, starts it on a loopback
# port, loads a week of data through the real sync (an enrollment code and the scripted
# tablet), then runs tests/console-web in Debian's Chromium, headless, through
# chromedriver (W3C WebDriver): sign-in and sign-out, what each role sees and may open,
# the audit log, and axe-core (WCAG 2.1 A and AA) on every page at 1440x900 and 768x1024.
#
# Needs: Node 20+; apt packages chromium and chromium-driver (scripts/setup.sh server test
# installs them, and this script runs it; nothing downloads a browser at run time);
# axe-core from the UI's npm packages (ui/node_modules, from scripts/setup.sh all).
# Screenshots of every page at both sizes go to $CAMPO_CONSOLE_SCREENSHOTS (default
# target/console-screenshots). Extra arguments go to `node --test`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
started=$(date +%s)
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

# The server's build tools and the tests' system packages (Chromium among them). Not the
# UI's npm packages: those are installed by `scripts/setup.sh all` (test.sh runs it first),
# and only axe-core is needed from them here.
scripts/setup.sh server test
if ! command -v node >/dev/null; then
  echo "console-web: Node is missing (scripts/setup.sh all installs it)" >&2
  exit 1
fi
chromium=$(command -v chromium || true)
chromedriver=$(command -v chromedriver || true)
if [ -z "$chromium" ] || [ -z "$chromedriver" ]; then
  echo "console-web: chromium and chromedriver are missing (apt: chromium chromium-driver)" >&2
  exit 1
fi
if [ ! -f ui/node_modules/axe-core/axe.min.js ]; then
  echo "console-web: ui/node_modules/axe-core/axe.min.js is missing (scripts/setup.sh installs the UI's packages)" >&2
  exit 1
fi

cargo build -p campo-server --bin campo-server --locked
cargo build -p campo-sync --example scripted_tablet --locked
export CAMPO_SERVER_BIN=$CARGO_TARGET_DIR/debug/campo-server
tablet_bin=$CARGO_TARGET_DIR/debug/examples/scripted_tablet

work=$(mktemp -d "${TMPDIR:-/tmp}/campo-console-web.XXXXXX")
server_pid=
driver_pid=
port=
finish() {
  local status=$?
  # A browser the tests left open (a test interrupted) is closed by its driver first.
  if [ -n "${port:-}" ]; then
    node -e 'const b = process.argv[1];
      fetch(b + "/sessions").then((r) => r.json()).then((j) =>
        Promise.all((j.value ?? []).map((s) => fetch(b + "/session/" + s.id, { method: "DELETE" }))))
      .catch(() => {});' "http://127.0.0.1:$port" || true
  fi
  # Only the two processes this script started, by their id.
  for pid in $driver_pid $server_pid; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $driver_pid $server_pid; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    for log in server.log chromedriver.log tablet.log; do
      if [ -s "$work/$log" ]; then
        echo "console-web: last lines of $log:" >&2
        tail -n 30 "$work/$log" >&2
      fi
    done
  fi
  rm -rf "$work"
  echo "console-web: $([ "$status" -eq 0 ] && echo passed || echo FAILED) in $(($(date +%s) - started))s"
}
trap finish EXIT

export CAMPO_DB=$work/server.db
server() { "$CAMPO_SERVER_BIN" "$@"; }

# The project and one account of each role; every password is this run's own.
server projects add valle --name "Valle Alta" >/dev/null
accounts='{'
sep=
for pair in admin:root coordinator:anna psychologist:paolo viewer:vera; do
  role=${pair%%:*}
  name=${pair#*:}
  password="console web $name $(od -An -N9 -tx1 /dev/urandom | tr -d ' \n')"
  if [ "$role" = admin ]; then
    printf '%s\n' "$password" | server users add --name "$name" --role admin --password-stdin >/dev/null
  else
    printf '%s\n' "$password" |
      server users add --name "$name" --role "$role" --project valle --password-stdin >/dev/null
  fi
  accounts+="$sep\"$role\":{\"name\":\"$name\",\"password\":\"$password\"}"
  sep=,
done
export CAMPO_CONSOLE_ACCOUNTS="$accounts}"

# The server, on a port of its choosing: its first line names it.
# The binary itself, not the function: $! must be its id for the trap to stop it.
"$CAMPO_SERVER_BIN" serve --listen 127.0.0.1:0 >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 200); do
  if grep -q '^listening on ' "$work/server.out" 2>/dev/null; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { echo "console-web: the server did not start" >&2; exit 1; }
  sleep 0.1
done
CAMPO_CONSOLE_URL=$(sed -n '1s/^listening on //p' "$work/server.out")
[ -n "$CAMPO_CONSOLE_URL" ] || { echo "console-web: the server named no address" >&2; exit 1; }
export CAMPO_CONSOLE_URL
echo "console-web: campo-server at $CAMPO_CONSOLE_URL"

# A week of data through the real sync: an enrollment code and the scripted tablet.
export CAMPO_CONSOLE_TABLET="Tablet Valle 1"
code=$(server enroll --project valle --name "$CAMPO_CONSOLE_TABLET" --json |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).code))')
export CAMPO_CONSOLE_TABLET_BIN=$tablet_bin CAMPO_CONSOLE_TABLET_DIR=$work/tablet
export CAMPO_CONSOLE_TABLET_PASSPHRASE="console web tablet passphrase"
CAMPO_PASSPHRASE=$CAMPO_CONSOLE_TABLET_PASSPHRASE \
  "$tablet_bin" --server "$CAMPO_CONSOLE_URL" --enroll-code "$code" --dir "$work/tablet" >"$work/tablet.log" 2>&1 ||
  { echo "console-web: the scripted tablet failed" >&2; cat "$work/tablet.log" >&2; exit 1; }
grep -q ' 0 rejected' "$work/tablet.log" ||
  { echo "console-web: the server refused some of the tablet's records" >&2; cat "$work/tablet.log" >&2; exit 1; }
echo "console-web: $(grep '^sync done' "$work/tablet.log")"
CAMPO_CONSOLE_TABLET_RECORDS=$(sed -n 's/^sync done: \([0-9]*\) stored.*/\1/p' "$work/tablet.log")
export CAMPO_CONSOLE_TABLET_RECORDS

# chromedriver on a free port (it picks one and says which).
"$chromedriver" --port=0 >"$work/chromedriver.log" 2>&1 &
driver_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*started successfully on port \([0-9]*\).*/\1/p' "$work/chromedriver.log")
  [ -n "$port" ] && break
  kill -0 "$driver_pid" 2>/dev/null || { echo "console-web: chromedriver did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "console-web: chromedriver named no port" >&2; exit 1; }
export CAMPO_WEBDRIVER_URL=http://127.0.0.1:$port
export CAMPO_CHROMIUM=$chromium
echo "console-web: $("$chromium" --version 2>/dev/null | head -1), chromedriver on port $port"

(cd tests/console-web && node --test --test-concurrency=1 "$@" console.test.mjs)
