"""The classic chain on files (OpenCV, flipnet_bench/degrade/classic_cv2.py) against GFPGAN's published
calls written out here, and the runner's bytes under every worker count, batch size and resume point."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from flipnet_bench.degrade import create_degradation
from flipnet_bench.degrade.runner import degrade_folder
from flipnet_bench.io import read_image, to_tensor, to_uint8, write_image
from flipnet_bench.io.outputs import MARKER

ROOT = Path(__file__).resolve().parents[1]
FACES = sorted((ROOT / "data" / "default" / "hq" / "test").glob("*.png"))[:4]
NO_COLOUR = {"color_jitter_prob": 0.0, "color_jitter_pt_prob": 0.0, "gray_prob": 0.0}


def published_kernel(size: int, sigma_x: float, sigma_y: float, theta: float) -> np.ndarray:
    """BasicSR's bivariate Gaussian: Σ = R diag(σx², σy²) Rᵀ, k ∝ exp(-½ xᵀ Σ⁻¹ x) on the centred grid."""
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    inverse = np.linalg.inv(rot @ np.diag([sigma_x**2, sigma_y**2]) @ rot.T)
    ax = np.arange(-(size // 2), size // 2 + 1)
    xx, yy = np.meshgrid(ax, ax)
    xy = np.stack([xx, yy], axis=-1)[..., None]
    kernel = np.exp(-0.5 * np.sum(np.matmul(inverse, xy)[..., 0] * xy[..., 0], axis=-1))
    return kernel / kernel.sum()


def gfpgan_chain(rgb: np.ndarray, p: dict) -> np.ndarray:
    """GFPGAN's FFHQDegradationDataset on a BGR float32 image with the recorded draws (no colour options)."""
    img = rgb[..., ::-1].astype(np.float32) / 255.0  # cv2.imread order
    h, w = img.shape[:2]
    k = p["kernel"]
    kernel = published_kernel(k["size"], k["sigma_x"], k["sigma_y"], k["theta"])
    img = cv2.filter2D(img, -1, kernel)
    img = cv2.resize(img, (int(w // p["scale"]), int(h // p["scale"])), interpolation=cv2.INTER_LINEAR)
    rng = np.random.Generator(np.random.PCG64(p["noise_seed"]))  # np.random.randn, seeded by the record
    field = np.float32(rng.standard_normal((*img.shape[:2], 3)))[..., ::-1]  # drawn in RGB order
    img = np.clip(img + field * p["noise_sigma"] / 255.0, 0, 1)
    img = np.clip(img, 0, 1)
    _, encoded = cv2.imencode(".jpg", img * 255.0, [int(cv2.IMWRITE_JPEG_QUALITY), p["jpeg_quality"]])
    img = np.float32(cv2.imdecode(encoded, 1)) / 255.0
    img = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip((img * 255.0).round(), 0, 255).astype(np.uint8)[..., ::-1]


@pytest.fixture(scope="module")
def faces_512() -> list[np.ndarray]:
    return [cv2.resize(read_image(f), (512, 512), interpolation=cv2.INTER_CUBIC) for f in FACES]


def test_every_grey_level_is_the_published_chain(faces_512: list[np.ndarray]) -> None:
    deg = create_degradation("classic", **NO_COLOUR)
    seen = set()
    for index in range(12):
        pixels = faces_512[index % len(faces_512)]
        lq, params = deg.degrade_pixels(pixels, index, seed=5)
        assert params["pixel_scale"] == 1.0
        seen.add(params["kernel"]["type"])
        np.testing.assert_array_equal(lq, gfpgan_chain(pixels, params), err_msg=f"image {index}")
    assert seen == {"iso", "aniso"}


def test_draws_are_those_of_the_tensor_path_and_noise_free_pixels_agree(faces_512: list[np.ndarray]) -> None:
    """Same draws as the tensor path; without the noise stage (whose fields come from different generators)
    the pixels agree within two grey levels, colour options and reference scaling included."""
    stages = ("blur", "downsample", "jpeg")
    deg = create_degradation("classic", stages=stages)  # gfpgan preset, colour options on
    small = [read_image(f) for f in FACES]  # 128²: applied at the reference scale
    for index, pixels in enumerate([*faces_512, *small]):
        lq, params = deg.degrade_pixels(pixels, index, seed=11)
        lq_t, params_t = deg(to_tensor([pixels]), [index], seed=11)
        assert params == params_t[0]
        diff = np.abs(lq.astype(int) - to_uint8(lq_t)[0].astype(int))
        assert diff.max() <= 2 and (diff > 0).mean() < 0.01, (index, diff.max(), (diff > 0).mean())


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.png"))}


def test_bytes_do_not_depend_on_workers_batches_or_resume(tmp_path: Path) -> None:
    hq = tmp_path / "hq"
    hq.mkdir()
    for f in FACES:
        write_image(hq / f.name, read_image(f))
    deg = create_degradation("classic")
    runs = {}
    for name, workers, batch in (("a", 0, 1), ("b", 1, 3), ("c", 2, 7)):
        out = tmp_path / name
        degrade_folder(deg, hq, out, seed=3, model="classic", variants=2, batch_size=batch,
                       io_workers=workers, progress=False)  # fmt: skip
        runs[name] = _digests(out)
    assert runs["a"] == runs["b"] == runs["c"] and len(runs["a"]) == 2 * len(FACES)
    for victim in sorted((tmp_path / "c").glob("*.png"))[::3]:
        victim.unlink()
    degrade_folder(deg, hq, tmp_path / "c", seed=3, model="classic", variants=2, progress=False)
    assert _digests(tmp_path / "c") == runs["a"]
    torch_out = tmp_path / "torch"
    degrade_folder(deg, hq, torch_out, seed=3, model="classic", variants=2, progress=False, backend="torch")
    assert _digests(torch_out) != runs["a"]  # the backend is a real switch, and it is recorded
    assert json.loads((torch_out / MARKER).read_text())["settings"]["backend"] == "torch"


def test_the_opencv_file_path_does_not_load_torch(tmp_path: Path) -> None:
    """Without GFPGAN's tensor colour jitter, writing files needs neither torch nor SciPy (start-up)."""
    hq = tmp_path / "hq"
    hq.mkdir()
    write_image(hq / "a.png", read_image(FACES[0]))
    code = (
        "import sys; from flipnet_bench.cli import main; sys.argv = ['flipnet-bench', 'degrade', '--hq', "
        f"{str(hq)!r}, '--out', {str(tmp_path / 'out')!r}, '--quiet', '--set', 'color_jitter_pt_prob=0']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('torch', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "out" / "a.png").is_file()
