"""End-to-end speed of ``flipnet-bench score`` (one pass, every metric) against the stock packages, each used
the way its README shows, one process per package, on the same image pairs.

Both sides are timed as whole processes (start-up, weights, decoding, metrics); the baseline's time is the sum
of its processes. Runs alternate (ours, baseline; baseline, ours; ...) so load from other processes hits both
alike, and the ratio is taken per adjacent pair. Metric set: FID, LPIPS (alex, vgg), PSNR-Y, SSIM-Y, NIQE —
the suite metrics that have a stock package runnable offline here (KID's stock implementation, torchmetrics,
needs torch-fidelity and its downloaded Inception; ids_dlib's reference is dlib, which ours calls directly).
Our pinned weights are staged where the packages look for theirs (``score.py:stage_reference_weights``). ::

    python benchmarks/score_speed.py [--pairs 50] [--repeats 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from ab import interleave, report, timed_process
from score import make_pairs, stage_reference_weights

from flipnet_bench.weights import cache_dir

METRICS = "fid,lpips,lpips_vgg,psnr,ssim,niqe"

#: The lpips package's README usage (``lpips.LPIPS(net=...)`` on ``im2tensor(load_image(path))``), per pair.
LPIPS_README = """
import sys, lpips
net, pred, gt = sys.argv[1], sorted(__import__("glob").glob(sys.argv[2] + "/*.png")), sys.argv[3]
loss_fn = lpips.LPIPS(net=net)
d = [loss_fn(lpips.im2tensor(lpips.load_image(p)), lpips.im2tensor(lpips.load_image(gt + p[p.rfind("/"):])))
     for p in pred]
print(net, float(sum(x.item() for x in d) / len(d)))
"""


def baseline_commands(pred: Path, gt: Path) -> dict[str, list[str]]:
    """One process per stock package: pytorch-fid's and pyiqa's command lines, lpips' README snippet."""
    py = sys.executable
    return {
        "pytorch-fid": [py, "-m", "pytorch_fid", str(pred), str(gt), "--device", "cpu"],
        "lpips alex": [py, "-c", LPIPS_README, "alex", str(pred), str(gt)],
        "lpips vgg": [py, "-c", LPIPS_README, "vgg", str(pred), str(gt)],
        "pyiqa psnry ssim niqe": [
            str(Path(py).with_name("pyiqa")), "psnry", "ssim", "niqe", "-t", str(pred), "-r", str(gt),
            "--device", "cpu",
        ],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50, help="512² (prediction, ground truth) pairs")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved runs of each side")
    parser.add_argument("--json", type=Path, help="also write the raw times here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        pred, gt = make_pairs(tmp, args.pairs)
        stage_reference_weights(tmp / "torch")
        pyiqa_cache = tmp / "torch" / "hub" / "pyiqa"  # where pyiqa's NIQE looks for its parameters
        pyiqa_cache.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp / "torch" / "niqe.mat", pyiqa_cache / "niqe_modelparameters.mat")
        # the packages read the staged TORCH_HOME; ours keeps its own weights cache (which follows TORCH_HOME)
        env = {**os.environ, "TORCH_HOME": str(tmp / "torch"), "FLIPNET_BENCH_WEIGHTS": str(cache_dir())}
        cli = Path(sys.executable).with_name("flipnet-bench")
        ours = [str(cli), "score", "--pred", str(pred), "--gt", str(gt), "--metrics", METRICS,
                "--out", str(tmp / "ours.json")]  # fmt: skip
        base = baseline_commands(pred, gt)
        parts: dict[str, list[float]] = {name: [] for name in base}

        def baseline() -> float:
            for name, argv in base.items():
                parts[name].append(timed_process(argv, env))
            return sum(values[-1] for values in parts.values())

        load_before = os.getloadavg()
        times = interleave({"ours": lambda: timed_process(ours, env), "baseline": baseline}, args.repeats)
    title = (
        f"{args.pairs} pairs 512², metrics {METRICS}, {args.repeats} interleaved runs each; "
        f"load average before {load_before}"
    )
    info = {"n_pairs": args.pairs, "metrics": METRICS, "load_before": load_before}
    report(title, {**times, **parts}, [("ours", "baseline")], args.json, **info)


if __name__ == "__main__":
    main()
