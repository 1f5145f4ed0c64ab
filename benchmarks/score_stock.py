"""One metric with its stock package, as a careful user runs it (the baseline of ``score_speed.py``).

    python benchmarks/score_stock.py fid PRED GT [--batch-size 8]
    python benchmarks/score_stock.py lpips-alex|lpips-vgg PRED GT
    python benchmarks/score_stock.py psnr|ssim|niqe PRED GT --niqe-mat niqe.mat

Each call is one process scoring one metric: it decodes the PNGs itself (PIL, RGB, [0, 1] float32 at their own
size, as ``flipnet-bench score`` does; neither side resizes), runs the package's network or function on
batches under ``torch.no_grad()``, and prints ``{"metric": name, "value": mean}`` as one JSON line.
pytorch-fid: ``calculate_fid_given_paths`` with ``batch_size`` (it batches and decodes itself); lpips:
``lpips.LPIPS(net=...)`` on [-1, 1] batches; pyiqa: ``create_metric`` on [0, 1] batches — ``psnr``/``ssim``
on the Y of BT.601 studio-swing YCbCr (``test_y_channel=True, color_space="ycbcr"``, basicsr's Y as ours),
``niqe`` with the official parameters. Only the package named is imported, so start-up is that package's.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from PIL import Image

METRICS = ("fid", "lpips-alex", "lpips-vgg", "psnr", "ssim", "niqe")


def load_batches(folder: Path, batch_size: int) -> Iterator[torch.Tensor]:
    """The folder's PNGs in name order as float32 NCHW [0, 1] batches."""
    paths = sorted(folder.glob("*.png"))
    if not paths:
        raise SystemExit(f"{folder}: no PNG images")
    for start in range(0, len(paths), batch_size):
        arrays = [np.asarray(Image.open(p).convert("RGB")) for p in paths[start : start + batch_size]]
        yield torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).float().div(255)


def pairs(pred: Path, gt: Path, batch_size: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    return zip(load_batches(pred, batch_size), load_batches(gt, batch_size))


def score(metric: str, pred: Path, gt: Path, batch_size: int, niqe_mat: Path | None) -> float:
    if metric == "fid":
        from pytorch_fid.fid_score import calculate_fid_given_paths

        return float(calculate_fid_given_paths([str(pred), str(gt)], batch_size, "cpu", 2048, num_workers=0))
    values: list[torch.Tensor] = []
    if metric.startswith("lpips-"):
        import lpips

        net = lpips.LPIPS(net=metric.removeprefix("lpips-"), verbose=False).eval()
        for p, g in pairs(pred, gt, batch_size):
            values.append(net(p, g, normalize=True).flatten())  # normalize: [0, 1] → [-1, 1]
    else:
        import pyiqa

        if metric == "niqe":
            if niqe_mat is None:
                raise SystemExit("niqe needs --niqe-mat (the official parameters)")
            iqa = pyiqa.create_metric("niqe", device="cpu", pretrained_model_path=str(niqe_mat))
            values = [iqa(p).flatten() for p in load_batches(pred, batch_size)]
        else:
            iqa = pyiqa.create_metric(metric, device="cpu", test_y_channel=True, color_space="ycbcr")
            values = [iqa(p, g).flatten() for p, g in pairs(pred, gt, batch_size)]
    return float(torch.cat(values).double().mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("metric", choices=METRICS)
    parser.add_argument("pred", type=Path)
    parser.add_argument("gt", type=Path)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--niqe-mat", type=Path, help="NIQE parameters (mu_prisparam, cov_prisparam)")
    args = parser.parse_args()
    with torch.no_grad():
        value = score(args.metric, args.pred, args.gt, args.batch_size, args.niqe_mat)
    print(json.dumps({"metric": args.metric, "value": value}))


if __name__ == "__main__":
    main()
