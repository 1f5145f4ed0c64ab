"""FID/KID: torchmetrics' documented examples, and equality with stock pytorch-fid given the same weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from flipnet_bench.errors import BenchError
from flipnet_bench.io import read_image, to_tensor
from flipnet_bench.metrics import Batch, create_metric
from flipnet_bench.metrics.frechet import FeatureStats, FrechetToReference, frechet_distance
from flipnet_bench.metrics.inception import FIDInceptionV3, load_fid_inception
from flipnet_bench.metrics.kid import kid_subsets
from flipnet_bench.weights import fetch


@pytest.fixture(scope="module")
def inception_weights() -> Path:
    return fetch(["fid_inception_v3"])["fid_inception_v3"]


def _torchmetrics_example_images() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Replays torchmetrics' doc example: seed 42, then the metric's construction (torch-fidelity builds an
    Inception-v3 with a 1008-way fc, whose default init draws from the global RNG), then the two image draws.
    Returns the images and the RNG state KID's subset permutations continue from."""
    torch.manual_seed(42)
    FIDInceptionV3()
    torch.nn.Linear(2048, 1008)
    real = torch.randint(0, 200, (100, 3, 299, 299), dtype=torch.uint8)
    fake = torch.randint(100, 255, (100, 3, 299, 299), dtype=torch.uint8)
    return real, fake, torch.get_rng_state()


def _features(images: torch.Tensor, dims: int) -> np.ndarray:
    model = load_fid_inception()
    with torch.inference_mode():
        chunks = [
            model(images[i : i + 25].float() / 255, (dims,), "torch_fidelity")[dims]
            for i in range(0, 100, 25)
        ]
    return torch.cat(chunks).double().numpy()


def test_torchmetrics_fid64_example(inception_weights: Path) -> None:
    real, fake, _ = _torchmetrics_example_images()
    a, b = FeatureStats(), FeatureStats()
    a.update(_features(real, 64))
    b.update(_features(fake, 64))
    assert frechet_distance(a.mu, a.sigma, b.mu, b.sigma) == pytest.approx(12.6388, abs=5e-5)


@pytest.mark.slow
def test_torchmetrics_kid_example(inception_weights: Path) -> None:
    """KID(subset_size=50) = (0.0312, 0.0025); 200 full Inception passes, so marked slow."""
    real, fake, state = _torchmetrics_example_images()
    generator = torch.Generator()
    generator.set_state(state)
    scores = kid_subsets(
        torch.from_numpy(_features(real, 2048)), torch.from_numpy(_features(fake, 2048)), 100, 50,
        generator=generator,
    )  # fmt: skip
    assert scores.mean().item() == pytest.approx(0.0312, abs=5e-5)
    assert scores.std(unbiased=False).item() == pytest.approx(0.0025, abs=5e-5)


def _faces(shared_data: Path, folder: str, count: int) -> torch.Tensor:
    paths = sorted((shared_data / "real-lq-dev" / folder).glob("*.png"))[:count]
    return to_tensor([read_image(p) for p in paths])


