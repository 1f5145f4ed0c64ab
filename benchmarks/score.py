"""Benchmark: the one-pass ``score`` suite vs the same metrics run one at a time with reference packages.

    python benchmarks/score.py --pairs 20 --out benchmarks/score.json

Pairs are 512² real faces from ``../shared/data/real-lq-dev`` (GT) and a seeded blur+noise copy (prediction).
Baseline, one metric after another, each decoding the folders itself: pytorch-fid (FID, our converted weights
placed in its download cache), pytorch-fid features + torchmetrics' ``poly_mmd`` (KID), the ``lpips`` package
(alex, vgg), pyiqa (PSNR-Y, SSIM-Y, NIQE with the official parameters), and ids_dlib alone in its own pass
(dlib is its reference package; there is no other). Peak memory against the image count is measured by
``benchmarks/score_memory.py``. This compares metric values and in-process compute time; the end-to-end
speed comparison (whole processes, each stock package as its README shows) is ``benchmarks/score_speed.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FLIPNET_SHARED", REPO.parent / "shared")) / "data" / "real-lq-dev"
SUITE = ["fid", "kid", "lpips", "lpips_vgg", "psnr", "ssim", "niqe", "ids_dlib"]


def make_pairs(root: Path, count: int, size: int | None = None) -> tuple[Path, Path]:
    """``count`` GT faces (cycled over the shared sets) and blurred+noisy predictions, seeded."""
    import cv2

    from flipnet_bench.io import list_images, read_image, write_image

    if not SHARED.is_dir():
        raise SystemExit(f"the benchmark needs real 512² faces in {SHARED} (set FLIPNET_SHARED)")
    sources = [p for sub in sorted(SHARED.iterdir()) for p in list_images(sub)]
    rng = np.random.default_rng(0)
    gt_dir, pred_dir = root / "gt", root / "pred"
    for i in range(count):
        gt = read_image(sources[i % len(sources)])
        if size:
            gt = cv2.resize(gt, (size, size), interpolation=cv2.INTER_AREA)
        if i >= len(sources):  # later cycles: a shifted crop so images differ
            gt = np.roll(gt, shift=(i // len(sources)) * 7, axis=(0, 1))
        pred = cv2.GaussianBlur(gt, (0, 0), 1.5).astype(np.float64) + rng.normal(0, 8, gt.shape)
        write_image(gt_dir / f"{i:05d}.png", gt)
        write_image(pred_dir / f"{i:05d}.png", np.clip(pred, 0, 255).round().astype(np.uint8))
    return pred_dir, gt_dir


def stage_reference_weights(torch_home: Path) -> None:
    """Put our pinned weights where the reference packages download theirs to (``torch_home``: the
    pytorch-fid Inception and torchvision AlexNet/VGG checkpoints, ``niqe.mat``), so they run offline."""
    import scipy.io
    from pytorch_fid.inception import FID_WEIGHTS_URL
    from safetensors.torch import load_file
    from torchvision import models

    from flipnet_bench.weights import fetch

    w = fetch(["fid_inception_v3", "lpips_alex_backbone", "lpips_vgg_backbone", "niqe_pris_params"])
    ckpt = torch_home / "hub" / "checkpoints"
    ckpt.mkdir(parents=True, exist_ok=True)
    state = dict(load_file(str(w["fid_inception_v3"])))
    state["fc.weight"], state["fc.bias"] = torch.zeros(1008, 2048), torch.zeros(1008)
    torch.save(state, ckpt / FID_WEIGHTS_URL.rsplit("/", 1)[1])
    for net, fname in (("alexnet", "alexnet-owt-7be5be79.pth"), ("vgg16", "vgg16-397923af.pth")):
        full = {k: torch.zeros_like(v) for k, v in getattr(models, net)(weights=None).state_dict().items()}
        key = "lpips_alex_backbone" if net == "alexnet" else "lpips_vgg_backbone"
        full.update({f"features.{k}": v for k, v in load_file(str(w[key])).items()})
        torch.save(full, ckpt / fname)
    with np.load(w["niqe_pris_params"]) as d:
        scipy.io.savemat(
            torch_home / "niqe.mat",
            {"mu_prisparam": d["mu_pris_param"], "cov_prisparam": d["cov_pris_param"]},
        )


def baseline(pred_dir: Path, gt_dir: Path, torch_home: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Each metric with its reference package, one at a time; returns values and seconds per metric."""
    import os

    import lpips
    import pyiqa
    from pytorch_fid.fid_score import calculate_fid_given_paths, calculate_frechet_distance  # noqa: F401
    from pytorch_fid.inception import InceptionV3
    from torchmetrics.image.kid import poly_mmd

    from flipnet_bench.metrics.score import score_folders

    stage_reference_weights(torch_home)
    os.environ["TORCH_HOME"] = str(torch_home)

    values, seconds = {}, {}
    preds, gts = sorted(pred_dir.glob("*.png")), sorted(gt_dir.glob("*.png"))

    t = time.perf_counter()
    values["fid"] = calculate_fid_given_paths([str(pred_dir), str(gt_dir)], 8, "cpu", 2048, num_workers=0)
    seconds["fid"] = time.perf_counter() - t
    print("baseline fid", values["fid"], seconds["fid"], flush=True)

    t = time.perf_counter()
    model = InceptionV3([3]).eval()

    def feats(paths: list[Path]) -> torch.Tensor:
        from pytorch_fid.fid_score import ImagePathDataset
        from torchvision.transforms import ToTensor

        loader = torch.utils.data.DataLoader(ImagePathDataset(paths, ToTensor()), batch_size=8)
        with torch.inference_mode():
            return torch.cat([model(b)[0].flatten(1) for b in loader]).double()

    fp, fg = feats(preds), feats(gts)
    gen, size, scores = torch.Generator().manual_seed(0), min(1000, len(preds)), []
    for _ in range(100):  # KID as torchmetrics (reference first), our seeded generator for identical draws
        r = fg[torch.randperm(len(fg), generator=gen)[:size]]
        f = fp[torch.randperm(len(fp), generator=gen)[:size]]
        scores.append(poly_mmd(r, f))
    values["kid"] = torch.stack(scores).mean().item()
    seconds["kid"] = time.perf_counter() - t

    for name, net in (("lpips", "alex"), ("lpips_vgg", "vgg")):
        t = time.perf_counter()
        model_l = lpips.LPIPS(net=net, verbose=False).eval()
        with torch.inference_mode():
            load = lpips.im2tensor
            vals = [model_l(load(lpips.load_image(str(p))), load(lpips.load_image(str(g)))).item()
                    for p, g in zip(preds, gts)]  # fmt: skip
        values[name], seconds[name] = float(np.mean(vals)), time.perf_counter() - t

    for name, pyiqa_name, kwargs in (
        ("psnr", "psnr", {"test_y_channel": True}),
        ("ssim", "ssim", {"test_y_channel": True}),
        ("niqe", "niqe", {"pretrained_model_path": str(torch_home / "niqe.mat")}),
    ):
        t = time.perf_counter()
        metric = pyiqa.create_metric(pyiqa_name, device="cpu", **kwargs)
        with torch.inference_mode():
            if name == "niqe":
                vals = [metric(str(p)).item() for p in preds]
            else:
                vals = [metric(str(p), str(g)).item() for p, g in zip(preds, gts)]
        values[name], seconds[name] = float(np.mean(vals)), time.perf_counter() - t

    t = time.perf_counter()
    report = score_folders(pred_dir, gt=gt_dir, metrics=["ids_dlib"])
    values["ids_dlib"], seconds["ids_dlib"] = report["metrics"]["ids_dlib"]["value"], time.perf_counter() - t
    return values, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20, help="512² pairs for the speed comparison")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "score.json")
    args = parser.parse_args()
    from flipnet_bench.io import write_json
    from flipnet_bench.metrics.score import score_folders

    result: dict[str, object] = {"torch_threads": torch.get_num_threads(), "pairs": args.pairs}
    with tempfile.TemporaryDirectory() as tmp:
        pred, gt = make_pairs(Path(tmp), args.pairs)
        t = time.perf_counter()
        report = score_folders(pred, gt=gt, metrics=SUITE)
        suite_s = time.perf_counter() - t
        ours = {k: v["value"] for k, v in report["metrics"].items()}
        print("suite", suite_s, ours, flush=True)
        ref, ref_s = baseline(pred, gt, Path(tmp) / "torch")
    result["suite_seconds"], result["baseline_seconds"] = suite_s, sum(ref_s.values())
    result["baseline_seconds_per_metric"] = ref_s
    result["values"] = {
        k: {"suite": ours[k], "baseline": ref[k], "abs_diff": abs(ours[k] - ref[k])} for k in SUITE
    }
    result["suite_images_per_s"] = args.pairs / suite_s
    result["baseline_images_per_s"] = args.pairs / sum(ref_s.values())
    result["speedup"] = sum(ref_s.values()) / suite_s
    print(json.dumps(result, indent=2))
    write_json(args.out, result)


if __name__ == "__main__":
    main()
