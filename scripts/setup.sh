#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine; quick when it is all there already.
#   Debian: ARM and RISC-V cross toolchains, QEMU, Node.js (for rp2040js), Chromium (report test)
#   PyPI:   .venv with the pinned Python stack (requirements*.txt) and this package
#   npm:    rp2040js under sim/rp2040
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(gcc-arm-none-eabi libnewlib-arm-none-eabi picolibc-arm-none-eabi gcc-riscv64-unknown-elf
              picolibc-riscv64-unknown-elf qemu-system-arm qemu-system-misc nodejs npm
              libstdc++-arm-none-eabi-newlib)
need_apt=0
for tool in arm-none-eabi-gcc riscv64-unknown-elf-gcc qemu-system-arm node npm; do
  command -v "$tool" >/dev/null 2>&1 || need_apt=1
done
# The C++ library for engine tflm (1.5 GB): only when it is not there yet.
dpkg -s libstdc++-arm-none-eabi-newlib >/dev/null 2>&1 || need_apt=1
if [ "$need_apt" = 1 ]; then
  echo "setup: installing Debian packages: ${APT_PACKAGES[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    case "$p" in nodejs|npm) command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && continue ;; esac
    dpkg -s "$p" >/dev/null 2>&1 && continue
    missing+=("$p")
  done
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Headless Chromium for the report test (tests/test_report_html.py opens report.html in it).
if ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing Debian package chromium (headless browser for the report test)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

stamp=.venv/.requirements.sha256
want=$(cat requirements.txt requirements-nodeps.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: Python packages into .venv (tensorflow-cpu is a 274 MB wheel)"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -r requirements-nodeps.txt
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -e .
  echo "$want" > "$stamp"
fi

if [ ! -d sim/rp2040/node_modules/rp2040js ]; then
  echo "setup: rp2040js from npm into sim/rp2040"
  npm ci --prefix sim/rp2040 --no-audit --no-fund --loglevel=error >/dev/null
fi
