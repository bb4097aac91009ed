#!/usr/bin/env bash
# focalrd sweep over MPI ranks on this machine (loopback ranks, oversubscribed):
# byte-identical to the one-process run for 1, 2 and 3 ranks (apart from the
# date), in every format; bad input exits 2 with focalrd's one line; a time
# limit exits 1 with the points finished; a killed rank ends the run with an
# error within a bounded time, never a hang. Branch-and-bound over ranks
# (gamma >= 0 and < 0) is the one-process search to the node.
#   tests/mpi_test.sh FOCALRD MPIEXEC
set -uo pipefail
focalrd=$1
mpiexec=$2
run=("$mpiexec" --oversubscribe --bind-to none)
[[ $(id -u) -eq 0 ]] && run+=(--allow-run-as-root)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "mpi_test: FAILED: $*" >&2; exit 1; }
undated() { grep -v '^# date:' "$1" | sed 's/"date":"[^"]*"//'; }
# A dataset record also times its exact search, and names its output file.
untimed() { sed 's/"date":"[^"]*"//; s/"command":"[^"]*"//; s/"seconds":[0-9.e+-]*//g' "$1"; }

grid=(sweep --source dirichlet:9,3 -M 1:4 --gamma 0,1,2.5 --quantities all)
for format in csv json jsonl table; do
  "$focalrd" "${grid[@]}" --format "$format" > "$work/serial.$format" || fail "serial $format"
  for np in 1 2 3; do
    "${run[@]}" -np "$np" "$focalrd" "${grid[@]}" --format "$format" > "$work/np$np.$format" \
      || fail "$np ranks, $format: exit $?"
    cmp -s <(undated "$work/serial.$format") <(undated "$work/np$np.$format") \
      || fail "$np ranks, $format: not the one-process output"
  done
done
# Exact points with ties (equal masses) and each strategy's code, to a file.
ties=(sweep --pmf 0.2,0.2,0.2,0.1,0.1,0.1,0.05,0.05 -M 2:5 --gamma 0,1,4 --quantities exact,converse_lagrangian --format json)
"$focalrd" "${ties[@]}" --output "$work/ties.json" || fail "serial ties"
mv "$work/ties.json" "$work/ties-serial.json"
"${run[@]}" -np 3 "$focalrd" "${ties[@]}" --output "$work/ties.json" || fail "ties over 3 ranks"
cmp -s <(undated "$work/ties-serial.json") <(undated "$work/ties.json") \
  || fail "ties over 3 ranks: not the one-process output"
echo "mpi_test: 1, 2 and 3 ranks give the one-process output"

# A dataset, in both its formats; then one cut by a time limit over ranks and
# finished with --resume over ranks: the one-process dataset.
data=(dataset --source dirichlet:14..16,1..3 -M 2:4 --gamma 1,4,8)
for format in jsonl json; do
  "$focalrd" "${data[@]}" --format "$format" -o "$work/data-serial.$format" || fail "serial dataset"
  for np in 2 3; do
    "${run[@]}" -np "$np" "$focalrd" "${data[@]}" --format "$format" -o "$work/data.$format" \
      || fail "dataset over $np ranks, $format: exit $?"
    cmp -s <(untimed "$work/data-serial.$format") <(untimed "$work/data.$format") \
      || fail "dataset over $np ranks, $format: not the one-process output"
  done
done
rm -f "$work/data.jsonl"
"${run[@]}" -np 3 "$focalrd" "${data[@]}" --format jsonl -o "$work/data.jsonl" --time-limit 0.5 \
  2> /dev/null
status=$?
[[ $status -le 1 ]] || fail "dataset cut by a time limit: exit $status"
cut=$(($(wc -l < "$work/data.jsonl") - 1))
"${run[@]}" -np 3 "$focalrd" "${data[@]}" --format jsonl -o "$work/data.jsonl" --resume \
  2> /dev/null || fail "dataset resumed over ranks: exit $?"
cmp -s <(untimed "$work/data-serial.jsonl") <(untimed "$work/data.jsonl") \
  || fail "dataset resumed over ranks: not the one-process output"
echo "mpi_test: datasets over 2 and 3 ranks, and resumed over ranks ($cut records kept), equal one process"

# Branch-and-bound over ranks: the one-process value, lower bound, code and
# node count, with 2 and 3 ranks, on instances with and without ties; a time
# limit ends it with a certified interval (exit 1), and its checkpoint
# resumed over ranks certifies the same optimum.
same_search() {  # serial.json ranks.json: equal apart from timing and threads
  python3 - "$1" "$2" << 'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for r in (a, b):
    r.pop("provenance")
    r["stats"].pop("wall_seconds"); r["stats"].pop("threads")
sys.exit(0 if a == b else 1)
PY
}
for instance in "--source binomial:40,0.3 -M 4 --gamma 2" "--source dirichlet:26,5 -M 3 --gamma 4" \
                "--pmf 0.2,0.2,0.2,0.1,0.1,0.1,0.05,0.05 -M 3 --gamma 1" \
                "--source dirichlet:18,2 -M 3 --gamma -1.5"; do
  # shellcheck disable=SC2086
  "$focalrd" exact $instance --method bnb --format json > "$work/bnb-serial.json" || fail "bnb $instance"
  for np in 2 3; do
    # shellcheck disable=SC2086
    "${run[@]}" -np "$np" "$focalrd" exact $instance --method bnb --format json > "$work/bnb.json" \
      || fail "bnb over $np ranks, $instance: exit $?"
    same_search "$work/bnb-serial.json" "$work/bnb.json" \
      || fail "bnb over $np ranks, $instance: not the one-process search"
  done
