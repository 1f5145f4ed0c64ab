"""Stages `train-embedding` and `train-flipnet`: FLIPNET's face embedding, then joint training of both modes
on top of the shipped tiny prior (the prior itself is not retrained by `dvc repro`)."""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

from _stage import load_section, pipeline_params, run

from flipnet_bench import cli
from flipnet_bench.config import to_dict
from flipnet_bench.data.registry import get_dataset
from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_json


def fresh_or_resumable(out: Path, settings: dict) -> None:
    """The trainers resume from whatever state is in ``out``; DVC keeps it (``persist``) so an interrupted
    stage resumes. State from other settings must not be resumed: then ``out`` is cleared first."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()
    marker = out / "pipeline_settings.json"
    if out.exists() and (not marker.is_file() or json.loads(marker.read_text()).get("sha256") != digest):
        shutil.rmtree(out)
    write_json(marker, {"sha256": digest, "settings": settings})


def main(args: argparse.Namespace) -> None:
    pipe, data = pipeline_params(), load_section("data")
    settings = {
        "what": args.what,
        "flipnet": to_dict(load_section("flipnet")),
        "real_lq": pipe.flipnet_real_lq,
    }
    fresh_or_resumable(Path(args.out), settings)
    hq = str(get_dataset("hq-train", data).root)
    real_lq = [str(get_dataset(name, data).root) for name in pipe.flipnet_real_lq]
    if args.what == "embedding":
        argv = ["train", "embedding", "--hq", hq, "--out", args.out, "--lq-real", *real_lq]
    else:
        pairs = str(get_dataset("real-pairs", data).root)
        argv = ["train", "flipnet", "--embedding", args.embedding, "--hq", hq, "--real-pairs", pairs]
        argv += ["--out", args.out, "--real-lq", *real_lq]
    if cli.main(argv) != 0:
        raise BenchError(f"FLIPNET {args.what} training failed (see above)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["embedding", "flipnet"])
    parser.add_argument("--out", required=True)
    parser.add_argument("--embedding", default="out/flipnet/embedding")
    run(main, parser)
