"""Throughput of the degradation models at 512², against a per-image cv2 version and the PNG I/O floor.

For every classic preset (and realesrgan) this times, on the same HQ PNG files:

* ``ours``: ``flipnet-bench degrade``'s own loop (read PNG → batched ``ClassicDegradation`` → write PNG, with
  decoding and encoding overlapped on ``--io-workers`` threads);
* ``cv2``: a straightforward per-image numpy/cv2 implementation of the same preset (cv2.filter2D,
  cv2.resize, numpy noise, cv2 JPEG), fed the very parameters our sampler draws, one image after another;
* ``floor``: read and write the same PNGs with no degradation, on the same I/O threads as ``ours`` (the
  floor any file-to-file tool pays on this machine); ``seq. floor``: the same, one image after another.

Also reports the in-memory degradation time alone. ``--grid`` instead draws ``docs/degrade_grid.png``: one
face (a bundled test face, re-aligned at 512² from its shared source) under every preset, 4 samples each. ::

    python benchmarks/degrade.py [--images 24] [--threads 1] [--size 512] [--repeats 3]
    python benchmarks/degrade.py --grid docs/degrade_grid.png [--face 3dsk-female__agata.png]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from flipnet_bench.degrade import create_degradation, image_generator
from flipnet_bench.degrade.classic import ClassicDegradation
from flipnet_bench.degrade.color import color_jitter
from flipnet_bench.degrade.kernels import build_kernel
from flipnet_bench.degrade.presets import CLASSIC_PRESETS
from flipnet_bench.degrade.runner import degrade_folder
from flipnet_bench.io import list_images, read_image, to_tensor, to_uint8, write_image
from flipnet_bench.io.overlap import ImageIOPool, default_io_workers

WEBMORPH = Path(os.environ.get("FLIPNET_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "data"


def classic_cv2(img: np.ndarray, params: dict, interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """Reference: one uint8 RGB image through the classic model the way cv2-based training code does it."""
    h, w = img.shape[:2]
    x = img.astype(np.float32) / 255.0
    kernel = build_kernel(params["kernel"]).astype(np.float32)
    x = cv2.filter2D(x, -1, kernel, borderType=cv2.BORDER_REFLECT_101)
    scale = params["scale"]
    x = cv2.resize(x, (max(1, int(w // scale)), max(1, int(h // scale))), interpolation=interpolation)
    gen = torch.Generator().manual_seed(params["noise_seed"])  # the same noise field as ours, HWC
    noise = torch.randn((3, x.shape[0], x.shape[1]), generator=gen).permute(1, 2, 0).numpy()
    x = np.clip(x + noise * (params["noise_sigma"] / 255.0), 0, 1)
    q8 = np.clip(np.round(x * 255.0), 0, 255).astype(np.uint8)
    ok, enc = cv2.imencode(".jpg", q8[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, params["jpeg_quality"]])
    x = cv2.imdecode(enc, cv2.IMREAD_COLOR)[:, :, ::-1].astype(np.float32) / 255.0
    x = cv2.resize(x, (w, h), interpolation=interpolation)
    if params["color_shift"] is not None:
        x = np.clip(x + np.asarray(params["color_shift"], dtype=np.float32), 0, 1)
    if params["gray"]:
        x = np.repeat(cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2)
    if params["color_jitter"] is not None:
        t = torch.from_numpy(np.ascontiguousarray(x)).permute(2, 0, 1).clamp(0, 1)
        x = color_jitter(t, params["color_jitter"]).permute(1, 2, 0).numpy()
    return np.clip(np.round(x * 255.0), 0, 255).astype(np.uint8)


def make_inputs(folder: Path, count: int, size: int) -> list[Path]:
    """Centre crops of the shared webmorph faces, resized to ``size``², as PNG."""
    sources = sorted((WEBMORPH / "hq-webmorph").glob("*/*.jpg"))[:count]
    if len(sources) < count:
        raise SystemExit(f"need {count} faces under {WEBMORPH / 'hq-webmorph'} (set FLIPNET_SHARED)")
    for i, src in enumerate(sources):
        img = read_image(src)
        h, w = img.shape[:2]
        s = min(h, w)
        crop = np.ascontiguousarray(img[(h - s) // 2 : (h - s) // 2 + s, (w - s) // 2 : (w - s) // 2 + s])
        write_image(folder / f"{i:04d}.png", cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA))
    return list_images(folder)


def grid_face(name: str, size: int = 512) -> np.ndarray:
    """Bundled test face ``name`` (``<set>__<person>.png``), aligned at ``size``² from its shared original."""
    from flipnet_bench.data.align import warp_face
    from flipnet_bench.data.landmarks import load_landmarks_file

    folder, _, person = Path(name).stem.partition("__")
    landmarks = load_landmarks_file(WEBMORPH / "hq-webmorph" / "landmarks.json")
    return warp_face(
        read_image(WEBMORPH / "hq-webmorph" / folder / f"{person}.jpg"),
        landmarks[f"{folder}/{person}.jpg"],
        size,
    )


def draw_grid(out: Path, face: np.ndarray, samples: int = 4, tile: int = 256) -> None:
    """Rows: HQ then the presets; columns: ``samples`` draws (seed 0, indices 0..samples-1)."""
    from PIL import Image, ImageDraw, ImageFont

    rows = [("classic", p) for p in CLASSIC_PRESETS] + [("realesrgan", None)]
    label_w = 150
    sheet = Image.new("RGB", (label_w + tile * samples, tile * (len(rows) + 1)), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=18)
    small = lambda img: Image.fromarray(cv2.resize(img, (tile, tile), interpolation=cv2.INTER_AREA))  # noqa: E731
    sheet.paste(small(face), (label_w, 0))
    draw.text((8, tile // 2 - 10), "HQ 512x512", fill="black", font=font)
    hq = to_tensor(face).repeat(samples, 1, 1, 1)
    for r, (model, preset) in enumerate(rows, start=1):
        deg = create_degradation(model, **({"preset": preset} if preset else {}))
        lq = to_uint8(deg(hq, list(range(samples)), seed=0)[0])
        for c in range(samples):
            sheet.paste(small(lq[c]), (label_w + c * tile, r * tile))
        draw.text((8, r * tile + tile // 2 - 10), preset or model, fill="black", font=font)
    write_image(out, np.asarray(sheet))


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_of(fn, repeats: int = 2) -> float:
    return min(timed(fn) for _ in range(repeats))


def ours_once(deg, model: str, preset: str | None, hq: Path, out: Path, batch_size: int, workers: int):
    """File to file with the CLI's runner; each call writes a fresh folder, so nothing is skipped."""
    runs = iter(range(1000))
    return lambda: degrade_folder(
        deg,
        hq,
        out / str(next(runs)),
        seed=1,
        model=model,
        preset=preset,
        batch_size=batch_size,
        progress=False,
        io_workers=workers,
    )


