"""Stages `train-flipnet-o` and `train-flipnet-of`: FLIPNET's restoration mode trained further from the joint
model ``flipnet.base`` (or the restoration-mode checkpoint ``flipnet.restoration.init`` made from it) — on
classic pairs made online ("+O", method ``flipnet_o``) or mixed with the pairs the joint model's degradation
mode synthesized (``out/synth/flipnet``, "+O/F", method ``flipnet``). The joint model itself (prior,
embedding, both modes) is shipped, not retrained by `dvc repro` (its recipe.md)."""

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
from flipnet_bench.io.hashing import sha256_file
from flipnet_bench.models.flipnet.checkpoint import FLIPNET_WEIGHTS
from flipnet_bench.report.layout import OUT_DIR, machine_dir, method_dir, synth_dir
from flipnet_bench.train.flipnet import train_restoration_folder


def fresh_or_resumable(out: Path, settings: dict) -> None:
    """The trainer resumes from whatever state is in ``out``; DVC keeps it (``persist``) so an interrupted
    stage resumes. State from other settings must not be resumed: then ``out`` is cleared first."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()
    marker = out / "pipeline_settings.json"
    if out.exists() and (not marker.is_file() or json.loads(marker.read_text()).get("sha256") != digest):
        shutil.rmtree(out)
    write_json(marker, {"sha256": digest, "settings": settings})


def main(args: argparse.Namespace) -> None:
    pipeline_params()  # points the weights manager at pipeline.weights_dir (LPIPS loss)
    data, params = load_section("data"), load_section("flipnet")
    variant = params.restoration.variant(args.variant)
    base = Path(params.restoration_start)
    pair_dirs = tuple(str(synth_dir(OUT_DIR, name)) for name in variant.pairs)
    settings = {
        "flipnet": to_dict(params),
        "base_sha256": sha256_file(base / FLIPNET_WEIGHTS) if (base / FLIPNET_WEIGHTS).is_file() else None,
        "variant": to_dict(variant),
    }
    out = method_dir(OUT_DIR, args.variant)
    fresh_or_resumable(out, settings)
    records = machine_dir(OUT_DIR, *out.relative_to(OUT_DIR).parts)  # step timings: not in the DVC hash
    hq = get_dataset("hq-train", data).root
    train_restoration_folder(base, hq, out, params, pair_dirs, variant.pair_fraction, records=records)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "variant", help="flipnet_o (+O) or flipnet (+O/F): a key of flipnet.restoration.variants"
    )
    run(main, parser)
