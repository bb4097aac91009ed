#!/usr/bin/env bash
# Configures and builds focalrd (Release) in ./build, after installing what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh "$@"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --parallel "$(nproc)"