def floor_once(files: list[Path], out: Path, workers: int):
    """Decode every PNG and write its pixels back as PNG, with the runner's I/O pool and nothing between."""

    def run() -> None:
        with ImageIOPool(workers) as pool:
            for path, decoded in zip(files, pool.read_many(files)):
                pool.write(out / path.name, decoded.result())

    return run


def reference_once(deg: ClassicDegradation, files: list[Path], out: Path):
    """File to file, one image at a time with cv2 (same PNG writer as ours: only the degradation differs)."""

    def loop() -> None:
        for i, path in enumerate(files):
            params = deg.sample_params(image_generator(1, i))
            img = np.ascontiguousarray(cv2.imread(str(path), cv2.IMREAD_COLOR)[:, :, ::-1])
            write_image(out / f"{i:04d}.png", classic_cv2(img, params))

    return loop


def interleaved(fns: dict[str, object], repeats: int) -> dict[str, float]:
    """Best time of each function, run in alternation so load changes hit all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(timed(fn))
    return {name: min(values) for name, values in times.items()}


def in_memory(deg, files: list[Path]) -> tuple[float, float | None]:
    """Degradation alone, ms/image: ours on one batch vs the cv2 reference per image."""
    imgs = [read_image(p) for p in files]
    hq = to_tensor(imgs)
    ours = best_of(lambda: deg(hq, list(range(len(imgs))), seed=1)) / len(imgs) * 1000
    if not isinstance(deg, ClassicDegradation):
        return ours, None
    params = [deg.sample_params(image_generator(1, i)) for i in range(len(imgs))]
    ref = best_of(lambda: [classic_cv2(img, p) for img, p in zip(imgs, params)]) / len(imgs) * 1000
    return ours, ref


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=24)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--threads", type=int, default=1, help="torch/cv2 threads")
    parser.add_argument(
        "--io-workers", type=int, default=default_io_workers(), help="I/O threads of ours and the floor"
    )
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved runs per cell (best is kept)")
    parser.add_argument("--grid", type=Path, help="draw the preset grid to this PNG instead of timing")
    parser.add_argument("--face", default="3dsk-female__agata.png", help="bundled test face for --grid")
    args = parser.parse_args()
    if args.grid:
        draw_grid(args.grid, grid_face(args.face))
        return
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = make_inputs(root / "hq", args.images, args.size)
        n = len(files)
        print(
            f"load average {os.getloadavg()[0]:.2f}; {n} images {args.size}², {args.threads} torch/cv2 "
            f"thread(s), {args.io_workers} I/O thread(s)"
        )
        print("| model / preset | ours img/s | per-image cv2 img/s | I/O floor img/s | ours ÷ floor (time) "
              "| seq. I/O floor img/s | degrade only, ours ms/img | degrade only, cv2 ms/img |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|")
        for model, preset in [("classic", p) for p in CLASSIC_PRESETS] + [("realesrgan", None)]:
            deg = create_degradation(model, **({"preset": preset} if preset else {}))
            fns = {
                "floor": floor_once(files, root / "io", args.io_workers),
                "seq_floor": floor_once(files, root / "io", 0),
                "ours": ours_once(
                    deg,
                    model,
                    preset,
                    root / "hq",
                    root / f"ours-{model}-{preset}",
                    args.batch_size,
                    args.io_workers,
                ),
            }
            if isinstance(deg, ClassicDegradation):
                fns["ref"] = reference_once(deg, files, root / "ref")
            best = interleaved(fns, args.repeats)
            mem_ours, mem_ref = in_memory(deg, files)
            label = f"{model} / {preset}" if preset else model
            ref_cell = f"{n / best['ref']:.1f}" if "ref" in best else "–"
            mem_ref_cell = f"{mem_ref:.1f}" if mem_ref else "–"
            print(
                f"| {label} | {n / best['ours']:.1f} | {ref_cell} | {n / best['floor']:.1f} "
                f"| {best['ours'] / best['floor']:.2f} | {n / best['seq_floor']:.1f} | {mem_ours:.1f} "
                f"| {mem_ref_cell} |"
            )
        print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
