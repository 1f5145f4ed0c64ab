"""Benchmark: peak memory of ``score_folders`` must stay flat in the number of images scored.

    OMP_NUM_THREADS=1 python benchmarks/score_memory.py --counts 100,1000 --out benchmarks/score_memory.json

The pairs (64² crops of the shared real faces and a seeded blur+noise copy, the same recipe as
``benchmarks/score.py``) are written by the parent process; each count is then scored in a fresh child
process that only imports the suite and scores, so its peak RSS is the scoring's alone. The child samples its
RSS after every batch (RSS against images scored shows whether anything grows per image) and reports the
peak, the RSS after the last batch and after ``compute()``. ``--max-growth`` (default 0.05) is the target:
the largest count's peak may exceed the smallest count's by at most that fraction; the exit status says.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
METRICS = "fid,kid,lpips,psnr,ssim"


def _rss_mib() -> float:
    """Current resident set size of this process, from /proc (Linux)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


class _PhasePeaks:
    """Samples RSS every few milliseconds in a thread and keeps the peak of each named phase."""

    def __init__(self, every_s: float = 0.005) -> None:
        import threading

        self.phase, self.peaks, self._stop = "setup", {}, threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every_s,), daemon=True)
        self._thread.start()

    def _run(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0.0), round(_rss_mib(), 1))

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        return self.peaks


def child(pred: Path, gt: Path, metrics: str) -> dict[str, object]:
    """Score ``pred`` against ``gt`` once; RSS after each batch, the peak of each phase and overall."""
    import time

    import flipnet_bench.metrics.score as score_mod

    samples: list[tuple[int, float]] = []
    original = score_mod.iter_batches
    phases = _PhasePeaks()

    def watched(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - a transparent wrapper
        seen = 0
        phases.phase = "decode+update"
        for batch in original(*args, **kwargs):
            yield batch
            seen += len(batch.keys)
            samples.append((seen, round(_rss_mib(), 1)))
        phases.phase = "compute"

    score_mod.iter_batches = watched
    start_rss = _rss_mib()
    t = time.perf_counter()
    kwargs = {"fid": {"dims": 64}, "kid": {"dims": 64}}  # 64-d: the stem only (time)
    score_mod.score_folders(pred, gt=gt, metrics=metrics.split(","), metric_kwargs=kwargs)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    phase_peaks = phases.stop()
    quarter = samples[max(0, len(samples) // 4 - 1)]
    return {
        "count": samples[-1][0] if samples else 0,
        "rss_after_imports_mib": round(start_rss, 1),
        "rss_after_first_batch_mib": samples[0][1] if samples else None,
        "rss_at_quarter_mib": quarter[1] if samples else None,
        "rss_after_last_batch_mib": samples[-1][1] if samples else None,
        "rss_after_compute_mib": round(_rss_mib(), 1),
        "peak_rss_mib": round(peak, 1),
        "peak_rss_by_phase_mib": phase_peaks,
        "seconds": round(seconds, 1),
        "rss_per_batch": samples[:: max(1, len(samples) // 20)],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="100,1000", help="image counts, each scored in a fresh process")
    parser.add_argument("--size", type=int, default=64, help="image side in pixels")
    parser.add_argument("--metrics", default=METRICS)
    parser.add_argument("--max-growth", type=float, default=0.05, help="allowed peak growth (largest count)")
    parser.add_argument("--out", type=Path, help="write the results as JSON (atomically)")
    parser.add_argument("--_child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        print(json.dumps(child(Path(args._child[0]), Path(args._child[1]), args.metrics)))
        return 0

    sys.path.insert(0, str(REPO / "benchmarks"))
    from score import make_pairs

    counts = sorted(int(c) for c in args.counts.split(",") if c)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for count in counts:
            pred, gt = make_pairs(Path(tmp) / str(count), count, args.size)
            cmd = [sys.executable, __file__, "--_child", str(pred), str(gt), "--metrics", args.metrics]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps({k: v for k, v in runs[-1].items() if k != "rss_per_batch"}), flush=True)
    growth = runs[-1]["peak_rss_mib"] / runs[0]["peak_rss_mib"] - 1
    result = {"size": args.size, "metrics": args.metrics, "runs": runs, "peak_growth": round(growth, 4),
              "max_growth": args.max_growth, "passed": growth <= args.max_growth}  # fmt: skip
    print(f"peak RSS {counts[0]} -> {counts[-1]} images: {growth:+.1%} (target <= {args.max_growth:+.0%})")
    if args.out:
        from flipnet_bench.io import write_json

        write_json(args.out, result)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
