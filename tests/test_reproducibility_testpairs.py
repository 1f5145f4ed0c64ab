"""The synthetic test pairs are shipped data: made once, verified by hash, never re-made by the pipeline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from flipnet_bench.data.params import DataParams
from flipnet_bench.data.registry import get_dataset
from flipnet_bench.data.testpairs import Recipe, check_test_pairs, make_test_pairs
from flipnet_bench.errors import BenchError
from flipnet_bench.io import list_images, read_image, write_image
from flipnet_bench.methods.params import PrepareParams

ROOT = Path(__file__).resolve().parents[1]
#: Budget of the bundled data folder (file bytes).
DEFAULT_DATA_BUDGET = 24_000_000
SHIPPED = get_dataset("synthetic-celeba-test-style@hq-test")


def _recipe() -> Recipe:
    prep = PrepareParams()
    return Recipe(prep.model, prep.preset, prep.seed)


def _faces(folder: Path, n: int) -> None:
    rng = np.random.default_rng(0)
    for i in range(n):
        coarse = rng.integers(0, 256, size=(8, 8, 3)).astype(np.float32)
        image = np.kron(coarse, np.ones((8, 8, 1), np.float32)) + rng.normal(0, 6, size=(64, 64, 3))
        write_image(folder / f"face{i}.png", np.clip(image, 0, 255).astype(np.uint8))


def test_the_shipped_pairs_match_their_manifest_and_recipe() -> None:
    summary = check_test_pairs(ROOT / SHIPPED.root, ROOT / SHIPPED.gt_root, _recipe())
    assert "64 pairs" in summary
    assert len(list_images(ROOT / SHIPPED.lq_root)) == 64


def test_bundled_data_stays_within_its_budget() -> None:
    total = sum(p.stat().st_size for p in (ROOT / "data/default").rglob("*") if p.is_file())
    assert total < DEFAULT_DATA_BUDGET, f"data/default holds {total / 1e6:.2f} MB"


def test_attribution_covers_the_test_pairs() -> None:
    text = (ROOT / "data/default/ATTRIBUTION.md").read_text(encoding="utf-8")
    assert f"`{SHIPPED.root.name}/`" in text


@pytest.fixture()
def shipped_copy(tmp_path: Path) -> tuple[Path, Path]:
    root, hq = tmp_path / "pairs", tmp_path / "hq"
    shutil.copytree(ROOT / SHIPPED.root, root)
    shutil.copytree(ROOT / SHIPPED.gt_root, hq)
    return root, hq


def test_a_changed_lq_file_is_an_error_naming_it(shipped_copy: tuple[Path, Path]) -> None:
    root, hq = shipped_copy
    victim = list_images(root / "lq")[3]
    data = bytearray(victim.read_bytes())
    data[-1] ^= 1
    victim.write_bytes(bytes(data))
    with pytest.raises(BenchError, match=rf"(?s)changed lq/{victim.name}.*never re-makes"):
        check_test_pairs(root, hq, _recipe())


def test_a_changed_hq_partner_or_another_recipe_is_an_error(shipped_copy: tuple[Path, Path]) -> None:
    root, hq = shipped_copy
    with pytest.raises(BenchError, match="made with .*prepare asks for"):
        check_test_pairs(root, hq, Recipe("classic", "gfpgan", 7))
    partner = list_images(hq)[0]
    image = read_image(partner)
    image[0, 0] ^= 1
    write_image(partner, image)
    with pytest.raises(BenchError, match=rf"changed .*{partner.name}"):
        check_test_pairs(root, hq, _recipe())


def test_missing_pairs_are_an_error_not_a_rebuild(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="missing.*make_test_pairs"):
        check_test_pairs(tmp_path / "nowhere", tmp_path, _recipe())


def test_make_writes_lossless_copies_of_degrades_output(tmp_path: Path) -> None:
    from flipnet_bench.degrade.make import degrade_to_folder

    hq = tmp_path / "hq"
    _faces(hq, 3)
    recipe = Recipe("classic", "gfpgan", 2024)
    record = make_test_pairs(hq, tmp_path / "pairs", recipe)
    assert check_test_pairs(tmp_path / "pairs", hq, recipe).endswith("HQ partners match")
    degrade_to_folder(
        hq, tmp_path / "png", model="classic", seed=2024, preset="gfpgan", pairs=True, progress=False
    )
    for png in list_images(tmp_path / "png" / "lq"):
        shipped = tmp_path / "pairs" / "lq" / f"{png.stem}.webp"
        np.testing.assert_array_equal(read_image(shipped), read_image(png))
        assert record["pairs"][f"lq/{shipped.name}"]["hq"] == png.name
    recorded = json.loads((tmp_path / "pairs" / "recipe.json").read_text(encoding="utf-8"))
    assert recorded["recipe"] == {"model": "classic", "preset": "gfpgan", "seed": 2024}
    with pytest.raises(BenchError, match="--overwrite"):
        make_test_pairs(hq, tmp_path / "pairs", recipe)


def test_the_registry_reads_the_shipped_folder() -> None:
    spec = get_dataset("synthetic-celeba-test-style@hq-test", DataParams())
    assert spec.root == DataParams().synthetic_test and spec.gt_root == DataParams().hq_test
    assert len(spec.pairs()) == 64
