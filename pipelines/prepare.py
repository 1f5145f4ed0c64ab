"""Stage `prepare`: verify the input datasets against their manifests and build the CelebA-Test-style
synthetic test pairs from the HQ test split (classic preset, fixed seed)."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from _stage import load_section, pipeline_params, run

from flipnet_bench import cli
from flipnet_bench.data.manifest import build_manifest, verify_manifest
from flipnet_bench.data.registry import get_dataset
from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_json


def verify_inputs(roots: dict[str, Path], record_dir: Path) -> None:
    """A folder with a manifest must match it exactly; one without gets its file list recorded."""
    for name, root in roots.items():
        if (root / "manifest.json").is_file():
            report = verify_manifest(root)
            if not report.ok:
                raise BenchError(
                    f"dataset {name} ({root}) differs from its manifest:\n" + "\n".join(report.lines())
                )
            print(f"{name}: {report.summary()}")
        else:
            write_json(record_dir / f"{name}.json", build_manifest(root))
            print(
                f"{name}: no manifest in {root}; recorded the files used in {record_dir / (name + '.json')}"
            )


def main(args: argparse.Namespace) -> None:
    pipe, data, prep = pipeline_params(), load_section("data"), load_section("prepare")
    test_name = f"synthetic-celeba-test-style@{prep.source}"
    roots = {prep.source: get_dataset(prep.source, data).root}
    for alias, name in pipe.sets.items():
        if name != test_name:
            roots[alias] = get_dataset(name, data).root
    verify_inputs(roots, Path(args.record))
    out = get_dataset(test_name, data).root
    if out.exists():
        shutil.rmtree(out)  # DVC removes it too; a direct re-run must not mix old and new pairs
    argv = ["degrade", "--model", prep.model, "--hq", str(roots[prep.source]), "--out", str(out)]
    argv += ["--seed", str(prep.seed), "--pairs"] + (["--preset", prep.preset] if prep.preset else [])
    if cli.main(argv) != 0:
        raise BenchError(f"building {test_name} failed (see above)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--record", default="out/prepare/manifests")
    run(main, parser)
