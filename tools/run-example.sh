#!/usr/bin/env bash
# The main job: the paper's Example 1 (Fig. 2), the exact d*(2; gamma) for
# R = [1/3, 1/3, 1/3] and R = [2/3, 1/4, 1/12], gamma = 0, 0.25, ..., 4, in bits,
# each certified (status, and the interval [exact_lower_bound, exact]).
# Installs what is missing and builds first (build output goes to stderr).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build.sh >&2
for pmf in 1/3,1/3,1/3 2/3,1/4,1/12; do
  echo "Example 1 (Fig. 2): exact d*(2; gamma) for R = [$pmf], in bits"
  build/focalrd sweep --pmf "$pmf" -M 2 --gamma 0:0.25:4 --quantities exact --format table
  echo
done
