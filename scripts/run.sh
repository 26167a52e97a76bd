#!/usr/bin/env bash
# Campo's main job on one machine: the server on its embedded SQLite database, then the
# tablet app pointed at it. Where there is no display, a headless demo instead: a
# scripted tablet (a real encrypted vault and the real sync client) records a sample
# meeting, syncs it, and the server prints the project's assessment report.
#
#   CAMPO_HOME    where the server's database lives (default ./campo-data)
#   CAMPO_LISTEN  the server's address (default 127.0.0.1:8770)
#   CAMPO_HEADLESS=1  force the headless demo even where a display exists
set -euo pipefail
cd "$(dirname "$0")/.."

home=${CAMPO_HOME:-$PWD/campo-data}
listen=${CAMPO_LISTEN:-127.0.0.1:8770}
url="http://$listen"
if [ -z "${CAMPO_HEADLESS:-}" ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then mode=app; else mode=demo; fi

if [ "$mode" = app ]; then scripts/setup.sh all; else scripts/setup.sh server; fi
mkdir -p "$home"
db="$home/server.db"

echo "campo: building the server"
cargo build -q -p campo-server --bin campo-server
target_dir=${CARGO_TARGET_DIR:-target}
server=$target_dir/debug/campo-server

"$server" serve --db "$db" --listen "$listen" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "$url/api/v1/health" >/dev/null 2>&1 && break
  kill -0 $server_pid 2>/dev/null || { echo "campo: the server did not start" >&2; exit 1; }
  sleep 0.2
done
echo "campo: server running at $url (database $db)"

# The office console: a first admin account, whose password is set through a one-time link.
if [ "$("$server" users list --db "$db" --json | tr -d '[:space:]')" = "[]" ]; then
  link=$("$server" users add --db "$db" --name admin --role admin --public-url "$url" | grep '/set-password/')
  console_how="set the password of the account 'admin' at $link (valid 24 hours), then sign in"
else
  console_how="sign in with your account ('campo-server users reset --name admin' prints a new link)"
fi
echo "campo: office console at $url/login: $console_how"

# A one-time code, valid 15 minutes, for the tablet to enroll with.
code=$("$server" enroll --db "$db" --name "tablet-$(date +%H%M%S)" --json \
        | sed -n 's/.*"code" *: *"\([^"]*\)".*/\1/p')

if [ "$mode" = app ]; then
  echo "campo: building the app"
  (cd ui && npm run build)
  cargo build -q -p campo-app --bin campo
  echo
  echo "  In the app's first-run screen enter the server $url and the enrollment code: $code"
  echo "  (the code works once and expires in 15 minutes; 'campo-server enroll' makes another)"
  echo
  CAMPO_DATA_DIR=${CAMPO_DATA_DIR:-$home/tablet} "$target_dir/debug/campo"
else
  echo "campo: no display here, running the headless demo (a scripted tablet)"
  tablet=$(mktemp -d)
  cargo run -q -p campo-sync --example scripted_tablet -- --server "$url" --enroll-code "$code" --dir "$tablet/vault"
  rm -rf "$tablet"
  echo
  "$server" report --db "$db" --format text
  echo
  echo "campo: the same report as a web page: $server report --db $db --format html > report.html"
  echo "campo: the office console needs the server running: $server serve --db $db --listen $listen"
  echo "       then open $url/login ($console_how)"
fi
