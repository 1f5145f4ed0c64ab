#!/usr/bin/env bash
# Create .venv and install flipnet-bench from the hashed locks (requirements/, made by scripts/lock.sh), so
# every fresh install gets the same versions and the same files. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
# --require-hashes: every file must match a hash in the lock; --no-deps: nothing outside the locks is resolved.
# The locks are complete closures, except requirements/nodeps.txt, whose packages are meant to come without
# dependencies: pyiqa (NIQE parity reference, pyiqa:<name>; PolyForm-Noncommercial), whose facexlib pulls
# opencv-python 5 over opencv-python-headless 4's cv2, and facenet-pytorch, which pins an old torch (only its
# MTCNN weights are used). torch 2.14.1 / torchvision 0.29.1 are in the lock with PyPI's file hashes; a local
# wheel of the same release (this workplace's pip caps torch at 2.14.1) has the same hash.
python -m pip install -q --require-hashes --no-deps -r requirements/lock.txt
# Second: the packages installed without their dependencies (requirements/nodeps.in says why, one by one).
python -m pip install -q --require-hashes --no-deps -r requirements/nodeps.txt
# The project itself (editable, no dependencies: they all came from the locks above).
python -m pip install -q --no-deps --no-build-isolation -e .
