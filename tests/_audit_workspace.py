"""A tiny self-made pipeline workspace for the audit tests, built with the pipeline's own library calls.

Layout (as ``dvc repro`` leaves it, minus DVC): params.yaml; data/hq/{train,test} (64² faces-to-be, with a
manifest on the test split); the synthetic CelebA-Test-style pairs (classic gfpgan, seed 2024); out/synth/
classic and out/synth/realesrgan (2 variants); out/prepare/sets records; out/restored/<set>/identity;
out/scores + metrics/<set>/identity.json with the environment record; a pinned stand-in weight in
weights/; an exported dataset in exports/pairs.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

import numpy as np

SET = "synthetic-hq-test"
SYNTH_NAME = "synthetic-celeba-test-style@hq-test"
WEIGHT_NAME = "audit_test_weight"
WEIGHT_FILE = "audit_test_weight.bin"
WEIGHT_BYTES = b"flipnet-bench audit stand-in weight\n" * 8

PARAMS = f"""\
data:
  hq_train: data/hq/train
  hq_test: data/hq/test
  lfw_test: null
  webphoto_test: null
  wider_test: null
  celebchild_test: null
  celeba_real: null
  real_pairs: null
  synthetic_root: data/synthetic
  synthetic_test: data/synthetic/{SYNTH_NAME}
pipeline:
  sets: {{{SET}: {SYNTH_NAME}}}
  methods: [identity]
  flipnet_methods: []
  weights_dir: weights
prepare: {{source: hq-test, model: classic, preset: gfpgan, seed: 2024}}
synth:
  source: hq-train
  models:
    classic: {{model: classic, preset: gfpgan, variants: 1, seed: 0, batch_size: 4}}
    realesrgan: {{model: realesrgan, preset: null, variants: 2, seed: 0, batch_size: 4}}
methods:
  builtin:
    identity: {{type: identity, checkpoint: null, batch_size: 4, seed: 0, options: {{}}}}
evaluate:
  eval_size: 0
  metrics_gt: [psnr, ssim]
  metrics_real: [psnr]
  fid_reference: hq-test
  batch_size: 4
"""


def weight_spec():  # noqa: ANN201 - a WeightSpec
    """A pinned stand-in weight (the real ones are large); registered by the tests with monkeypatch."""
    from flipnet_bench.weights import WeightSpec

    return WeightSpec(
        name=WEIGHT_NAME,
        filename=WEIGHT_FILE,
        sha256=hashlib.sha256(WEIGHT_BYTES).hexdigest(),
        sources=(),
        description="audit test stand-in",
        license="test",
    )


def _faces(folder: Path, n: int, seed: int) -> None:
    """Smooth random 64² RGB images (blur and JPEG act on them like on faces)."""
    from flipnet_bench.io import write_image

    rng = np.random.default_rng(seed)
    for i in range(n):
        coarse = rng.integers(0, 256, size=(8, 8, 3)).astype(np.float32)
        image = np.kron(coarse, np.ones((8, 8, 1), np.float32)) + rng.normal(0, 6, size=(64, 64, 3))
        write_image(folder / f"face{i:02d}.png", np.clip(image, 0, 255).astype(np.uint8))


def _record(root: str) -> dict:
    from flipnet_bench.data.manifest import build_manifest

    path = Path(root)
    return {"root": root, "files": build_manifest(path, exclude=(path / "manifest.json",))["files"]}


def build_workspace(root: Path) -> Path:
    """Build the workspace in ``root`` (relative paths throughout, like the pipeline); returns ``root``."""
    from flipnet_bench.data.hub import export_pairs, resolve_pair_folder
    from flipnet_bench.data.manifest import write_manifest
    from flipnet_bench.degrade import create_degradation
    from flipnet_bench.degrade.runner import degrade_folder
    from flipnet_bench.environment import environment_file, write_environment
    from flipnet_bench.io import write_json
    from flipnet_bench.methods import build_method
    from flipnet_bench.methods.run import restore_folder
    from flipnet_bench.report.evaluate import score_restored, write_scores

    root.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(root):
        Path("params.yaml").write_text(PARAMS, encoding="utf-8")
        _faces(Path("data/hq/train"), 3, seed=1)
        _faces(Path("data/hq/test"), 4, seed=2)
        write_manifest("data/hq/test")
        synthetic = Path("data/synthetic") / SYNTH_NAME
        deg = create_degradation("classic", preset="gfpgan")
        degrade_folder(deg, "data/hq/test", synthetic, seed=2024, model="classic", preset="gfpgan",
                       batch_size=4, pairs=True, progress=False)  # fmt: skip
        degrade_folder(deg, "data/hq/train", "out/synth/classic", seed=0, model="classic", preset="gfpgan",
                       batch_size=2, pairs=True, progress=False)  # fmt: skip
        degrade_folder(create_degradation("realesrgan"), "data/hq/train", "out/synth/realesrgan", seed=0,
                       model="realesrgan", variants=2, batch_size=4, pairs=True, progress=False)  # fmt: skip
        sets = Path("out/prepare/sets")
        write_json(sets / "hq-train.json", {"dataset": "hq-train", **_record("data/hq/train")})
        write_json(sets / "hq-test.json", {"dataset": "hq-test", **_record("data/hq/test")})
        write_json(sets / f"{SET}.json", {"dataset": SYNTH_NAME, "lq": _record(str(synthetic / "lq")),
                                          "gt": _record(str(synthetic / "hq"))})  # fmt: skip
        restored = Path("out/restored") / SET / "identity"
        restore_folder(build_method("identity"), synthetic / "lq", restored, seed=0, batch_size=4,
                       progress=False)  # fmt: skip
        result = score_restored(restored, synthetic / "lq", synthetic / "hq", ["psnr", "ssim"], 0, None, 4)
        scores = Path("out/scores") / SET / "identity"
        write_scores(result, scores / "scores.json", Path("metrics") / SET / "identity.json")
        write_environment(environment_file(Path("out"), SET, "identity"))
        Path("weights").mkdir()
        Path("weights", WEIGHT_FILE).write_bytes(WEIGHT_BYTES)
        write_json("out/weights.json", {WEIGHT_NAME: {"sha256": weight_spec().sha256, "file": WEIGHT_FILE}})
        export_pairs(resolve_pair_folder(synthetic), "exports/pairs", "test/audit-pairs")
    return root
