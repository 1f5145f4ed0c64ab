"""Identity on sets without ground truth is a gate (did the output keep the input's identity?), not a ranking.

NTIRE 2025 fails an output whose AdaFace cosine with its LQ input is below a per-set threshold (CelebA 0.5,
LFW / CelebChild 0.6, WIDER / WebPhoto 0.3). Our identity network is dlib's ResNet (``ids_dlib``), whose
cosines live on another scale: unrelated faces already score ~0.9 there. The thresholds are therefore
mapped linearly between two anchors measured on dlib — the mean cosine of impostor pairs (different people;
AdaFace's impostor mean is ~0 by its training objective) and 1 (the same image):
``t_dlib = m + t_adaface · (1 - m)``. ``m`` comes from :func:`calibrate` on 1,000 one-per-person LFW faces
disjoint from LFW-Test (docs/statistics.md gives the command, the measured false-accept rate of every
threshold on those impostor pairs, and the pass rate of degraded genuine pairs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from flipnet_bench.protocols.gates import NTIRE2025_THRESHOLDS

#: NTIRE 2025's AdaFace thresholds per dataset family (matched against the dataset name, lower case), read
#: from their one definition in :mod:`flipnet_bench.protocols.gates`.
ADAFACE_THRESHOLDS = {
    name.lower().removesuffix("-test"): value for name, value in NTIRE2025_THRESHOLDS.items()
}

#: Mean dlib cosine of impostor pairs, measured by :func:`calibrate` on the first 1,000 faces of
#: ``../shared/data/lfw-train`` (499,500 pairs; docs/statistics.md, "Identity gate").
DLIB_IMPOSTOR_MEAN = 0.8358


def dlib_threshold(adaface: float, impostor_mean: float = DLIB_IMPOSTOR_MEAN) -> float:
    """An AdaFace cosine threshold mapped onto dlib's scale (see the module docstring)."""
    return impostor_mean + adaface * (1.0 - impostor_mean)


def gate_threshold(dataset: str) -> float | None:
    """The ``ids_dlib`` pass threshold for a real-world dataset, or None when NTIRE 2025 names none."""
    name = dataset.lower().replace("-", "").replace("_", "")
    for family, threshold in ADAFACE_THRESHOLDS.items():  # "celebchild" is checked before "celeba"
        if family in name:
            return dlib_threshold(threshold)
    return None


def pass_rate(values: dict[str, float], threshold: float) -> tuple[float, int, int]:
    """Share of images whose similarity reaches ``threshold`` (images without a face value fail)."""
    passed = sum(1 for v in values.values() if v is not None and np.isfinite(v) and v >= threshold)
    return (passed / len(values) if values else float("nan")), passed, len(values)


def calibrate(folder: Path, limit: int = 2000, seed: int = 0) -> dict[str, object]:
    """dlib cosines of impostor pairs (all pairs of ``folder``'s faces, one per person) and of genuine pairs
    (each face vs its classic ``gfpgan``-degraded copy); the mapped thresholds and their measured rates."""
    import torch

    from flipnet_bench.degrade import create_degradation
    from flipnet_bench.io import list_images, read_image, to_tensor, to_uint8
    from flipnet_bench.metrics import create_metric

    metric = create_metric("ids_dlib")
    degrade = create_degradation("classic", preset="gfpgan")
    clean, degraded = [], []
    for index, path in enumerate(list_images(folder)[:limit]):
        hq = to_tensor(read_image(path))
        lq, _ = degrade(hq, [index], seed)
        clean.append(metric.embed(to_uint8(hq))[0])  # type: ignore[attr-defined]
        degraded.append(metric.embed(to_uint8(lq))[0])  # type: ignore[attr-defined]
    emb = torch.stack(clean).numpy()
    ok = np.isfinite(emb).all(1)
    unit = emb[ok] / np.linalg.norm(emb[ok], axis=1, keepdims=True)
    cos = unit @ unit.T
    impostor = cos[np.triu_indices(len(unit), 1)]
    deg = torch.stack(degraded).numpy()[ok]
    genuine = (unit * deg).sum(1) / np.linalg.norm(deg, axis=1)
    mean = float(impostor.mean())
    rows = {}
    for family, t in ADAFACE_THRESHOLDS.items():
        td = dlib_threshold(t, mean)
        rows[family] = {"adaface": t, "dlib": td, "impostor_accept": float((impostor >= td).mean()),
                        "genuine_pass": float(np.nanmean(genuine >= td))}  # fmt: skip
    return {"faces": int(ok.sum()), "impostor_pairs": len(impostor), "impostor_mean": mean,
            "impostor_sd": float(impostor.std()), "genuine_mean": float(np.nanmean(genuine)),
            "thresholds": rows}  # fmt: skip
