"""End-to-end speed and peak memory of ``flipnet-bench score`` against a careful user of the stock packages.

    python benchmarks/score_speed.py --pairs 200 --repeats 5 [--json benchmarks/results/score_speed.json]

Metrics: FID, LPIPS (alex, vgg), PSNR-Y, SSIM-Y, NIQE on ``--pairs`` 512² pairs (``score.py:make_pairs``).
Ours is one ``flipnet-bench score`` process. The baseline is the stock packages used with care
(``score_stock.py``): one process per metric, each decoding the images itself at their own size (neither
side resizes), batched (``--batch-size`` = ours, ``ScoreParams.batch_size``), under ``torch.no_grad()``; its
time is the sum of its six processes, its peak RSS the largest of theirs. Both sides are whole processes,
start-up included; runs alternate (ours, baseline; baseline, ours; ...) and each ratio is taken within one
adjacent pair.
Every run's values are checked against ours (relative tolerance ``TOLERANCE``, docs/metrics.md's parity
checks): a disagreement stops the benchmark. Our pinned weights are staged where the packages look for theirs
(``score.py:stage_reference_weights``). The record (``perf_record.py``) is what the README's scoring row is
rendered from.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from perf_record import Row, print_record, ratio, run_measured, write_record
from score import make_pairs, stage_reference_weights

from flipnet_bench.metrics.params import ScoreParams
from flipnet_bench.weights import cache_dir

HERE = Path(__file__).resolve().parent
METRICS = "fid,lpips,lpips_vgg,psnr,ssim,niqe"
#: score_stock.py's metric → ours.
STOCK = {
    "fid": "fid",
    "lpips-alex": "lpips",
    "lpips-vgg": "lpips_vgg",
    "psnr": "psnr",
    "ssim": "ssim",
    "niqe": "niqe",
}
#: Relative tolerance of each value against the stock one (docs/metrics.md's parity checks). SSIM: pyiqa
#: rounds the Y channel to integers before SSIM, basicsr (ours) does not; on 20 real 512² pairs that moves
#: the mean by 1.4e-3 relative, while pyiqa's own ``ssim`` function on the unrounded Y agreed with ours to
#: 3e-7 on two of them.
TOLERANCE = {"fid": 1e-4, "lpips": 1e-4, "lpips_vgg": 1e-4, "psnr": 1e-4, "ssim": 3e-3, "niqe": 1e-6}


def compare(ours: dict[str, float], stock: dict[str, float]) -> dict[str, dict[str, float]]:
    """metric → ours, stock, relative difference, tolerance; a difference over tolerance stops the run."""
    table = {}
    for name, value in stock.items():
        rel = abs(ours[name] - value) / max(abs(value), 1e-12)
        table[name] = {"ours": ours[name], "stock": value, "rel_diff": rel, "tolerance": TOLERANCE[name]}
        print(f"{name:10s} ours {ours[name]:.8g}  stock {value:.8g}  rel. diff {rel:.2e}", flush=True)
    bad = [n for n, t in table.items() if t["rel_diff"] > t["tolerance"]]
    if bad:
        raise SystemExit(f"values disagree with the stock packages beyond tolerance: {bad}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200, help="512² (prediction, ground truth) pairs")
    parser.add_argument("--size", type=int, help="resize the faces to this square size first (default: 512²)")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved runs of each side")
    parser.add_argument(
        "--json", type=Path, help="write the record here (benchmarks/results/score_speed.json)"
    )
    args = parser.parse_args()
    batch = ScoreParams().batch_size
    py = sys.executable
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        pred, gt = make_pairs(tmp, args.pairs, args.size)
        stage_reference_weights(tmp / "torch")
        # the packages read the staged TORCH_HOME; ours keeps its own weights cache (which follows TORCH_HOME)
        env = {**os.environ, "TORCH_HOME": str(tmp / "torch"), "FLIPNET_BENCH_WEIGHTS": str(cache_dir())}
        cli = str(Path(py).with_name("flipnet-bench"))
        ours_argv = [cli, "score", "--pred", str(pred), "--gt", str(gt), "--metrics", METRICS,
                     "--out", str(tmp / "ours.json")]  # fmt: skip
        stock_argv = {
            m: [py, str(HERE / "score_stock.py"), m, str(pred), str(gt), "--batch-size", str(batch),
                "--niqe-mat", str(tmp / "torch" / "niqe.mat")]
            for m in STOCK
        }  # fmt: skip
        ours = Row("flipnet-bench score", f"flipnet-bench score --pred P --gt G --metrics {METRICS}")
        base = Row(
            "stock packages, careful", f"6 × python benchmarks/score_stock.py METRIC P G --batch-size {batch}"
        )
        values: dict[str, dict[str, float]] = {}
        load_before = os.getloadavg()
        for r in range(args.repeats):
            for side in ("ours", "base") if r % 2 == 0 else ("base", "ours"):
                if side == "ours":
                    m = run_measured(ours_argv, env)
                    ours.wall_s.append(m.wall_s), ours.peak_rss_mib.append(m.peak_rss_mib)
                    continue
                runs = {k: run_measured(argv, env) for k, argv in stock_argv.items()}
                base.wall_s.append(sum(m.wall_s for m in runs.values()))
                base.peak_rss_mib.append(max(m.peak_rss_mib for m in runs.values()))
                print("stock", {k: round(m.wall_s, 2) for k, m in runs.items()}, flush=True)
                stock = {STOCK[k]: json.loads(m.stdout.splitlines()[-1])["value"] for k, m in runs.items()}
            report = json.loads((tmp / "ours.json").read_text())
            values = compare({k: v["value"] for k, v in report["metrics"].items()}, stock)
    size = f" --size {args.size}" if args.size else ""
    invocation = f"python benchmarks/score_speed.py --pairs {args.pairs}{size} --repeats {args.repeats}"
    title = (
        f"scoring {args.pairs} pairs {args.size or 512}² ({METRICS}), {args.repeats} interleaved runs each"
    )
    record = write_record(
        args.json, title, load_before, [ours, base], [ratio(ours, base)], argv=invocation, values=values
    )
    print_record(record)


if __name__ == "__main__":
    main()
