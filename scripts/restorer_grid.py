"""docs/restorer_grid.png: LQ | restored | HQ for faces of the synthetic test set, restored by a trained
restorer checkpoint. Rows: ``--n`` faces at evenly spaced ranks of the LQ input's PSNR (from the most to the
least degraded face; the selection looks at the input only, never at the result), each printed with its PSNR
(Y, native size) before and after. Pixels are enlarged ``--zoom``× by pixel repetition only.

    python scripts/restorer_grid.py --checkpoint checkpoints/restorer-nafnet --out docs/restorer_grid.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F

from flipnet_bench.data.params import DataParams
from flipnet_bench.io import list_images, read_image, to_tensor, to_uint8, write_image
from flipnet_bench.metrics.functional.psnr_ssim import psnr
from flipnet_bench.models.restorers import load_restorer

GAP = 4  # white pixels between tiles


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, required=True, help="trained restorer folder")
    ap.add_argument("--lq", type=Path, default=DataParams().synthetic_test / "lq", help="LQ faces")
    ap.add_argument("--hq", type=Path, default=DataParams().hq_test, help="their HQ partners (same stems)")
    ap.add_argument("--n", type=int, default=6)
    ap.add_argument("--zoom", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("docs/restorer_grid.png"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    lq_by_stem = {p.stem: p for p in list_images(args.lq)}
    all_hq = [p for p in list_images(args.hq) if p.stem in lq_by_stem]
    hq = to_tensor([read_image(p) for p in all_hq])
    lq = to_tensor([read_image(lq_by_stem[p.stem]) for p in all_hq])
    ranks = psnr(lq, hq).argsort()  # most degraded first
    rows = ranks[torch.linspace(0, len(ranks) - 1, args.n).round().long()]
    hq_files, hq, lq = [all_hq[int(i)] for i in rows], hq[rows], lq[rows]
    with torch.no_grad():
        restored = load_restorer(args.checkpoint)(lq).clamp(0, 1).mul(255).round().div(255)
    before, after = psnr(lq, hq), psnr(restored, hq)
    cols = [lq, restored, hq]
    n, _, h, w = hq.shape
    z = args.zoom
    canvas = torch.ones(3, n * (h * z + GAP) - GAP, len(cols) * (w * z + GAP) - GAP)
    for i in range(n):
        for j, col in enumerate(cols):
            tile = F.interpolate(col[i : i + 1], scale_factor=z, mode="nearest")[0]
            top, left = i * (h * z + GAP), j * (w * z + GAP)
            canvas[:, top : top + h * z, left : left + w * z] = tile
        print(f"{hq_files[i].stem}: PSNR(Y) LQ {before[i]:.2f} dB -> restored {after[i]:.2f} dB")
    write_image(args.out, to_uint8(canvas))
    print(f"wrote {args.out} (LQ | restored | HQ; mean PSNR {before.mean():.2f} -> {after.mean():.2f} dB)")


if __name__ == "__main__":
    main()
