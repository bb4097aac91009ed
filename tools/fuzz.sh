#!/usr/bin/env bash
# Fuzzes every parser of focalrd with libFuzzer (clang, AddressSanitizer and
# UBSan): PMF lists and numbers, PMF files and CSV columns, source specs,
# grids, byte sizes and integers, and the JSON/checkpoint reader. Each runs
# from its committed seed corpus (tests/fuzz/corpus/<name>/, copied to
# build-fuzz/corpus/<name>/, which grows) for the given time, two at a time.
#   tools/fuzz.sh                      60 s per parser
#   tools/fuzz.sh --seconds 3600       an hour per parser
#   tools/fuzz.sh --seconds 600 pmf    one parser
# Prints the executions per parser; exits 1 on any finding, whose input is
# kept in build-fuzz/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=(number_list pmf pmf_file source_spec grid sizes json verify)

tools/install-deps.sh --fuzz >&2
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DFOCALRD_FUZZ=ON -DFOCALRD_BUILD_TESTS=OFF -DFOCALRD_MPI=OFF >/dev/null
cmake --build build-fuzz --parallel "$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null
mkdir -p build-fuzz/findings build-fuzz/logs

run() {
  local name=$1 corpus=build-fuzz/corpus/$1
  mkdir -p "$corpus"
  cp -n tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
  build-fuzz/tests/fuzz/fuzz_"$name" "$corpus" -max_total_time="$seconds" -max_len=4096 \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix=build-fuzz/findings/"$name"- >build-fuzz/logs/"$name".log 2>&1
}

status=0
jobs_at_once=$(nproc)
pids=()
for name in "${targets[@]}"; do
  run "$name" &
  pids+=($!)
  if ((${#pids[@]} >= jobs_at_once)); then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || status=1; done

printf '%-12s %14s %10s %8s  %s\n' parser executions "exec/s" corpus result
for name in "${targets[@]}"; do
  log=build-fuzz/logs/$name.log
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  size=$(find build-fuzz/corpus/"$name" -type f | wc -l)
  if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY: ' "$log"; then
    result="FINDING (build-fuzz/logs/$name.log)"
    status=1
  else
    result=ok
  fi
  printf '%-12s %14s %10s %8s  %s\n' "$name" "$execs" "$rate" "$size" "$result"
done
exit "$status"
