"""GPU throughput: the scoring suite and FLIPNET sampling on one CUDA device (images/s, peak memory).

Prepared for a machine with a CUDA GPU; a few minutes there. Without one it exits with status 2 and says so
(no numbers are made up). Inputs are the bundled default faces (``data/default/hq/test``, 64 faces at 128²)
upscaled to ``--size`` and cycled to ``--images`` pairs, so it runs from a bare checkout plus the weights
cache (``flipnet-bench weights fetch``). Scoring: ``score_folders`` on ``cuda`` twice — cold (weights load,
cuDNN autotune) and warm. Sampling: FLIPNET restoration mode from the trained checkpoint when present
(``--checkpoint``), else an untrained one with the same architecture on the shipped tiny prior (the speed
does not depend on the weights). Peak memory is ``torch.cuda.max_memory_allocated`` per phase. ::

    python benchmarks/gpu.py [--images 256] [--size 512] [--batch-size 32] [--steps N] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
FACES = REPO / "data" / "default" / "hq" / "test"
METRICS = ["fid", "kid", "lpips", "lpips_vgg", "psnr", "ssim", "niqe"]


def make_pairs(root: Path, count: int, size: int) -> tuple[Path, Path]:
    """GT: bundled faces resized to ``size``²; prediction: a seeded blurred, noisy copy."""
    import cv2

    from flipnet_bench.io import list_images, read_image, write_image

    sources = list_images(FACES)
    rng = np.random.default_rng(0)
    for i in range(count):
        gt = cv2.resize(read_image(sources[i % len(sources)]), (size, size), interpolation=cv2.INTER_CUBIC)
        pred = cv2.GaussianBlur(gt, (0, 0), 1.5).astype(np.float64) + rng.normal(0, 8, gt.shape)
        write_image(root / "gt" / f"{i:05d}.png", gt)
        write_image(root / "pred" / f"{i:05d}.png", np.clip(pred, 0, 255).round().astype(np.uint8))
    return root / "pred", root / "gt"


def phase(fn, count: int) -> dict[str, float]:
    """Run ``fn`` once; seconds, images/s and peak allocated GiB (stats reset first)."""
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() / 2**30
    return {"seconds": seconds, "images_per_s": count / seconds, "peak_gib": peak}


def score_phases(pred: Path, gt: Path, count: int, batch_size: int) -> dict[str, dict[str, float]]:
    from flipnet_bench.metrics.params import ScoreParams
    from flipnet_bench.metrics.score import score_folders

    params = ScoreParams(device="cuda")
    run = lambda: score_folders(pred, gt=gt, metrics=METRICS, batch_size=batch_size, params=params)  # noqa: E731
    return {"score cold": phase(run, count), "score warm": phase(run, count)}


def flipnet_model(checkpoint: Path):
    """The trained FLIPNET if ``checkpoint`` holds one, else the same architecture untrained."""
    from flipnet_bench.models.flipnet.checkpoint import FLIPNET_CONFIG, build_flipnet, load_flipnet
    from flipnet_bench.models.flipnet.embedding import FaceEmbedding
    from flipnet_bench.models.flipnet.params import FlipnetParams

    if (checkpoint / FLIPNET_CONFIG).is_file():
        return load_flipnet(checkpoint, device="cuda"), f"trained ({checkpoint})"
    p = FlipnetParams()
    emb = FaceEmbedding(p.embedding.dim, p.embedding.width, p.embedding.resolution)
    model = build_flipnet(p, str(REPO / p.prior_path), emb).to("cuda").eval()
    return model, f"untrained, same architecture ({p.config} prior {p.prior_path})"


def sample_phases(count: int, size: int, batch_size: int, steps: int, checkpoint: Path) -> dict[str, object]:
    from flipnet_bench.models.flipnet.embedding import RESTORE
    from flipnet_bench.models.flipnet.pipeline import flip_sample

    model, what = flipnet_model(checkpoint)
    gen = torch.Generator().manual_seed(0)
    lq = torch.rand((batch_size, 3, size, size), generator=gen).cuda()

    def run(batches: int) -> None:
        with torch.inference_mode():
            for b in range(batches):
                gens = [torch.Generator().manual_seed(b * batch_size + i) for i in range(batch_size)]
                flip_sample(model, lq, RESTORE, gens, "dpm", steps)

    batches = max(1, count // batch_size)
    warm = phase(lambda: run(1), batch_size)  # first batch: kernels, allocator
    steady = phase(lambda: run(batches), batches * batch_size)
    return {"model": what, "steps": steps, "flipnet first batch": warm, "flipnet steady": steady}


def main() -> int:
    from flipnet_bench.models.flipnet.params import FlipnetParams

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=256, help="pairs scored; images sampled")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--steps", type=int, default=FlipnetParams.sample_steps, help="FLIPNET sampling steps (dpm)"
    )
    parser.add_argument("--checkpoint", type=Path, default=REPO / "out" / "methods" / "flipnet")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print(
            "no CUDA device: benchmarks/gpu.py needs a GPU (torch.cuda.is_available() is False)",
            file=sys.stderr,
        )
        return 2
    info = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "images": args.images,
            "size": args.size, "batch_size": args.batch_size}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        pred, gt = make_pairs(Path(tmp), args.images, args.size)
        results: dict[str, object] = score_phases(pred, gt, args.images, args.batch_size)
    results |= sample_phases(args.images, args.size, args.batch_size, args.steps, args.checkpoint)
    print(json.dumps(info))
    print("| phase | s | images/s | peak GiB (max_memory_allocated) |")
    print("|---|---|---|---|")
    for name, r in results.items():
        if isinstance(r, dict):
            print(f"| {name} | {r['seconds']:.2f} | {r['images_per_s']:.1f} | {r['peak_gib']:.2f} |")
    print(f"FLIPNET: {results['model']}, {args.steps} dpm steps")
    if args.json:
        args.json.write_text(json.dumps({**info, **results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
