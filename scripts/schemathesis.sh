#!/usr/bin/env bash
# Runs schemathesis, every check, against the real campo-server and the OpenAPI document
# it serves itself (GET /api/v1/openapi.json), on a throwaway database. Exits non-zero on
# any failure.
#
#   scripts/schemathesis.sh                      a temporary SQLite file
#   scripts/schemathesis.sh --db postgres://...  a throwaway database created beside the
#                                                one the URL names (dropped afterwards);
#                                                the URL's own database is used as given
#                                                when `psql` is not installed
#   scripts/schemathesis.sh --db PATH            that SQLite file, as it is
#
# SCHEMATHESIS_MAX_EXAMPLES (default 200) bounds the test cases per operation and phase;
# SCHEMATHESIS_SEED (default 20260301) makes a run repeatable. schemathesis itself is
# installed, at the pinned version, in a virtualenv under target/ (needs python3-venv).
#
# What the configuration allows, and why: the enrollment route is rate limited (10 a
# minute per address, 429) and its codes are one-time (401 for any code schemathesis can
# make up); both statuses are documented and schemathesis's defaults already accept them.
# A push over 2,000 records is answered 413, as documented: 413 is added to the statuses
# that count as refusing schema-violating data. schemathesis leaves out the operation that
# serves the document unless a filter names it, hence the filter on every route; and it
# runs with one worker, as Python 3.11's parser is not safe to use from two threads at once
# (Hypothesis parses source to describe its strategies: "AST constructor recursion depth
# mismatch").
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-200}
seed=${SCHEMATHESIS_SEED:-20260301}
db_arg=""

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
while [ $# -gt 0 ]; do
  case $1 in
    --db) [ $# -ge 2 ] || { usage >&2; exit 2; }; db_arg=$2; shift 2 ;;
    --db=*) db_arg=${1#--db=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "schemathesis.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

log() { echo "schemathesis.sh: $*" >&2; }

target_dir=${CARGO_TARGET_DIR:-$PWD/target}
venv=$target_dir/venv-schemathesis
if [ "$("$venv/bin/schemathesis" --version 2>/dev/null || true)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
  log "installing schemathesis $SCHEMATHESIS_VERSION in $venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
python=$venv/bin/python

log "building campo-server"
cargo build --quiet --workspace --bins --locked
server_bin=$target_dir/debug/campo-server

work=$(mktemp -d)
server_pid=""
pg_admin_url=""
pg_database=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$pg_database" ]; then
    psql "$pg_admin_url" -qAt -c "DROP DATABASE IF EXISTS \"$pg_database\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The database: a fresh SQLite file, or a fresh PostgreSQL database next to the one named.
case $db_arg in
  "") db=$work/campo.db ;;
  postgres://*|postgresql://*)
    if command -v psql >/dev/null; then
      pg_admin_url=$db_arg
      pg_database=campo_schemathesis_$$
      psql "$pg_admin_url" -v ON_ERROR_STOP=1 -qAt -c "CREATE DATABASE \"$pg_database\"" >/dev/null
      db=$("$python" - "$db_arg" "$pg_database" <<'EOF'
import sys
from urllib.parse import urlsplit, urlunsplit
url, name = sys.argv[1], sys.argv[2]
parts = urlsplit(url)
print(urlunsplit(parts._replace(path="/" + name)))
EOF
)
      log "on PostgreSQL, throwaway database $pg_database"
    else
      db=$db_arg
      log "psql not found: using the database the URL names as it is"
    fi
    ;;
  *) db=$db_arg ;;
esac

# The server, on a free port of the loopback address, with its log kept for a failure.
"$server_bin" serve --db "$db" --listen 127.0.0.1:0 >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
addr=""
for _ in $(seq 1 300); do
  addr=$(sed -n 's/^listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$work/server.out" | head -n 1)
  [ -n "$addr" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    log "campo-server did not start:"; cat "$work/server.log" >&2; exit 1
  fi
  sleep 0.1
done
[ -n "$addr" ] || { log "campo-server did not report its address in 30 s"; cat "$work/server.log" >&2; exit 1; }
log "campo-server on $addr"

# Device tokens: one-time codes from the CLI, exchanged at the enrollment route. Another
# tablet pushes a few meetings first, so that the pulls schemathesis makes return meetings
# (a device pulls other devices' meetings) and their schema is checked too.
enroll() {
  local code
  code=$("$server_bin" enroll --db "$db" --name "$1" --json |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["code"])')
  "$python" - "$addr" "$code" "$1" <<'EOF'
import json, secrets, sys, urllib.request, uuid
addr, code, name = sys.argv[1:4]
# Each tablet's vault has its own id and a 256-bit secret that proves it at re-enrollment.
body = json.dumps({"code": code, "device_name": name, "vault_id": str(uuid.uuid4()),
                   "vault_secret": secrets.token_hex(32)}).encode()
request = urllib.request.Request(f"{addr}/api/v1/devices/enroll", data=body,
                                 headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=30) as answer:
    print(json.load(answer)["token"])
EOF
}
other_token=$(enroll "another tablet")
"$python" - "$addr" "$other_token" <<'EOF'
import json, sys, urllib.request, uuid
addr, token = sys.argv[1:3]
def meeting(status, **extra):
    return {"id": str(uuid.uuid4()), "revision": 1, "activity": "peer_group", "date": "2026-03-02",
            "place": "Sala civica", "topic": "Gruppo", "facilitator": "Anna", "status": status,
            "attendance": {"participants": ["C-001"], "anonymous": 2},
            "updated_at": "2026-03-02T10:00:00Z", **extra}
meetings = [meeting("planned"), meeting("held"), meeting("cancelled", reason="neve")]
records = [{"id": m["id"], "revision": 1, "kind": "meeting", "body": m} for m in meetings]
body = json.dumps({"batch_id": str(uuid.uuid4()), "records": records}).encode()
request = urllib.request.Request(f"{addr}/api/v1/sync/push", data=body, headers={
    "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
with urllib.request.urlopen(request, timeout=30) as answer:
    statuses = [r["status"] for r in json.load(answer)["results"]]
assert statuses == ["stored"] * 3, statuses
EOF
token=$(enroll schemathesis)

cat >"$work/schemathesis.toml" <<'EOF'
# schemathesis's defaults, plus 413: the documented answer to a push of over 2,000 records.
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]
EOF

log "schemathesis $SCHEMATHESIS_VERSION, all checks, at most $max_examples examples per operation and phase, seed $seed"
status=0
(
  cd "$work"
  timeout 600 "$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run \
    "$addr/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --include-path-regex '^/api/v1/' \
    --checks all \
    --workers 1 \
    --max-examples "$max_examples" \
    --seed "$seed" \
    --generation-database none \
    --request-timeout 30 \
    --no-color
) || status=$?
plain_log=$(sed 's/\x1b\[[0-9;]*m//g' "$work/server.log")
log "the server answered $(grep -c ' INFO push ' <<<"$plain_log" || true) pushes, \
$(grep -c ' INFO pull ' <<<"$plain_log" || true) pulls and \
$(grep -c 'enrollment rate limit' <<<"$plain_log" || true) rate-limited enrollments; \
records stored: $(grep -o ' stored=[0-9]*' <<<"$plain_log" | awk -F= '{n += $2} END {print n + 0}')"
if [ "$status" -ne 0 ]; then
  log "schemathesis failed (exit $status); the server's warnings and errors:"
  grep -v -e ' INFO ' -e 'enrollment rate limit' <<<"$plain_log" | tail -n 40 >&2 || true
fi
exit "$status"
