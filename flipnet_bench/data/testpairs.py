"""The synthetic CelebA-Test-style test pairs as fixed data: made once, shipped as bytes, verified by hash.

A test set is data, not computation. The degradation's float kernels (MKL's FFT and its float32 matrix
products, see docs/reproducibility.md) round differently on other CPU types, and the 8-bit LQ files then
differ in a few pixels, so a set re-synthesised on another machine is another test set. The LQ faces are
therefore made once by ``python scripts/make_test_pairs.py`` (:func:`make_test_pairs`) and shipped in
``data/default/synthetic-celeba-test-style@hq-test/``:

* ``lq/NAME.webp``: the 8-bit LQ faces as degrade made them, stored as lossless WebP (pixel-identical to
  degrade's PNGs, checked when made; a third smaller than PNG);
* ``metadata.csv``: degrade's per-image record (drawn parameters, seeds), its ``file``/``lq`` columns naming
  the shipped files;
* ``recipe.json``: the degradation (model, preset, configuration, seed), the command, and each LQ file's HQ
  partner in the ``hq-test`` split with that file's SHA-256;
* ``manifest.json``: path, SHA-256, bytes and size of every file above.

The pipeline only checks them (:func:`check_test_pairs`, called by the ``prepare`` stage): a file that differs
from the manifest, an HQ partner that differs from the recipe, or params that ask for another recipe is a
:class:`BenchError` naming the files; nothing re-makes the set at run time.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flipnet_bench.data.manifest import (
    MANIFEST_NAME,
    read_manifest,
    sha256_file,
    verify_manifest,
    write_manifest,
)
from flipnet_bench.errors import BenchError
from flipnet_bench.io import atomic_open, list_images, read_image, stem_key, write_json

RECIPE = "recipe.json"
METADATA = "metadata.csv"
LQ_SUFFIX = ".webp"
MAKE_COMMAND = "python scripts/make_test_pairs.py"


@dataclass(frozen=True)
class Recipe:
    """What decides the shipped bytes (the ``prepare`` params section holds the same keys)."""

    model: str
    preset: str | None
    seed: int

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "preset": self.preset, "seed": self.seed}


def encode_lossless(pixels: Any) -> bytes:
    """Lossless WebP bytes of an 8-bit RGB array; decoding them must give the same pixels (checked)."""
    import numpy as np
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="WEBP", lossless=True, quality=100, method=6, exact=True)
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as decoded:
        if not np.array_equal(np.asarray(decoded.convert("RGB")), pixels):
            raise BenchError("lossless WebP round trip changed pixels; the test pairs were not written")
    return data


def _rewrite_metadata(src: Path, dst: Path) -> None:
    """degrade's metadata.csv with the ``file``/``lq`` columns naming the shipped ``.webp`` files."""
    with open(src, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise BenchError(f"{src}: degrade wrote no metadata rows")
    for row in rows:
        for key in ("file", "lq"):
            row[key] = str(Path(row[key]).with_suffix(LQ_SUFFIX))
    with atomic_open(dst, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def make_test_pairs(
    hq_dir: str | Path, out_dir: str | Path, recipe: Recipe, *, overwrite: bool = False
) -> dict[str, Any]:
    """Degrade every image of ``hq_dir`` once with ``recipe`` and write the shipped pair folder ``out_dir``.

    The folder is built beside ``out_dir`` and swapped in when complete; an existing ``out_dir`` is replaced
    only with ``overwrite``. Returns the recipe record written.
    """
    from flipnet_bench.degrade.make import degrade_to_folder

    hq_dir, out_dir = Path(hq_dir), Path(out_dir)
    if out_dir.exists() and not overwrite:
        raise BenchError(f"{out_dir} exists; pass --overwrite to replace the shipped test pairs")
    hq_files = {stem_key(hq_dir, p): p for p in list_images(hq_dir)}
    if not hq_files:
        raise BenchError(f"{hq_dir}: no HQ images to degrade")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="flipnet-test-pairs-") as tmp:
        made = Path(tmp) / "made"
        degrade_to_folder(
            hq_dir,
            made,
            model=recipe.model,
            seed=recipe.seed,
            preset=recipe.preset,
            pairs=True,
            progress=False,
        )
        stage = out_dir.with_name(f".{out_dir.name}.tmp")
        if stage.exists():
            shutil.rmtree(stage)
        (stage / "lq").mkdir(parents=True)
        pairs = {}
        for path in list_images(made / "lq"):
            key = stem_key(made / "lq", path)
            if key not in hq_files:
                raise BenchError(f"{path}: degrade wrote an LQ file without an HQ source in {hq_dir}")
            name = f"lq/{key}{LQ_SUFFIX}"
            with atomic_open(stage / name, "wb") as handle:
                handle.write(encode_lossless(read_image(path)))
            hq = hq_files[key]
            pairs[name] = {"hq": hq.relative_to(hq_dir).as_posix(), "hq_sha256": sha256_file(hq)}
        _rewrite_metadata(made / METADATA, stage / METADATA)
        described = json.loads((made / "params.json").read_text(encoding="utf-8"))
    record = {
        "made_by": MAKE_COMMAND,
        "recipe": recipe.as_dict(),
        "degradation": described,
        "hq_split": "hq-test",
        "lq_format": "lossless WebP of degrade's 8-bit output (pixel-identical to its PNG)",
        "pairs": pairs,
    }
    write_json(stage / RECIPE, record)
    write_manifest(stage)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    stage.rename(out_dir)
    return record


def _restore_hint(root: Path) -> str:
    return (
        f"the pipeline never re-makes them: restore the shipped files (git checkout -- '{root}'), or make a "
        f"new set deliberately with `{MAKE_COMMAND} --overwrite` and commit it"
    )


def check_test_pairs(root: str | Path, hq_dir: str | Path, recipe: Recipe) -> str:
    """Verify a shipped pair folder: manifest hashes, the recipe asked for, every HQ partner's hash.

    Returns a one-line summary; any difference is a :class:`BenchError` naming the files.
    """
    root, hq_dir = Path(root), Path(hq_dir)
    if not (root / MANIFEST_NAME).is_file():
        raise BenchError(
            f"{root}: the shipped test pairs (with {MANIFEST_NAME}) are missing; {_restore_hint(root)}"
        )
    report = verify_manifest(root)
    if not report.ok:
        lines = "\n".join(report.lines())
        raise BenchError(
            f"{root}: the test pairs differ from their SHA-256 manifest:\n{lines}\n{_restore_hint(root)}"
        )
    try:
        record = json.loads((root / RECIPE).read_text(encoding="utf-8"))
        recorded, pairs = record["recipe"], record["pairs"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"{root / RECIPE}: not a test-pair recipe ({exc}); {_restore_hint(root)}") from exc
    if recorded != recipe.as_dict():
        raise BenchError(
            f"{root / RECIPE}: the shipped pairs were made with {recorded}, params.yaml prepare asks for "
            f"{recipe.as_dict()}; set prepare back, or make a set with these settings "
            f"(`{MAKE_COMMAND} --overwrite`) and commit it"
        )
    shipped = {f"lq/{p.name}" for p in list_images(root / "lq")}
    if shipped != set(pairs):
        raise BenchError(f"{root / RECIPE}: its pairs do not list exactly the files in {root / 'lq'}")
    bad = []
    for name, entry in sorted(pairs.items()):
        hq = hq_dir / entry["hq"]
        if not hq.is_file():
            bad.append(f"missing {hq} (HQ partner of {name})")
        elif sha256_file(hq) != entry["hq_sha256"]:
            bad.append(f"changed {hq} (HQ partner of {name})")
    if bad:
        raise BenchError(f"{root}: HQ partners differ from {RECIPE}:\n" + "\n".join(bad))
    count = read_manifest(root / MANIFEST_NAME)["count"]
    return f"{root}: {len(pairs)} pairs, {count} files match their SHA-256 manifest; HQ partners match"