done
hard=(exact --source binomial:100,0.5 -M 8 --gamma 2 --method bnb --format json)
"${run[@]}" -np 3 "$focalrd" "${hard[@]}" --time-limit 0.3 --checkpoint "$work/ck.json" \
  > "$work/cut.json" 2> /dev/null
status=$?
[[ $status -eq 1 ]] || fail "bnb over ranks cut by a time limit: exit $status, not 1"
"${run[@]}" -np 3 "$focalrd" "${hard[@]}" --resume "$work/ck.json" > "$work/resumed.json" 2> /dev/null \
  || fail "bnb resumed over ranks: exit $?"
"$focalrd" "${hard[@]}" > "$work/bnb-serial.json" || fail "serial bnb of the resumed instance"
python3 - "$work/bnb-serial.json" "$work/resumed.json" "$work/cut.json" << 'PY' || fail "bnb resumed over ranks: another optimum"
import json, sys
a, b, cut = (json.load(open(f)) for f in sys.argv[1:4])
ok = a["dstar"] == b["dstar"] and a["cells"] == b["cells"] and b["certified"]
ok = ok and cut["lower_bound"] <= a["dstar"] <= cut["upper_bound"] and cut["status"] == "time_limit"
sys.exit(0 if ok else 1)
PY
echo "mpi_test: branch-and-bound over 2 and 3 ranks equals one process; a limit and a resume over ranks"

# The bench of sweeps over ranks: one worker, then two; the same rows.
"${run[@]}" -np 3 "$focalrd" bench --ranks --quick > "$work/bench" || fail "bench --ranks: exit $?"
[[ $(grep -c "with 1 and 2 workers: yes" "$work/bench") -eq 2 ]] || fail "bench --ranks: $(cat "$work/bench")"
"$focalrd" bench --ranks > /dev/null 2>&1
[[ $? -eq 2 ]] || fail "bench --ranks without mpirun is not refused"
echo "mpi_test: bench --ranks runs and agrees"

# Bad input: exit 2, focalrd's own line once (mpirun adds its report).
"${run[@]}" -np 3 "$focalrd" sweep --source dirichlet:9,3 -M 0 --gamma 1 > /dev/null 2> "$work/err"
status=$?
[[ $status -eq 2 ]] || fail "bad input: exit $status, not 2"
[[ $(grep -c '^focalrd: ' "$work/err") -eq 1 ]] || fail "bad input: not one focalrd line: $(cat "$work/err")"
"${run[@]}" -np 2 "$focalrd" exact --pmf 0.5,0.5 -M 1 --gamma 1 > /dev/null 2> "$work/err"
[[ $? -eq 2 ]] || fail "exact over ranks is not refused"
# An error on rank 0 alone (its --output): the other ranks do not wait for it.
timeout 60 "${run[@]}" -np 3 "$focalrd" sweep --source dirichlet:9,3 -M 1:3 --gamma 1 \
  --output "$work/no/such/dir.csv" > /dev/null 2> "$work/err"
status=$?
[[ $status -eq 2 ]] || fail "an unwritable --output: exit $status, not 2 (124: a hang)"
echo "mpi_test: bad input exits 2 with one line"

# A time limit: exit 1, the points finished written in grid order.
long=(sweep --source dirichlet:60,7 -M 2:8 --gamma 1,4,8 --quantities exact --format csv)
timeout 120 "${run[@]}" -np 3 "$focalrd" "${long[@]}" --time-limit 2 > "$work/cut.csv" 2> "$work/err"
status=$?
[[ $status -eq 1 ]] || fail "time limit: exit $status, not 1"
grep -q 'stopped (time_limit)' "$work/err" || fail "time limit: no warning"
echo "mpi_test: a time limit exits 1 ($(grep -c '^"dirichlet' "$work/cut.csv") of 21 points)"

# A worker killed mid-run (of a sweep, then of a branch-and-bound): the run
# ends with an error, within 60 s.
kill_worker() {  # pattern command...: starts the command, kills its rank 1
  local pattern=$1
  shift
  "${run[@]}" -np 3 "$focalrd" "$@" > /dev/null 2> "$work/err" &
  local launcher=$! victim= pid
  for _ in $(seq 100); do
    sleep 0.1
    for pid in $(pgrep -f "$pattern" || true); do
      if tr '\0' '\n' < "/proc/$pid/environ" 2> /dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then
        victim=$pid
      fi
    done
    [[ -n $victim ]] && break
  done
  [[ -n $victim ]] || { kill "$launcher"; fail "no rank 1 found to kill: $*"; }
  local start=$SECONDS
  sleep 0.5
  kill -9 "$victim"
  for _ in $(seq 600); do
    kill -0 "$launcher" 2> /dev/null || break
    sleep 0.1
  done
  if kill -0 "$launcher" 2> /dev/null; then
    kill -9 "$launcher"
    fail "a killed rank left the run hanging: $*"
  fi
  wait "$launcher"
  local status=$?
  [[ $status -ne 0 ]] || fail "a killed rank: exit 0: $*"
  echo "mpi_test: a killed rank ends the run (exit $status) in $((SECONDS - start)) s: $1"
}
kill_worker "focalrd sweep --source dirichlet:60,7" "${long[@]}"
kill_worker "focalrd exact --source binomial:100,0.5" exact --source binomial:100,0.5 -M 8 --gamma 2 --method bnb
