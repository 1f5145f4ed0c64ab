#!/usr/bin/env bash
# Re-create the hashed environment locks that scripts/setup.sh installs from:
#   requirements/lock.txt   pyproject.toml's dependencies + [test] extras + requirements/tools.in, full closure
#   requirements/nodeps.txt requirements/nodeps.in (installed without their dependencies)
# Pins already in the lock files are kept (uv prefers the versions in its output file); pass
# `--upgrade-package NAME` (or `--upgrade`) to move them. The target is CPython 3.11 on x86-64 Linux
# (manylinux_2_28), the platform the benchmark's numbers are made on. uv itself is pinned.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.8
TOOL=${UV_TOOL_DIR:-${TMPDIR:-/tmp}/flipnet-bench-uv-$UV_VERSION}
if [ ! -x "$TOOL/bin/uv" ]; then
  python3 -m pip install -q --target "$TOOL" "uv==$UV_VERSION"
fi
common=(--generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28
  --custom-compile-command "bash scripts/lock.sh")
"$TOOL/bin/uv" pip compile pyproject.toml requirements/tools.in --extra test "${common[@]}" \
  -o requirements/lock.txt "$@"
"$TOOL/bin/uv" pip compile requirements/nodeps.in --no-deps "${common[@]}" -o requirements/nodeps.txt "$@"
