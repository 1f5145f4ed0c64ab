"""Coverage study: do the reported 95% intervals cover what they claim, on real images?

A pool of real faces is degraded once (classic ``gfpgan`` preset, seeded) to make LQ/HQ pairs; per-image
PSNR/SSIM and Inception features of the LQ images are computed once. Many subsets of n images are then drawn
without replacement, each metric's interval is computed on the subset, and the table reports how often it
covers the pool's value and how often it contains its own estimate. Targets: for means and KID (unbiased),
the pool value; for FID, biased in n, the expected FID of n pool images (a Monte-Carlo mean over
independent subsets), which is what a comparison at equal n relies on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from flipnet_bench.io import atomic_path, list_images, read_image, to_tensor
from flipnet_bench.stats.gram import FrechetSubsets, MMDSubsets, evaluate_sets, jackknife_sets
from flipnet_bench.stats.intervals import bootstrap_mean_interval, jackknife_interval, mean_interval

#: With-replacement resamples of the interval this study replaced (``score.fid_bootstrap_reps`` was 10).
OLD_FID_BOOTSTRAP_REPS = 10


@dataclass
class Pool:
    """Per-image values and features of the pool, and the fixed reference sample for FID/KID."""

    per_image: dict[str, np.ndarray]
    features: np.ndarray
    ref_features: np.ndarray

    def save(self, path: Path) -> None:
        arrays = {f"per_image/{k}": v for k, v in self.per_image.items()}
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, features=self.features, ref_features=self.ref_features, **arrays)

    @classmethod
    def load(cls, path: Path) -> Pool:
        with np.load(path, allow_pickle=False) as data:
            per = {k.split("/", 1)[1]: data[k] for k in data.files if k.startswith("per_image/")}
            return cls(per, data["features"], data["ref_features"])


def _features(images: list[torch.Tensor], batch_size: int = 16) -> np.ndarray:
    from flipnet_bench.metrics.inception import load_fid_inception

    model = load_fid_inception("cpu")
    chunks = []
    with torch.inference_mode():
        for start in range(0, len(images), batch_size):
            chunks.append(model(torch.cat(images[start : start + batch_size]), (2048,), "pytorch_fid")[2048])
    return torch.cat(chunks).double().numpy()


def build_pool(hq_dir: Path, ref_dir: Path, size: int, ref_size: int, seed: int = 0) -> Pool:
    """Degrade the first ``size`` images of ``hq_dir``; PSNR/SSIM per pair; features of the LQ images and of
    the first ``ref_size`` images of ``ref_dir``."""
    from flipnet_bench.degrade import create_degradation
    from flipnet_bench.metrics import Batch, create_metric

    paths = list_images(hq_dir)[:size]
    degrade = create_degradation("classic", preset="gfpgan")
    metrics = {name: create_metric(name) for name in ("psnr", "ssim")}
    lq_images = []
    for index, path in enumerate(paths):
        hq = to_tensor(read_image(path))
        lq, _ = degrade(hq, [index], seed)
        lq = (lq * 255).round() / 255  # as written to disk (uint8), like every scored image
        batch = Batch([path.stem], lq, hq)
        for metric in metrics.values():
            metric.update(batch)
        lq_images.append(lq)
    per_image = {name: np.array(list((m.compute().per_image or {}).values())) for name, m in metrics.items()}
    refs = [to_tensor(read_image(p)) for p in list_images(ref_dir)[:ref_size]]
    return Pool(per_image, _features(lq_images), _features(refs))


def _row(metric: str, method: str, n: int, cis: list[tuple[float, float] | None], estimates: list[float],
         target: float) -> dict[str, object]:  # fmt: skip
    """Coverage of ``target``, share containing the own estimate, and the mean width relative to the ideal
    ``2 · 1.96 · sd(estimates over draws)`` (1 = as wide as needed; > 1 conservative)."""
    widths = [c[1] - c[0] for c in cis if c is not None]
    ideal = 2 * 1.96 * float(np.std(estimates, ddof=1))
    ratio = float(np.mean(widths)) / ideal if widths and ideal > 0 else float("nan")
    return {"metric": metric, "interval": method, "n": n, "draws": len(cis),
            "coverage": float(np.mean([_inside(c, target) for c in cis])),
            "contains_estimate": float(np.mean([_inside(c, e) for c, e in zip(cis, estimates)])),
            "width_ratio": ratio}  # fmt: skip


def _inside(ci: tuple[float, float] | None, x: float) -> bool:
    return ci is not None and ci[0] <= x <= ci[1]


def mean_rows(pool: Pool, sizes: Sequence[int], draws: int, seed: int = 0) -> list[dict[str, object]]:
    """t interval and percentile bootstrap (2,000 resamples) of every per-image mean."""
    rows = []
    for metric, values in pool.per_image.items():
        target = float(values.mean())
        for n in sizes:
            rng = np.random.default_rng([seed, n])
            subsets = [values[rng.choice(len(values), n, replace=False)] for _ in range(draws)]
            estimates = [float(s.mean()) for s in subsets]
            for method, fn in (("t", mean_interval), ("bootstrap-2000", bootstrap_mean_interval)):
                rows.append(_row(metric, method, n, [fn(s) for s in subsets], estimates, target))
    return rows


def distribution_rows(pool: Pool, sizes: Sequence[int], draws: int, seed: int = 0) -> list[dict[str, object]]:
    """FID (jackknife; a 10-resample percentile bootstrap beside it) and KID (jackknife) vs the reference."""
    ref = pool.ref_features
    fid = FrechetSubsets(pool.features, ref.mean(0), np.cov(ref, rowvar=False))
    kid = MMDSubsets(pool.features, ref)
    kid_target = float(kid.distance(np.arange(len(pool.features)))[0])
    rows = []
    for n in sizes:
        rng = np.random.default_rng([seed, n, 1])
        draw = np.stack([rng.choice(len(pool.features), n, replace=False) for _ in range(draws)])
        fid_target = float(fid.distance(np.stack([rng.choice(len(pool.features), n, replace=False)
                                                   for _ in range(4 * draws)])).mean())  # fmt: skip
        sets = jackknife_sets(n)
        cis: dict[str, list] = {"fid": [], "old": [], "kid": []}
        est: dict[str, list[float]] = {"fid": [], "kid": []}
        for idx in draw:
            local = [idx[s] for s in sets]
            for key, sub in (("fid", fid), ("kid", kid)):
                est[key].append(float(sub.distance(idx)[0]))
                cis[key].append(jackknife_interval(est[key][-1], evaluate_sets(sub.distance, local)))
            boot = fid.distance(idx[rng.integers(0, n, (OLD_FID_BOOTSTRAP_REPS, n))])
            cis["old"].append(tuple(np.percentile(boot, [2.5, 97.5])))
        rows.append(_row("fid", "jackknife", n, cis["fid"], est["fid"], fid_target))
        old = f"old bootstrap-{OLD_FID_BOOTSTRAP_REPS}"
        rows.append(_row("fid", old, n, cis["old"], est["fid"], fid_target))
        rows.append(_row("kid", "jackknife", n, cis["kid"], est["kid"], kid_target))
    return rows


def table(rows: list[dict[str, object]]) -> str:
    """Markdown table: metric × interval × n → coverage, share containing its estimate, width ratio."""
    lines = ["| metric | interval | n | draws | coverage | contains estimate | width / ideal |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        lines.append(f"| {r['metric']} | {r['interval']} | {r['n']} | {r['draws']} | {r['coverage']:.3f} | "
                     f"{r['contains_estimate']:.3f} | {r['width_ratio']:.2f} |")  # fmt: skip
    return "\n".join(lines)
