#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/*.rs, cargo-fuzz + libFuzzer) for SECONDS each
# (default 600) and exits non-zero on any crash, hang or out-of-memory. Not part of
# scripts/test.sh: a second, instrumented build would cost CI minutes; the seeds and every
# crash input are replayed by campo-fuzz's ordinary tests instead.
#
#   scripts/fuzz.sh [SECONDS]         every target
#   FUZZ_TARGETS="push_body" scripts/fuzz.sh 60
#
# Uses an installed nightly toolchain with AddressSanitizer; without nightly, where the
# sanitizer does not work, or with FUZZ_SANITIZER=none, it builds with `-s none`. Builds
# once into fuzz/target (never the workspace's target/), then runs each target's binary
# for SECONDS with libFuzzer's -timeout (a hang) and -rss_limit_mb (out of memory). Each
# target's working corpus (fuzz/target/corpus/<target>) grows from the committed seeds
# (fuzz/corpus/<target>, never written to) and is kept between runs. A crash, hang or
# out-of-memory input is copied to fuzz/regressions/<target>/, where
# `cargo test -p campo-fuzz` replays it.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_INCREMENTAL=0

seconds=${1:-600}
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS]   (seconds per target, default 600)" >&2
  exit 2
fi
# A single input taking longer than this is a hang; more memory than this is an OOM.
timeout_s=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_LIMIT_MB:-2048}

root=$PWD
target_dir=$root/fuzz/target
work=$target_dir/campaign

if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  targets=()
  for f in fuzz/fuzz_targets/*.rs; do targets+=("$(basename "$f" .rs)"); done
fi

toolchain=$(rustup toolchain list 2>/dev/null | awk '/^nightly/ { print $1; exit }')
if [ -n "$toolchain" ]; then
  cargo=(cargo "+$toolchain")
  sanitizer=${FUZZ_SANITIZER:-address}
else
  cargo=(cargo)
  sanitizer=none
fi

if ! command -v cargo-fuzz >/dev/null; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --locked || exit 1
fi

# Whether this toolchain builds and runs a program with the sanitizer: if not, `-s none`
# (a failing build of the project itself is a failure, not a reason to drop it).
sanitizer_works() {
  local dir host ok=1
  dir=$(mktemp -d)
  host=$(rustc "+$toolchain" -vV | sed -n 's/^host: //p')
  echo 'fn main() {}' >"$dir/probe.rs"
  if rustc "+$toolchain" -Zsanitizer="$1" --target "$host" "$dir/probe.rs" -o "$dir/probe" \
    >/dev/null 2>&1 && "$dir/probe"; then
    ok=0
  fi
  rm -rf "$dir"
  return $ok
}
if [ "$sanitizer" != none ] && ! sanitizer_works "$sanitizer"; then
  echo "fuzz: the $sanitizer sanitizer does not work with ${toolchain:-this toolchain}: -s none"
  sanitizer=none
fi

echo "fuzz: building ${#targets[@]} targets (${toolchain:-default toolchain}, sanitizer $sanitizer)"
if ! "${cargo[@]}" fuzz build -s "$sanitizer" --target-dir "$target_dir"; then
  echo "fuzz: the build failed" >&2
  exit 1
fi
bin_dir=$target_dir/$(rustc ${toolchain:+"+$toolchain"} -vV | sed -n 's/^host: //p')/release
# As cargo-fuzz runs an AddressSanitizer build.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0}

mkdir -p "$work"
failed=0
summary=()
for t in "${targets[@]}"; do
  corpus=$target_dir/corpus/$t
  artifacts=$root/fuzz/artifacts/$t
  log=$work/$t.log
  mkdir -p "$corpus" "$artifacts" "fuzz/regressions/$t"
  stamp=$work/$t.started
  touch "$stamp"
  echo "fuzz: $t for ${seconds}s (log: ${log#"$root"/})"
  # The binary built above, run directly: every target of a campaign runs the same code,
  # whatever changes in the tree meanwhile. The working corpus comes first: libFuzzer
  # writes new inputs there only.
  "$bin_dir/$t" -artifact_prefix="$artifacts/" -max_total_time="$seconds" \
    -timeout="$timeout_s" -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" \
    -print_final_stats=1 "$corpus" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?

  # Crash, hang (timeout-*), out-of-memory (oom-*) and leak inputs; slow-unit-* are only notes.
  found=()
  while IFS= read -r -d '' f; do found+=("$f"); done < <(
    find "$artifacts" -maxdepth 1 -type f -newer "$stamp" \
      \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) -print0
  )
  for f in "${found[@]}"; do
    cp "$f" "fuzz/regressions/$t/"
    echo "fuzz: $t: $(basename "$f") copied to fuzz/regressions/$t/"
  done

  execs=$(awk -F: '/^stat::average_exec_per_sec/ { gsub(/ /, "", $NF); v = $NF } END { print v }' "$log")
  runs=$(awk -F: '/^stat::number_of_executed_units/ { gsub(/ /, "", $NF); v = $NF } END { print v }' "$log")
  rss=$(awk -F: '/^stat::peak_rss_mb/ { gsub(/ /, "", $NF); v = $NF } END { print v }' "$log")
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{ print $2 }')
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{ print $2 }')
  corp=$(find "$corpus" -type f | wc -l)
  verdict=ok
  if [ "$rc" -ne 0 ] || [ "${#found[@]}" -gt 0 ]; then
    verdict="FAILED (exit $rc, ${#found[@]} input(s) saved)"
    failed=1
    tail -40 "$log" | sed "s/^/  $t| /"
  fi
  line=$(printf '%-14s %9s exec/s %11s runs  cov %6s  ft %7s  corpus %5s  rss %5s MB  %s' \
    "$t" "${execs:-?}" "${runs:-?}" "${cov:-?}" "${ft:-?}" "$corp" "${rss:-?}" "$verdict")
  echo "fuzz: $line"
  summary+=("$line")
done

echo "fuzz: summary (${seconds}s per target, sanitizer $sanitizer)"
printf '  %s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
  echo "fuzz: FAILED: see fuzz/regressions/ and the logs in ${work#"$root"/}" >&2
  exit 1
fi
echo "fuzz: no crash, hang or out-of-memory"
