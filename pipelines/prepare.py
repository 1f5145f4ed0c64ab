"""Stage `prepare`: verify the input datasets against their manifests, verify the shipped CelebA-Test-style
synthetic test pairs (hashes and recipe; they are data, never re-made here), and write one small record per
dataset (``out/prepare/sets/<name>.json``: its files and hashes) that the later stages depend on, so a change
in one dataset re-runs only the stages that read it."""

from __future__ import annotations

import argparse
from pathlib import Path

from _stage import load_section, pipeline_params, run

from flipnet_bench.data.manifest import build_manifest, verify_manifest
from flipnet_bench.data.registry import get_dataset
from flipnet_bench.data.testpairs import Recipe, check_test_pairs
from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_json
from flipnet_bench.report.layout import resolve_set

#: Datasets the pipeline reads besides the test sets (training, reference, FLIPNET's real pairs).
INPUTS = ("hq-train", "hq-test", "real-pairs")


def checked_manifest(name: str, root: Path) -> dict:
    """A folder with a manifest must match it exactly; one without gets its file list recorded."""
    if (root / "manifest.json").is_file():
        report = verify_manifest(root)
        if not report.ok:
            lines = "\n".join(report.lines())
            raise BenchError(f"dataset {name} ({root}) differs from its manifest:\n{lines}")
        print(f"{name}: {report.summary()}")
    manifest = build_manifest(root, exclude=(root / "manifest.json",))
    return {"root": str(root), "files": manifest["files"]}


def main(args: argparse.Namespace) -> None:
    pipe, data, prep = pipeline_params(), load_section("data"), load_section("prepare")
    records = Path(args.records)
    for name in INPUTS:
        write_json(
            records / f"{name}.json",
            {"dataset": name, **checked_manifest(name, get_dataset(name, data).root)},
        )
    pairs = get_dataset(f"synthetic-celeba-test-style@{prep.source}", data)
    print(check_test_pairs(pairs.root, pairs.gt_root, Recipe(prep.model, prep.preset, prep.seed)))
    for alias in pipe.sets:
        test_set = resolve_set(alias, pipe.sets, data)
        record = {"dataset": test_set.dataset, "lq": checked_manifest(alias, test_set.lq_dir)}
        if test_set.gt_dir is not None:
            record["gt"] = checked_manifest(alias, test_set.gt_dir)
        write_json(records / f"{alias}.json", record)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", default="out/prepare/sets")
    run(main, parser)
