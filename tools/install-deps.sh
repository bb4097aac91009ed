#!/usr/bin/env bash
# Installs, from Debian's packages, whatever focalrd needs that is missing.
#   tools/install-deps.sh            build and test dependencies (the Python module's too)
#   tools/install-deps.sh --figures  also gnuplot, for tools/make-figures.sh
#   tools/install-deps.sh --fuzz     also clang and its runtimes, for tools/fuzz.sh
# Runs apt-get as root, or through sudo when run as another user.
set -euo pipefail

packages=(g++ make cmake libnlopt-cxx-dev libboost-dev libboost-program-options-dev doctest-dev
          pybind11-dev python3-dev python3-numpy python3-pytest python3-matplotlib
          libopenmpi-dev openmpi-bin)
case "${1:-}" in
  --figures) packages+=(gnuplot-nox) ;;
  --fuzz) packages+=(clang libclang-rt-14-dev libomp-14-dev) ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
((${#missing[@]} == 0)) && exit 0

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: missing packages (${missing[*]}) and not root, and sudo is not available" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
