#!/usr/bin/env bash
# A throwaway PostgreSQL server for Campo's tests of its PostgreSQL backend.
#
#   eval "$(scripts/pg-test.sh start)"   starts one (unless CAMPO_TEST_PG_URL is already
#                                        set) and prints the two exports to eval:
#                                        CAMPO_TEST_PG_URL (a database where tests may
#                                        CREATE DATABASE) and CAMPO_TEST_PG_DIR
#   scripts/pg-test.sh stop              stops the server of CAMPO_TEST_PG_DIR, removes
#                                        its folder
#   source scripts/pg-test.sh start|stop the same, exporting into the current shell
#
# The server listens on a free port of 127.0.0.1 and on a Unix socket in its own
# temporary folder, trusts every local connection (it holds only test data and dies with
# the tests), and uses PostgreSQL from Debian's `postgresql` package, installed if
# missing. initdb refuses to run as root, so as root the server runs as `postgres`.
# Progress goes to stderr; stdout carries only the exports.

_pg_test_log() { echo "pg-test: $*" >&2; }

_pg_test_sudo() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Runs a PostgreSQL program as the user owning the data folder.
_pg_test_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The bin folder of the newest PostgreSQL under /usr/lib/postgresql, installing it if none.
_pg_test_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    _pg_test_log "installing PostgreSQL (Debian's postgresql package)"
    _pg_test_sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive _pg_test_sudo apt-get install -y -qq --no-install-recommends postgresql >&2
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  fi
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    _pg_test_log "no initdb under /usr/lib/postgresql/*/bin"
    return 1
  fi
  echo "$dir"
}

# A TCP port on 127.0.0.1 that nothing listens on now.
_pg_test_free_port() {
  local port tries=0
  while [ $tries -lt 50 ]; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
    tries=$((tries + 1))
  done
  _pg_test_log "found no free port"
  return 1
}

_pg_test_start() {
  if [ -n "${CAMPO_TEST_PG_URL:-}" ]; then
    _pg_test_log "CAMPO_TEST_PG_URL is already set: using that server"
    printf 'export CAMPO_TEST_PG_URL=%q\n' "$CAMPO_TEST_PG_URL"
    [ -n "${CAMPO_TEST_PG_DIR:-}" ] && printf 'export CAMPO_TEST_PG_DIR=%q\n' "$CAMPO_TEST_PG_DIR"
    return 0
  fi
  local bin dir port attempt
  bin=$(_pg_test_bindir) || return 1
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    _pg_test_log "running as root needs the postgres user (Debian's package creates it)"
    return 1
  fi
  dir=$(mktemp -d "${TMPDIR:-/tmp}/campo-pg-test.XXXXXX") || return 1
  touch "$dir/.campo-pg-test"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  _pg_test_log "initdb in $dir ($("$bin/postgres" --version))"
  if ! _pg_test_as_owner "$bin/initdb" -D "$dir/data" --username=postgres --auth=trust \
      --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
    _pg_test_log "initdb failed:"; tail -n 20 "$dir/initdb.log" >&2
    rm -rf "$dir"
    return 1
  fi
  # A port found free may be taken before the server binds it: try a few.
  for attempt in 1 2 3 4 5; do
    port=$(_pg_test_free_port) || break
    _pg_test_log "starting on 127.0.0.1:$port"
    if _pg_test_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=200" \
        start >/dev/null 2>&1; then
      break
    fi
    port=""
  done
  if [ -z "$port" ]; then
    _pg_test_log "the server did not start:"; tail -n 20 "$dir/server.log" >&2
    rm -rf "$dir"
    return 1
  fi
  local waited=0
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; do
    waited=$((waited + 1))
    if [ $waited -gt 60 ]; then
      _pg_test_log "the server is not ready after 30 s:"; tail -n 20 "$dir/server.log" >&2
      _pg_test_as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
      rm -rf "$dir"
      return 1
    fi
    sleep 0.5
  done
  echo "$bin" >"$dir/.bindir"
  _pg_test_log "ready; stop it with: scripts/pg-test.sh stop"
  printf 'export CAMPO_TEST_PG_URL=%q\n' "postgres://postgres@127.0.0.1:$port/postgres"
  printf 'export CAMPO_TEST_PG_DIR=%q\n' "$dir"
}

_pg_test_stop() {
  local dir=${CAMPO_TEST_PG_DIR:-} bin
  if [ -z "$dir" ]; then
    _pg_test_log "CAMPO_TEST_PG_DIR is not set: no server of this script to stop"
    return 0
  fi
  # Only ever remove a folder this script made.
  if [ ! -f "$dir/.campo-pg-test" ]; then
    _pg_test_log "$dir is not a folder made by pg-test.sh; leaving it alone"
    return 1
  fi
  bin=$(cat "$dir/.bindir" 2>/dev/null || true)
  [ -n "$bin" ] || bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -f "$dir/data/postmaster.pid" ]; then
    _pg_test_log "stopping the server of $dir"
    _pg_test_as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 ||
      _pg_test_log "pg_ctl stop failed (already stopped?)"
  fi
  rm -rf "$dir"
  _pg_test_log "removed $dir"
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # Sourced: act on the caller's shell without changing its options.
  case "${1:-}" in
    start) eval "$(_pg_test_start)" ;;
    stop) _pg_test_stop && unset CAMPO_TEST_PG_URL CAMPO_TEST_PG_DIR ;;
    "") ;;
    *) _pg_test_log "usage: source scripts/pg-test.sh start|stop" ;;
  esac
else
  set -euo pipefail
  case "${1:-}" in
    start) _pg_test_start ;;
    stop) _pg_test_stop ;;
    *) echo "usage: $0 start|stop   (eval \"\$($0 start)\" to export the URL)" >&2; exit 2 ;;
  esac
fi
