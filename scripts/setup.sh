#!/usr/bin/env bash
# Create .venv and install flipnet-bench with its test extras. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip
# torch first, pinned to the CPU-usable release this workplace keeps on disk (pip caps torch at 2.14.1).
python -c "import torch, torchvision" 2>/dev/null || python -m pip install -q "torch==2.14.1" "torchvision==0.29.1"
python -m pip install -q -e ".[test]"
# facenet-pytorch pins an old torch; its MTCNN weights are all we need, so install it without dependencies.
python -c "import facenet_pytorch" 2>/dev/null || python -m pip install -q --no-deps "facenet-pytorch==2.6.0"
# pyiqa (NIQE parity reference, pyiqa:<name>; PolyForm-Noncommercial) without deps: its facexlib pulls
# opencv-python 5, which overwrites the cv2 of opencv-python-headless 4; the metrics tested need none of them.
python -c "import pyiqa" 2>/dev/null || python -m pip install -q --no-deps "pyiqa==0.1.16"
# gfpgan and codeformer-pip ship the official GFPGAN / RestoreFormer / CodeFormer architecture files that the
# parity tests run (tests/_published_ref.py loads them without the packages' imports). Without deps: they pull
# basicsr, facexlib and opencv-python (which would replace opencv-python-headless 4); the tests need none.
python -c "import importlib.util as u, sys; sys.exit(not (u.find_spec('gfpgan') and u.find_spec('codeformer')))" \
  || python -m pip install -q --no-deps --no-build-isolation "gfpgan==1.3.8" "codeformer-pip==0.0.4"