def _stock_inception(weights: Path, torch_home: Path, monkeypatch: pytest.MonkeyPatch) -> torch.nn.Module:
    """Stock ``pytorch_fid.inception.InceptionV3``, offline: our converted weights saved where pytorch-fid
    caches its download (``fc`` is absent from the TF export and unused for pool features: zeros)."""
    from pytorch_fid.inception import FID_WEIGHTS_URL, InceptionV3

    state = dict(load_file(str(weights)))
    state["fc.weight"], state["fc.bias"] = torch.zeros(1008, 2048), torch.zeros(1008)
    target = torch_home / "hub" / "checkpoints" / FID_WEIGHTS_URL.rsplit("/", 1)[1]
    target.parent.mkdir(parents=True)
    torch.save(state, target)
    monkeypatch.setenv("TORCH_HOME", str(torch_home))
    return InceptionV3([InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()


def test_features_equal_stock_pytorch_fid(
    inception_weights: Path, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same weights → same 2048-d features on real 512² faces (so the same FID for any image set)."""
    images = _faces(shared_data, "CelebA", 12)
    ours = load_fid_inception()
    stock = _stock_inception(inception_weights, tmp_path / "torch", monkeypatch)
    with torch.inference_mode():
        expected = stock(images)[0].flatten(1)
        got = ours(images)[2048]
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)


def test_frechet_formula_equals_pytorch_fid(rng: np.random.Generator) -> None:
    from pytorch_fid.fid_score import calculate_frechet_distance

    for n in (40, 200):  # rank-deficient and full-rank covariance (64-d)
        pred, ref = rng.normal(size=(n, 64)), rng.normal(0.3, 1.2, size=(300, 64))
        mu, sigma = ref.mean(0), np.cov(ref, rowvar=False)
        expected = calculate_frechet_distance(pred.mean(0), np.cov(pred, rowvar=False), mu, sigma)
        assert FrechetToReference(mu, sigma).distance(pred) == pytest.approx(expected, rel=1e-6)
        assert frechet_distance(pred.mean(0), np.cov(pred, rowvar=False), mu, sigma) == pytest.approx(
            expected, rel=1e-9
        )


@pytest.mark.slow
def test_fid_equals_pytorch_fid_end_to_end(
    inception_weights: Path, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """40 real faces vs 40 others through our metric and through pytorch-fid's own pipeline (2048-d)."""
    from pytorch_fid.fid_score import calculate_frechet_distance

    pred, gt = _faces(shared_data, "WebPhoto-Test", 40), _faces(shared_data, "CelebA", 40)
    metric = create_metric("fid")
    for i in range(0, 40, 8):
        metric.update(Batch([str(k) for k in range(i, i + 8)], pred[i : i + 8], gt[i : i + 8]))
    ours = metric.compute().value
    stock = _stock_inception(inception_weights, tmp_path / "torch", monkeypatch)
    with torch.inference_mode():
        fp = torch.cat([stock(pred[i : i + 8])[0].flatten(1) for i in range(0, 40, 8)]).double().numpy()
        fg = torch.cat([stock(gt[i : i + 8])[0].flatten(1) for i in range(0, 40, 8)]).double().numpy()
    expected = calculate_frechet_distance(
        fp.mean(0), np.cov(fp, rowvar=False), fg.mean(0), np.cov(fg, rowvar=False)
    )
    assert ours == pytest.approx(expected, rel=1e-4)


def test_fid_kid_metrics_share_features_and_report(inception_weights: Path, tmp_path: Path) -> None:
    gen = torch.Generator().manual_seed(0)
    gt = torch.rand(12, 3, 40, 40, generator=gen)
    pred = (gt + 0.2 * torch.rand(12, 3, 40, 40, generator=gen)).clamp(0, 1)
    fid = create_metric("fid", dims=64)
    kid = create_metric("kid", dims=64, subsets=10)
    for i in range(0, 12, 4):
        batch = Batch([f"{k}" for k in range(i, i + 4)], pred[i : i + 4], gt[i : i + 4])
        fid.update(batch)
        kid.update(batch)
        assert len(batch.cache) == 2  # pred and gt features computed once, used by both
    r_fid, r_kid = fid.compute(), kid.compute()
    assert r_fid.n == 12 and r_fid.value > 0 and r_fid.ci95[0] <= r_fid.value <= r_fid.ci95[1]
    assert r_kid.ci95[0] <= r_kid.value <= r_kid.ci95[1] and r_fid.arrays["pred"].shape == (12, 64)
    assert r_kid.extra["subset_size"] == 12 and any("used 12" in n for n in r_kid.notes)
    assert fid.definition()["weights_sha256"] == kid.definition()["weights_sha256"]
    # the same images as reference give ~0; a stats file reference works like the GT
    stats = FeatureStats()
    stats.update(np.concatenate([fid._gt[i] for i in range(3)]))
    stats.save(tmp_path / "ref.npz")
    by_file = create_metric("fid", dims=64, ref_stats=str(tmp_path / "ref.npz"))
    assert by_file.requires == frozenset()
    for part in fid._pred:
        by_file._pred.append(part)
    assert by_file.compute().value == pytest.approx(r_fid.value, rel=1e-6)
    with pytest.raises(BenchError, match="needs --gt images, --ref DIR or --ref-stats"):
        create_metric("fid").update(Batch(["x"], pred[:1]))


def test_kid_matches_independent_numpy_mmd() -> None:
    """KID on fixed features equals the unbiased polynomial-kernel MMD² written out pair by pair in numpy
    (k(x, y) = (x·y / D + 1)³; same-set sums skip i = j). Subsets of the full size are the full set, so every
    subset, and their mean, must give that number; so must the subset evaluator behind KID's interval."""
    from flipnet_bench.stats.gram import MMDSubsets, PairedMMDSubsets

    rng = np.random.default_rng(7)
    m, dims = 12, 16
    real, fake = rng.normal(0.3, 1.0, (m, dims)), rng.normal(0.0, 1.3, (m, dims))

    def k(a: np.ndarray, b: np.ndarray) -> float:
        return float((a @ b / dims + 1.0) ** 3)

    same = sum(k(s[i], s[j]) for s in (real, fake) for i in range(m) for j in range(m) if i != j)
    cross = sum(k(real[i], fake[j]) for i in range(m) for j in range(m))
    expected = same / (m * (m - 1)) - 2 * cross / m**2
    assert expected > 0.1  # the two sets differ: a non-trivial value, not a near-zero pass
    r, f = torch.from_numpy(real), torch.from_numpy(fake)
    assert PairedMMDSubsets(real, fake).distance(np.arange(m))[0] == pytest.approx(expected, rel=1e-12)
    assert MMDSubsets(fake, real).distance(np.arange(m))[0] == pytest.approx(expected, rel=1e-12)
    scores = kid_subsets(r, f, subsets=4, subset_size=m, generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(scores.numpy(), expected, rtol=1e-12)
