"""Measure D's metrics on real aligned faces: NIQE parity with pyiqa, face-box fallbacks, CPU time.

    python benchmarks/metrics_more.py --data ../shared/data/real-lq-dev --per-set 20

For each real-world set: NIQE (ours vs pyiqa 0.1.16 with the same parameters: max relative difference and
seconds per image for both), how often dlib's HOG detector misses the face (the aligned-box fallback rate),
and the per-image time of psnr, ssim, ids_dlib and lmd on 512² pairs (each LQ vs a noisy copy). Timings are
single-process wall clock on whatever else the machine runs: the load average is recorded beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.io
import torch

from flipnet_bench.io import list_images, read_image, to_tensor, write_json
from flipnet_bench.metrics import Batch, create_metric
from flipnet_bench.metrics.face_crop import find_face
from flipnet_bench.weights import fetch

SETS = ("CelebA", "LFW-Test", "WebPhoto-Test", "Wider-Test", "CelebChild-Test")


def _timed(fn, *args):  # noqa: ANN001, ANN202
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="folder holding the real-lq-dev sets")
    ap.add_argument("--per-set", type=int, default=20)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/metrics_more.json"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    import pyiqa

    params = fetch(["niqe_pris_params"])["niqe_pris_params"]
    with tempfile.TemporaryDirectory() as tmp, np.load(params) as d:
        mat = os.path.join(tmp, "niqe.mat")
        scipy.io.savemat(mat, {"mu_prisparam": d["mu_pris_param"], "cov_prisparam": d["cov_pris_param"]})
        ref_niqe = pyiqa.create_metric("niqe", device="cpu", pretrained_model_path=mat)
    niqe = create_metric("niqe")
    timed = {name: create_metric(name) for name in ("psnr", "ssim", "ids_dlib", "lmd")}
    rng = np.random.default_rng(0)
    result: dict = {"load_average_start": os.getloadavg(), "per_set": {}, "seconds_per_image": {}}
    times: dict[str, list[float]] = {k: [] for k in ["niqe", "pyiqa_niqe", *timed]}
    for name in SETS:
        paths = list_images(args.data / name)[: args.per_set]
        rel, misses = [], 0
        for path in paths:
            img = read_image(path)
            x = to_tensor(img)
            ours, t_ours = _timed(niqe.score, Batch([path.stem], x))
            ref, t_ref = _timed(lambda t: float(ref_niqe(t).item()), x)
            rel.append(abs(float(ours[0]) - ref) / ref)
            times["niqe"].append(t_ours)
            times["pyiqa_niqe"].append(t_ref)
            misses += not find_face(img, "detect_or_aligned").detected
            noisy = to_tensor(np.clip(img + rng.normal(0, 8, img.shape), 0, 255).astype(np.uint8))
            for metric_name, metric in timed.items():
                _, t = _timed(metric.score, Batch([path.stem], noisy, gt=x))
                times[metric_name].append(t)
        result["per_set"][name] = {
            "images": len(paths),
            "niqe_max_rel_diff_vs_pyiqa": max(rel),
            "hog_detector_misses": misses,
        }
        print(name, result["per_set"][name], flush=True)
    result["seconds_per_image"] = {k: float(np.median(v)) for k, v in times.items()}
    result["load_average_end"] = os.getloadavg()
    result["torch_threads"] = 1
    write_json(args.out, result)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
