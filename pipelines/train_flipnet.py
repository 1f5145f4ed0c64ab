"""Stages `train-embedding` and `train-flipnet`: FLIPNET's face embedding, then joint training of both modes
on top of the shipped tiny prior (the prior itself is not retrained by `dvc repro`)."""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

from _stage import load_section, pipeline_params, run

from flipnet_bench.config import to_dict
from flipnet_bench.data.registry import get_dataset
from flipnet_bench.io import write_json
from flipnet_bench.report.layout import OUT_DIR, machine_dir
from flipnet_bench.train.embedding import train_embedding_folder
from flipnet_bench.train.flipnet import train_flipnet_folder


def fresh_or_resumable(out: Path, settings: dict) -> None:
    """The trainers resume from whatever state is in ``out``; DVC keeps it (``persist``) so an interrupted
    stage resumes. State from other settings must not be resumed: then ``out`` is cleared first."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()
    marker = out / "pipeline_settings.json"
    if out.exists() and (not marker.is_file() or json.loads(marker.read_text()).get("sha256") != digest):
        shutil.rmtree(out)
    write_json(marker, {"sha256": digest, "settings": settings})


def main(args: argparse.Namespace) -> None:
    pipe, data, params = pipeline_params(), load_section("data"), load_section("flipnet")
    settings = {"what": args.what, "flipnet": to_dict(params), "real_lq": pipe.flipnet_real_lq}
    out = Path(args.out)
    fresh_or_resumable(out, settings)
    hq = get_dataset("hq-train", data).root
    real_lq = [get_dataset(name, data).root for name in pipe.flipnet_real_lq]
    records = machine_dir(OUT_DIR, *out.relative_to(OUT_DIR).parts)  # step timings: not in the DVC hash
    if args.what == "embedding":
        train_embedding_folder(hq, real_lq, out, params, records=records)
    else:
        pairs = get_dataset("real-pairs", data).root
        train_flipnet_folder(
            Path(args.embedding), hq, out, params, real_pairs=pairs, real_lq=real_lq, records=records
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["embedding", "flipnet"])
    parser.add_argument("--out", required=True)
    parser.add_argument("--embedding", default="out/flipnet/embedding")
    run(main, parser)
