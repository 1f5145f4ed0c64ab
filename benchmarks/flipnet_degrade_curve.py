"""FLIPNET's degradation mode trained further from a joint model, scored at each length by its use of the
condition (the one-step x̂0 with the right clean image against another one, ``scripts/flipnet_degrade_x0.py``).

    python benchmarks/flipnet_degrade_curve.py --out out/degrade-w2 \
        --base checkpoints/flipnet-tiny-latent-zsnr --arch boosthub_window=2 \
        --steps 250 500 1000 1500 2000 3000 --threads 1

Training is `flipnet-bench train degradation`'s function (``train_degradation_folder``) on ``OUT/model`` with
params.yaml's ``flipnet:`` section and ``degradation.steps`` set to each length in turn: a step's randomness
depends only on (seed, step) and the learning rate is constant after the warm-up, so the chunks are one
straight run. Each length's weights are copied to ``OUT/ckpt-N`` and its x̂0 row (with ``steps`` and
``arch`` added, and ``design`` with ``--design NAME``: a --base other than the pipeline's joint model) is
appended to ``OUT/x0.jsonl``. Re-running skips lengths whose ``ckpt-N`` exists.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import torch

from flipnet_bench.config import load_section, parse_assignments
from flipnet_bench.models.flipnet.checkpoint import FLIPNET_CONFIG, FLIPNET_WEIGHTS
from flipnet_bench.train.flipnet_degradation import DEGRADATION_RECORD, train_degradation_folder

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--arch", nargs="*", default=[], metavar="KEY=VALUE")
    ap.add_argument("--steps", type=int, nargs="+", required=True)
    ap.add_argument("--real-pairs", type=Path, default=Path("data/default/real-pairs"))
    ap.add_argument("--faces", type=Path, default=Path("out/realism-512/realism/hq"))
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--design", default=None, help="the rows' name for another --base, e.g. its autoencoder")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    arch = parse_assignments(args.arch, "--arch")
    params = load_section("flipnet", args.params)
    for n in sorted(args.steps):
        ckpt = args.out / f"ckpt-{n}"
        if (ckpt / FLIPNET_WEIGHTS).is_file():
            continue
        run = dataclasses.replace(params, degradation=dataclasses.replace(params.degradation, steps=n))
        start = time.monotonic()
        model = train_degradation_folder(
            args.base, args.real_pairs, args.out / "model", run, arch_options=arch
        )
        print(f"{n} steps: {time.monotonic() - start:.0f} s", flush=True)
        tmp = ckpt.with_name(ckpt.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name in (FLIPNET_WEIGHTS, FLIPNET_CONFIG, DEGRADATION_RECORD):
            shutil.copy2(model / name, tmp / name)
        tmp.rename(ckpt)
        rows = args.out / "x0.jsonl.tmp"
        rows.unlink(missing_ok=True)
        cmd = [sys.executable, str(ROOT / "scripts/flipnet_degrade_x0.py"), "--checkpoint", str(ckpt),
               "--out", str(rows), "--real-pairs", str(args.real_pairs), "--faces", str(args.faces),
               "--threads", str(args.threads)]  # fmt: skip
        subprocess.run(cmd, check=True)
        row = json.loads(rows.read_text(encoding="utf-8").splitlines()[-1])
        row.update(steps=n, arch=args.arch, **({"design": args.design} if args.design else {}))
        with (args.out / "x0.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
        rows.unlink()


if __name__ == "__main__":
    main()
