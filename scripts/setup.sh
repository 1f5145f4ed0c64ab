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
# Identity networks (docs/identity.md): insightface runs its ArcFace ONNX models with onnxruntime; without deps
# (its sdist pins no versions and its extras are unused). albumentations only because insightface's package
# import reaches its mask renderer. facexlib (the MTCNN alignment code AdaFace uses) and gfpgan (the official
# ArcFace ResNet-18 definition) are parity references, also without deps (they pull opencv-python and basicsr).
python -c "import onnxruntime, onnx" 2>/dev/null || python -m pip install -q "onnxruntime==1.32.0" "onnx==1.23.2"
python -c "import albumentations" 2>/dev/null || python -m pip install -q "albumentations==2.0.8"
python -c "import insightface" 2>/dev/null || python -m pip install -q --no-deps "insightface==0.7.3"
python -c "import importlib.util as u, sys; sys.exit(not (u.find_spec('facexlib') and u.find_spec('gfpgan')))" \
  || python -m pip install -q --no-deps "facexlib==0.3.0" "gfpgan==1.3.8"
