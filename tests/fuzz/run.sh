#!/usr/bin/env bash
# run.sh BINDIR SECONDS: for every fuzz target, replay its seed corpus and
# its regression inputs (every crash ever found), then fuzz it for SECONDS
# into a scratch corpus.  Any crash, leak, timeout or sanitizer report
# fails the run, loudly, with the input saved under build-fuzz/findings/.
set -euo pipefail
bindir=$1
seconds=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
findings=$(dirname "$bindir")/findings
mkdir -p "$findings"
status=0
for bin in "$bindir"/fuzz_*; do
  name=$(basename "$bin")
  # FUZZ_ONLY="corefile memory": just those targets.
  if [ -n "${FUZZ_ONLY:-}" ] && [[ " $FUZZ_ONLY " != *" ${name#fuzz_} "* ]]; then continue; fi
  target=${name#fuzz_}
  seeds=$here/corpus/$target
  regress=$here/regress/$target
  dict=()
  [ -f "$here/$target.dict" ] && dict=(-dict="$here/$target.dict")
  dirs=()
  [ -d "$seeds" ] && dirs+=("$seeds")
  [ -d "$regress" ] && dirs+=("$regress")
  if [ ${#dirs[@]} -eq 0 ]; then
    echo "fuzz: $target has no seed corpus ($seeds): add one" >&2
    exit 1
  fi
  common=(-timeout=20 -rss_limit_mb=2048 -max_len=1048576 "${dict[@]}" -artifact_prefix="$findings/$target-")
  echo "== fuzz $target: replay $(find "${dirs[@]}" -type f | wc -l) inputs"
  if ! "$bin" "${common[@]}" -runs=0 "${dirs[@]}" >"$findings/$target.replay.log" 2>&1; then
    tail -40 "$findings/$target.replay.log" >&2
    echo "fuzz: $target fails on a committed input (log: $findings/$target.replay.log)" >&2
    status=1
    continue
  fi
  # FUZZ_WORKDIR keeps what a run finds (a longer campaign goes on from it).
  if [ -n "${FUZZ_WORKDIR:-}" ]; then scratch=$FUZZ_WORKDIR/$target; mkdir -p "$scratch"; else scratch=$(mktemp -d); fi
  echo "== fuzz $target: $seconds s"
  if ! "$bin" "${common[@]}" -max_total_time="$seconds" -print_final_stats=1 "$scratch" "${dirs[@]}" \
      >"$findings/$target.fuzz.log" 2>&1; then
    tail -40 "$findings/$target.fuzz.log" >&2
    echo "fuzz: $target found a crash (input under $findings/; add it to tests/fuzz/regress/$target/)" >&2
    status=1
  fi
  [ -n "${FUZZ_WORKDIR:-}" ] || rm -rf "$scratch"
  grep -E "^stat::number_of_executed_units|cov: " "$findings/$target.fuzz.log" | tail -2 | sed "s/^/   /"
done
exit $status
