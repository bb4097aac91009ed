#!/usr/bin/env bash
# The main job: the paper's Example 1 (Fig. 2), the exact d*(2; gamma) for
# R = [1/3, 1/3, 1/3] and R = [2/3, 1/4, 1/12], gamma = 0, 0.25, ..., 4, in bits.
# Installs what is missing and builds first (build output goes to stderr).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build.sh >&2
focalrd=build/focalrd

dstar() { "$focalrd" exact --pmf "$1" -M 2 --gamma "$2" --format csv | tail -n 1 | cut -d, -f5; }

echo "Example 1 (Fig. 2): exact d*(2; gamma) in bits"
printf '%-6s  %-22s  %-22s\n' gamma "R = [1/3,1/3,1/3]" "R = [2/3,1/4,1/12]"
for i in $(seq 0 16); do
  gamma=$(awk "BEGIN { print $i / 4 }")
  printf '%-6s  %-22s  %-22s\n' "$gamma" "$(dstar 1/3,1/3,1/3 "$gamma")" "$(dstar 2/3,1/4,1/12 "$gamma")"
done
