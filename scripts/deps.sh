#!/usr/bin/env bash
# Installs everything swerl needs on Debian 12, idempotently: the Debian packages
# (only the missing ones, so a satisfied machine takes about a second) and the
# Python virtual environment with pinned oracle/LibTorch packages.
#
#   scripts/deps.sh            everything
#   scripts/deps.sh --no-python   Debian packages only
#
# The virtual environment lives outside the checkout (SWERL_VENV, default
# ~/.cache/swerl/venv) so fresh clones and CI reuse it; `make deps` prints it.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git
  libgit2-dev libcurl4-openssl-dev libssl-dev libsimdjson-dev libsqlite3-dev sqlite3
  libzstd-dev zstd libisal-dev isal zlib1g-dev libtbb-dev libcli11-dev libpcre2-dev
  libtomlplusplus-dev
  libgloo-dev  # headers only: swerl-train creates LibTorch's Gloo process groups
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-venv clang-format time
  gnuplot-nox
  parallel  # GNU parallel: the no-scheduler path of sharded curation (scripts/slurm/curate_parallel.sh)
)
# Pinned Python packages: torch is the version on the GPU machine (GPU.md);
# tensorboard reads the trainer's event files back (tests/oracles/tb_oracle.py);
# pyarrow's wheel also holds the Arrow/Parquet C++ libraries that
# `swerl export --format hf|verl` writes with (cmake/arrow.cmake), and it and
# datasets read those files back (tests/curate/export_formats_test.py).
PY_PACKAGES=(torch==2.11.0 numpy==2.4.6 tokenizers==0.23.3 transformers==5.23.0 safetensors==0.8.0
             tensorboard==2.21.0 pyarrow==26.0.1 datasets==5.2.0)

with_python=1
[[ "${1:-}" == "--no-python" ]] && with_python=0

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "deps: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

((with_python)) || exit 0

VENV="${SWERL_VENV:-$HOME/.cache/swerl/venv}"
PY="${SWERL_BASE_PYTHON:-python3}"
if [[ ! -x "$VENV/bin/python" ]]; then
  echo "deps: creating virtual environment $VENV"
  mkdir -p "$(dirname "$VENV")"
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.swerl-requirements"
want=$(printf '%s\n' "${PY_PACKAGES[@]}")
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "deps: installing Python packages into $VENV: ${PY_PACKAGES[*]}"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PY_PACKAGES[@]}"
  printf '%s\n' "$want" > "$stamp"
fi
