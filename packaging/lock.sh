#!/usr/bin/env bash
# Refresh packaging/requirements.lock: every package the desktop build installs, at one exact version,
# with the sha256 of every file pip may pick for it. Inputs: the app's dependencies (pyproject.toml, the
# ranges a pip user gets) and the build's own (packaging/requirements.in: PyInstaller).
#
#   bash packaging/lock.sh [--upgrade]
#
# Without --upgrade, versions already in the lock stay and only new or changed requirements are
# resolved; --upgrade takes the newest versions the ranges allow. Resolves for this machine's kind
# (Linux x86_64, Python 3.11): torch comes as the CPU build 2.13.0+cpu from the machine's wheel folder
# (pip config find-links), and its hash is that file's. The tool (pip-tools) lives in a venv under
# packaging/out, never in the app's environment.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
PIP_TOOLS_VERSION="7.7.0"
TOOLS="$HERE/out/lock-tools"
if [ ! -x "$TOOLS/bin/pip-compile" ]; then
  python3 -m venv "$TOOLS"
  "$TOOLS/bin/pip" install -q "pip-tools==$PIP_TOOLS_VERSION"
fi
cd "$REPO"
# Relative paths, so the lock's header names the inputs the same on every machine.
CUSTOM_COMPILE_COMMAND="bash packaging/lock.sh" "$TOOLS/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
  --no-emit-find-links --no-emit-index-url \
  -o packaging/requirements.lock "$@" pyproject.toml packaging/requirements.in
echo "wrote packaging/requirements.lock ($(grep -c '^[A-Za-z0-9].*==' packaging/requirements.lock) packages)"
