#!/usr/bin/env bash
# Builds the library, the CLI and the tests with AddressSanitizer and UBSan
# (in build-asan/) and runs the test suite under them: any memory error, leak
# or undefined behaviour fails it. The cases that assert wall-clock bounds
# (limits honoured within 10%, 10^5 symbols within a 2 s limit, a progress
# line by 3 s, signals after 1 s) and
# the two long numerical replays of the figure data are left to the normal
# build, since sanitizers slow everything down; verify's code is covered by
# the dataset tests all the same.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh >&2
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFOCALRD_SANITIZE=ON -DFOCALRD_MPI=OFF >/dev/null
cmake --build build-asan --parallel "$(nproc)"
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
timing='class 4, timed|class 6|class 7|class 8|the time limit stops|progress names|regression: '
ctest --test-dir build-asan --output-on-failure --parallel "$(nproc)" --timeout 900 -E "$timing"
