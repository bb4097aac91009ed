#!/usr/bin/env bash
# Replays the reference and regression tests with glibc's libm forced onto its
# other code path (GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA: SSE2 instead of
# FMA/AVX2), after checking that the switch takes effect: certified results
# must not depend on the CPU they run on. As focalrd runs on this CPU (its
# widest vector path, with its own exp and log), with FOCALRD_MATH=avx2 where
# that path is AVX-512 (as on a CPU with AVX2 only), and with
# FOCALRD_MATH=scalar (as on a CPU without AVX2 or FMA). Needs a build in
# build/ (tools/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
tunables=glibc.cpu.hwcaps=-AVX2,-FMA
probe=build/tests/libm_probe
default=$("$probe")
other=$(GLIBC_TUNABLES=$tunables "$probe")
if grep -qw fma /proc/cpuinfo && grep -qw avx2 /proc/cpuinfo; then
  if [[ "$default" == "$other" ]]; then
    echo "libm-paths: GLIBC_TUNABLES=$tunables had no effect on libm; cannot replay" >&2
    exit 1
  fi
  echo "libm-paths: libm's results differ with $tunables (probe $default vs $other): replaying" >&2
else
  echo "libm-paths: this CPU lacks FMA or AVX2, so libm already takes its SSE2 path" >&2
fi
paths="auto scalar"
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512dq /proc/cpuinfo; then paths="auto avx2 scalar"; fi
for math in $paths; do
  echo "libm-paths: replaying with FOCALRD_MATH=$math" >&2
  GLIBC_TUNABLES=$tunables FOCALRD_MATH=$math \
    ctest --test-dir build --output-on-failure --parallel "$(nproc)" -R 'regression|reference|paths'
done
