#!/usr/bin/env bash
# Install the tools puffin is benchmarked against: uv and pip-tools into /tmp/bench-tools, hyperfine via apt.
#
# Usage: scripts/benchmarks/setup_tools.sh            (env: PYTHON=python3, BENCH_TOOLS=/tmp/bench-tools)
set -euo pipefail

PYTHON="${PYTHON:-python3}"
BENCH_TOOLS="${BENCH_TOOLS:-/tmp/bench-tools}"

# This machine's pip config and PIP_* variables add local indexes and find-links; the competitors
# must come from PyPI exactly as a user would get them, so drop every PIP_* setting except the CA
# bundle (needed to reach PyPI through this network) and ignore every pip config file.
for var in $(env | sed -n 's/^\(PIP_[A-Z_]*\)=.*/\1/p'); do
    [ "$var" = PIP_CERT ] || unset "$var"
done
export PIP_CONFIG_FILE=/dev/null
export PIP_INDEX_URL=https://pypi.org/simple
export PIP_DISABLE_PIP_VERSION_CHECK=1

if ! command -v hyperfine >/dev/null 2>&1; then
    if ! apt-get install -y hyperfine; then
        apt-get update
        apt-get install -y hyperfine
    fi
fi

if [ ! -x "$BENCH_TOOLS/bin/python" ]; then
    "$PYTHON" -m venv "$BENCH_TOOLS"
fi
"$BENCH_TOOLS/bin/python" -m pip install --index-url https://pypi.org/simple --upgrade pip
"$BENCH_TOOLS/bin/python" -m pip install --index-url https://pypi.org/simple --upgrade uv pip-tools

echo
echo "hyperfine: $(hyperfine --version)"
echo "uv:        $("$BENCH_TOOLS/bin/uv" --version)"
echo "pip-sync:  $("$BENCH_TOOLS/bin/pip-sync" --version)"
echo "pip:       $("$BENCH_TOOLS/bin/python" -m pip --version)"
echo "python:    $("$BENCH_TOOLS/bin/python" --version)"
