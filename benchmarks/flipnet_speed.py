"""FLIPNET sampling throughput: ``flipnet-bench restore --method flipnet`` on the bundled synthetic faces.

    python benchmarks/flipnet_speed.py --repeats 5 [--json benchmarks/results/flipnet_speed.json]

Whole processes, start-up and checkpoint loading included, each restoring every LQ face of ``--lq`` (64 at
the bundled scale) into a fresh folder with ``--checkpoint`` and the default sampling settings
(``FlipnetParams``: DPM-Solver++ steps, sampling batch, posterior samples; no ``--params`` file is read: the
command runs in an empty folder). Images/s = images ÷ wall seconds of each run. The record
(``perf_record.py``, rows with ``images``) is what the README's FLIPNET sampling row is rendered from.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from perf_record import Row, print_record, run_measured, write_record

from flipnet_bench.io import list_images
from flipnet_bench.models.flipnet.params import FlipnetParams

REPO = Path(__file__).resolve().parents[1]
LQ = REPO / "data" / "default" / "synthetic-celeba-test-style@hq-test" / "lq"
CHECKPOINT = REPO / "checkpoints" / "flipnet-tiny"


def shown(path: Path) -> str:
    """``path`` relative to the repository when inside it."""
    path = path.resolve()
    return str(path.relative_to(REPO) if path.is_relative_to(REPO) else path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lq", type=Path, default=LQ, help="folder of LQ faces")
    parser.add_argument("--checkpoint", type=Path, default=CHECKPOINT)
    parser.add_argument("--repeats", type=int, default=5, help="whole-process runs")
    parser.add_argument(
        "--json", type=Path, help="write the record here (benchmarks/results/flipnet_speed.json)"
    )
    args = parser.parse_args()
    images = len(list_images(args.lq))
    p = FlipnetParams()
    settings = (
        f"{p.scheduler} {p.sample_steps} steps, sampling batch {p.sample_batch_size}, "
        f"{p.restore_samples} sample(s) per face"
    )
    cli = str(Path(sys.executable).with_name("flipnet-bench"))
    row = Row(
        "FLIPNET sampling",
        f"flipnet-bench restore --method flipnet --lq {shown(args.lq)} --checkpoint {shown(args.checkpoint)}"
        " --out OUT",
        images=images,
    )
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as name:
        for r in range(args.repeats):
            out = Path(name) / f"run{r}"
            argv = [cli, "restore", "--method", "flipnet", "--lq", str(args.lq.resolve()),
                    "--checkpoint", str(args.checkpoint.resolve()), "--out", str(out)]  # fmt: skip
            m = run_measured(argv, cwd=Path(name))  # an empty folder: no params.yaml is picked up
            made = len(list_images(out))
            if made != images:
                raise SystemExit(f"run {r}: {made} outputs for {images} inputs in {out}")
            row.wall_s.append(m.wall_s), row.peak_rss_mib.append(m.peak_rss_mib)
            print(f"run {r}: {m.wall_s:.2f} s, {images / m.wall_s:.2f} images/s", flush=True)
    invocation = f"python benchmarks/flipnet_speed.py --repeats {args.repeats}"
    title = f"FLIPNET sampling, {images} LQ faces, {settings}, {args.repeats} runs"
    print_record(write_record(args.json, title, load_before, [row], [], argv=invocation, settings=settings))


if __name__ == "__main__":
    main()
