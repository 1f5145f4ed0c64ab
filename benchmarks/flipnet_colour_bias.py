"""How much of the restorations' PSNR goes to colour (docs/flipnet.md, *What moves PSNR between checkpoints*).

    python benchmarks/flipnet_colour_bias.py --out out/colour \
        --rows "rank 64, 3,000 steps=out/r64/curve/restored-3000" "LQ input=data/default/synthetic-…/lq"

Each ``LABEL=FOLDER`` is a restoration of the fixed synthetic test set (``data.synthetic_test``: 64 held-out
faces; a curve row's ``OUT/restored-<steps>``, a pipeline method's output, or the LQ itself). For each, at
the faces' own 128² (RGB in [0, 1]), ``flipnet_bench.stats.colour.colour_bias`` gives the set-wide colour
bias (the mean of restoration − HQ per channel over all faces) and two corrected copies: the restorations
minus that one per-channel constant (``OUT/<n>/without-bias``), and each face shifted to its HQ's mean colour
(``OUT/<n>/own-colour``, an oracle). The project's scorer scores all three at ``evaluate.eval_size`` (PSNR,
SSIM); one JSON row per folder is appended to ``--record``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from flipnet_bench.config import load_section
from flipnet_bench.io import list_images, read_image, to_tensor, to_uint8, write_image
from flipnet_bench.report.evaluate import score_restored
from flipnet_bench.stats.colour import colour_bias

METRICS = ["psnr", "ssim"]


def _load(folder: Path, stems: list[str]) -> torch.Tensor:
    paths = {p.stem: p for p in list_images(folder)}
    missing = [s for s in stems if s not in paths]
    if missing:
        raise SystemExit(f"{folder}: no image for {len(missing)} test face(s), e.g. {missing[0]}")
    return to_tensor([read_image(paths[s]) for s in stems])


def _write(folder: Path, stems: list[str], images: torch.Tensor) -> Path:
    for stem, img in zip(stems, to_uint8(images)):
        write_image(folder / f"{stem}.png", img)
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True, help="LABEL=FOLDER of restored test faces")
    ap.add_argument("--out", type=Path, required=True, help="where the corrected copies go")
    ap.add_argument("--record", type=Path, default=Path("benchmarks/results/flipnet_colour_bias.jsonl"))
    args = ap.parse_args()
    data, ev = load_section("data"), load_section("evaluate")
    lq_dir, gt_dir = Path(data.synthetic_test) / "lq", Path(data.hq_test)
    stems = [p.stem for p in list_images(lq_dir)]
    hq = _load(gt_dir, stems)
    rows = []
    for n, item in enumerate(args.rows):
        label, sep, folder = item.rpartition("=")
        if not sep or not label:
            raise SystemExit(f"--rows {item!r}: expected LABEL=FOLDER")
        pred = _load(Path(folder), stems)
        if pred.shape != hq.shape:
            raise SystemExit(
                f"{folder}: size {tuple(pred.shape[-2:])} is not the HQ's {tuple(hq.shape[-2:])}"
            )
        parts = colour_bias(pred, hq)
        scores = {}
        for name, path in (
            ("as_restored", Path(folder)),
            ("without_bias", _write(args.out / str(n) / "without-bias", stems, parts["without_bias"])),
            ("own_colour", _write(args.out / str(n) / "own-colour", stems, parts["own_colour"])),
        ):
            rep = score_restored(path, lq_dir, gt_dir, METRICS, ev.eval_size)
            scores[name] = {m: rep["metrics"][m]["value"] for m in METRICS}
        row = {
            "label": label,
            "folder": folder,
            "bias_rgb_255": [round(float(v) * 255, 3) for v in parts["bias"]],
            **scores,
            "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    args.record.parent.mkdir(parents=True, exist_ok=True)
    with args.record.open("a", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)


if __name__ == "__main__":
    main()
