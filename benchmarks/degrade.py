"""End-to-end speed of ``flipnet-bench degrade --model classic`` against a plain per-image numpy/cv2 script.

Both are timed the same way: a whole process (interpreter start-up, imports, every file read and written,
our metadata and parameter records) on the same folder of real 512² faces (default 200 of
``../shared/data/real-lq-dev``), runs interleaved A/B, B/A, ... so that load from other processes hits both
alike; the ratio is taken per adjacent pair. The baseline is ``benchmarks/degrade_cv2.py`` (GFPGAN's chain
with library defaults: blur → downscale → noise → JPEG → upscale, PNGs written by ``cv2.imwrite``), fed the
preset's own ranges. It has no colour options, so ours runs with the preset's colour shift, colour jitter and
grayscale probabilities set to 0 (``--with-colour`` keeps them: ours then does more work than the baseline).

``classic_cv2`` is the per-image cv2 version of our chain with *our* sampled parameters: the parity
reference of tests/test_degrade_classic.py. ``--grid`` draws ``docs/degrade_grid.png``: one face (a bundled
test face, re-aligned at 512² from its shared source) under every preset, 4 samples each. ::

    python benchmarks/degrade.py [--images 200] [--repeats 5] [--preset gfpgan] [--one-thread] [--json OUT]
    python benchmarks/degrade.py --stages [--images 50]     # CPU time per stage, both sides, one thread
    python benchmarks/degrade.py --profile OUT.prof         # one run of ours under cProfile
    python benchmarks/degrade.py --grid docs/degrade_grid.png [--face 3dsk-female__agata.png]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from flipnet_bench.degrade import create_degradation
from flipnet_bench.degrade.calls import planar_tensor
from flipnet_bench.degrade.color import color_jitter
from flipnet_bench.degrade.kernels import build_kernel
from flipnet_bench.degrade.presets import CLASSIC_PRESETS, classic_config
from flipnet_bench.io import read_image, to_tensor, to_uint8, write_image

REPO = Path(__file__).resolve().parents[1]
WEBMORPH = Path(os.environ.get("FLIPNET_SHARED", REPO.parent / "shared")) / "data"
BASELINE = Path(__file__).resolve().with_name("degrade_cv2.py")
#: The classic config keys the baseline script implements (its ranges come from the preset).
BASELINE_KEYS = ("kernel_size", "blur_sigma", "downsample_range", "noise_range", "jpeg_range")
NO_COLOUR = ("color_jitter_prob=0", "color_jitter_pt_prob=0", "gray_prob=0")


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


def pick_inputs(folder: Path, count: int) -> Path:
    """``count`` faces spread evenly over ``real-lq-dev`` (sorted), linked flat into ``folder``."""
    sources = sorted((WEBMORPH / "real-lq-dev").rglob("*.png"))
    if len(sources) < count:
        raise SystemExit(f"need {count} PNGs under {WEBMORPH / 'real-lq-dev'} (set FLIPNET_SHARED)")
    folder.mkdir(parents=True)
    for i in range(count):
        src = sources[i * len(sources) // count]
        dst = folder / f"{src.parent.name}__{src.name}"
        try:
            os.link(src, dst)
        except OSError:  # another file system
            shutil.copyfile(src, dst)
    return folder


def commands(hq: Path, out: Path, preset: str, colour: bool, one_thread: bool) -> dict[str, list[str]]:
    """The whole-process commands: ours (the installed ``flipnet-bench``), the cv2 script and, with
    ``one_thread``, ours on one thread (``OMP_NUM_THREADS=1 --io-workers 0``: no worker threads)."""
    cfg = {k: v for k, v in vars(classic_config(preset)).items() if k in BASELINE_KEYS}
    cli = Path(sys.executable).with_name("flipnet-bench")
    sets = [] if colour else [arg for item in NO_COLOUR for arg in ("--set", item)]
    ours = [str(cli), "degrade", "--model", "classic", "--preset", preset, "--hq", str(hq)]
    cmds = {
        "ours": [*ours, "--out", str(out / "ours"), "--quiet", *sets],
        "cv2": [sys.executable, str(BASELINE), str(hq), str(out / "cv2"), "--config", json.dumps(cfg)],
    }
    if one_thread:
        one = ["env", "OMP_NUM_THREADS=1", *ours, "--out", str(out / "ours1"), "--io-workers", "0"]
        cmds["ours 1 thread"] = [*one, "--quiet", *sets]
    return cmds


def stages(hq: Path, preset: str, colour: bool) -> None:
    """CPU milliseconds per image of each stage, one thread, both sides: where the end-to-end time goes."""
    import degrade_cv2

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    files = sorted(hq.glob("*.png"))
    overrides = {} if colour else {item.split("=")[0]: 0 for item in NO_COLOUR}
    deg = create_degradation("classic", preset=preset, **overrides)
    cfg = {k: v for k, v in vars(classic_config(preset)).items() if k in BASELINE_KEYS}
    out = hq.parent / "stages"
    rgb, bgr = [read_image(f) for f in files], [cv2.imread(str(f)) for f in files]
    hq_t = [planar_tensor(a) for a in rgb]  # one image per call, as the runner's worker threads do
    lq_t = [deg(t, [i], seed=1)[0] for i, t in enumerate(hq_t)]
    lq_u8 = [to_uint8(t)[0] for t in lq_t]
    rng = np.random.default_rng(0)
    lq_bgr = [degrade_cv2.degrade(b, cfg, rng) for b in bgr]
    out.mkdir()
    ours_png = [(out / f.name, a) for f, a in zip(files, lq_u8)]
    cv2_png = [(str(out / f"cv2-{f.name}"), b) for f, b in zip(files, lq_bgr)]
    rows = {
        "ours: read_image (PIL decode)": lambda: [read_image(f) for f in files],
        "ours: planar_tensor": lambda: [planar_tensor(a) for a in rgb],
        "ours: degradation (classic, per image)": lambda: [deg(t, [i], seed=1) for i, t in enumerate(hq_t)],
        "ours: to_uint8": lambda: [to_uint8(t) for t in lq_t],
        "ours: write_image (cv2 PNG, Paeth, atomic)": lambda: [write_image(path, a) for path, a in ours_png],
        "cv2: cv2.imread": lambda: [cv2.imread(str(f)) for f in files],
        "cv2: degradation (cv2/numpy)": lambda: [degrade_cv2.degrade(b, cfg, rng) for b in bgr],
        "cv2: cv2.imwrite (defaults)": lambda: [cv2.imwrite(path, b) for path, b in cv2_png],
    }  # fmt: skip
    print(f"| stage ({len(files)} images 512², one thread) | CPU ms / image |")
    print("|---|---|")
    for name, fn in rows.items():
        start = time.process_time()
        fn()
        print(f"| {name} | {(time.process_time() - start) / len(files) * 1000:.1f} |")


def write_results(
    path: Path,
    title: str,
    cmds: dict[str, list[str]],
    times: dict[str, list[float]],
    cpu: dict[str, list[float]],
    pairs: list[tuple[str, str]],
    load_before: tuple[float, float, float],
) -> None:
    """The benchmark's record (the schema the README's performance rows are rendered from)."""
    import statistics
    from datetime import UTC, datetime

    from flipnet_bench.environment import cpu_info

    def summary(values: list[float]) -> dict[str, float]:
        return {"min": min(values), "median": statistics.median(values), "max": max(values)}

    labels = {"ours": "flipnet-bench degrade --model classic", "cv2": "plain per-image cv2 script",
              "ours 1 thread": "flipnet-bench degrade, one thread, no workers"}  # fmt: skip
    rows = [
        {"label": labels.get(name, name), "key": name, "command": " ".join(Path(a).name if "/" in a else a
         for a in cmds[name][:12]), "wall_s": times[name], **summary(times[name]), "peak_rss_mib": None,
         "cpu_s": cpu[name]}
        for name in cmds
    ]  # fmt: skip
    ratios = []
    for ours, base in pairs:
        per_pair = [tb / to for to, tb in zip(times[ours], times[base])]
        ratios.append({"a": labels.get(ours, ours), "b": labels.get(base, base), "per_pair": per_pair,
                       **summary(per_pair)})  # fmt: skip
    record = {
        "title": title,
        "when_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_before": list(load_before),
        "cpu": str(cpu_info().get("model", "unknown")),
        "argv": " ".join(["python", "benchmarks/degrade.py", *sys.argv[1:]]),
        "rows": rows,
        "ratios": ratios,
    }
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    from ab import interleave, report, run_process, spread  # benchmarks/ (the script's folder)

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5, help="interleaved runs of each command")
    parser.add_argument("--preset", default="gfpgan", choices=sorted(CLASSIC_PRESETS))
    parser.add_argument("--with-colour", action="store_true", help="keep the preset's colour options (ours)")
    parser.add_argument("--json", type=Path, help="also write the raw times here")
    parser.add_argument("--profile", type=Path, help="instead: one run of ours under cProfile, stats here")
    parser.add_argument("--stages", action="store_true", help="instead: CPU time per stage, both sides")
    parser.add_argument("--one-thread", action="store_true", help="also time ours on one thread")
    parser.add_argument("--grid", type=Path, help="draw the preset grid to this PNG instead of timing")
    parser.add_argument("--face", default="3dsk-female__agata.png", help="bundled test face for --grid")
    args = parser.parse_args()
    if args.grid:
        draw_grid(args.grid, grid_face(args.face))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        hq = pick_inputs(root / "hq", args.images)
        if args.stages:
            stages(hq, args.preset, args.with_colour)
            return
        cmds = commands(hq, root, args.preset, args.with_colour, args.one_thread)
        if args.profile:
            cmds = {"ours": [sys.executable, "-m", "cProfile", "-o", str(args.profile), "-m",
                             "flipnet_bench.cli", *cmds["ours"][1:]]}  # fmt: skip

        cpu: dict[str, list[float]] = {name: [] for name in cmds}

        def side(name: str):
            def run() -> float:
                for folder in ("ours", "ours1", "cv2"):  # fresh folders: ours must not resume
                    shutil.rmtree(root / folder, ignore_errors=True)
                wall, used = run_process(cmds[name])
                cpu[name].append(used)
                return wall

            return run

        load_before = os.getloadavg()
        times = interleave({name: side(name) for name in cmds}, 1 if args.profile else args.repeats)
    if args.profile:
        print(f"ours under cProfile: {times['ours'][0]:.2f} s; stats in {args.profile}")
        return
    omp = os.environ.get("OMP_NUM_THREADS", "unset")
    title = (
        f"{args.images} images 512², preset {args.preset}{'' if args.with_colour else ' without colour'}, "
        f"{args.repeats} interleaved runs each, OMP_NUM_THREADS {omp}; load average before {load_before}"
    )
    info = {
        "images": args.images,
        "preset": args.preset,
        "colour": args.with_colour,
        "load_before": load_before,
        "cpu_s": cpu,
    }
    pairs = [("ours", "cv2")] + ([("ours", "ours 1 thread")] if args.one_thread else [])
    report(title, times, pairs, None, **info)
    if args.json:
        write_results(args.json, title, cmds, times, cpu, pairs, load_before)
    # CPU time hardly depends on the load: it says what the wall times would be on idle cores.
    for name, values in cpu.items():
        print(f"| {name}: CPU s (user + system), min / median / max | {spread(values)} |")


if __name__ == "__main__":
    main()
