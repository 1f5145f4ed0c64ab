"""Building the small bundled default data set (``data/default``) from the full shared data folder.

Everything here is deterministic (sorted file lists, fixed selections, no randomness), so
``scripts/make_default_data.py`` rebuilds byte-identical files; the manifests prove it.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from flipnet_bench.data.align import LandmarkSource, flat_name, warp_face
from flipnet_bench.data.landmarks import Pick, load_landmarks_file
from flipnet_bench.errors import BenchError
from flipnet_bench.io import atomic_open, list_images, read_image, write_image, write_json

#: hq-webmorph groups held out for the test split (identity-disjoint from train: the london-neutral and
#: london-smiling sets show the same 102 people, so both stay in train), and how many of each (None = all).
HQ_TEST_GROUPS: dict[str, int | None] = {"canada": None, "3dsk-female": 12, "3dsk-male": 12}
#: real-lq-dev sub-folder → bundled dataset folder name.
REAL_LQ_SETS = {
    "LFW-Test": "lfw-test",
    "WebPhoto-Test": "webphoto-test",
    "Wider-Test": "wider-test",
    "CelebChild-Test": "celebchild-test",
    "CelebA": "celeba-real",
}
#: real-pairs set → number of pairs bundled (first N sorted by file name).
REAL_PAIR_COUNTS = {"polyu_cropped": 32, "cbdnet_nam": 25, "sidd_yilmaz": 12, "city100_iphone": 32}


@dataclass(frozen=True)
class HqJob:
    """One aligned HQ face to produce: source image, its key in the landmarks file, destination."""

    source: Path
    key: str
    split: str
    name: str
    pick: Pick


def _require(path: Path) -> Path:
    if not path.exists():
        raise BenchError(f"{path}: not found; pass the shared data folder (the one holding hq-webmorph/)")
    return path


def hq_jobs(shared: Path, lfw_count: int, train_suffix: str, test_suffix: str) -> list[HqJob]:
    """The fixed selection: all 344 hq-webmorph faces split by identity, plus ``lfw_count`` LFW faces (train).

    LFW faces are taken at evenly spaced positions of the sorted file list so that the subset spans the
    alphabet (and so nationalities/eras) instead of only names starting with "A".
    """
    web = _require(shared / "hq-webmorph")
    jobs: list[HqJob] = []
    for group in sorted(p.name for p in web.iterdir() if p.is_dir()):
        files = list_images(web / group)
        n_test = HQ_TEST_GROUPS.get(group, 0)
        n_test = len(files) if n_test is None else n_test
        for i, path in enumerate(files):
            split = "test" if i < n_test else "train"
            key = f"{group}/{path.name}"
            name = flat_name(key, test_suffix if split == "test" else train_suffix)
            jobs.append(HqJob(path, key, split, name, "largest"))
    lfw = list_images(_require(shared / "lfw-train"))
    if lfw_count > len(lfw):
        raise BenchError(f"--lfw-count {lfw_count} exceeds the {len(lfw)} images in {shared / 'lfw-train'}")
    picks = np.unique(np.linspace(0, len(lfw) - 1, lfw_count).round().astype(int)) if lfw_count else []
    for i in picks:
        path = lfw[int(i)]
        jobs.append(HqJob(path, f"lfw/{path.name}", "train", f"lfw__{path.stem}{train_suffix}", "center"))
    return jobs


def build_hq(shared: Path, out: Path, size: int = 128, lfw_count: int = 0, jpeg_train: bool = True) -> dict:
    """Align the HQ faces into ``out/train`` and ``out/test``; returns counts and the no-face list.

    hq-webmorph faces use landmarks.json when it lists them, MTCNN otherwise; LFW faces use MTCNN (centre
    face). ``out/landmarks_used.json`` records the 5 points and their origin for every face;
    ``out/no_face.txt`` lists sources where no face was found (none are dropped silently).
    """
    landmarks = load_landmarks_file(_require(shared / "hq-webmorph" / "landmarks.json"))
    jobs = hq_jobs(shared, lfw_count, ".jpg" if jpeg_train else ".png", ".png")
    sources = {pick: LandmarkSource(landmarks, "mtcnn", pick) for pick in ("largest", "center")}
    used: dict[str, dict] = {}
    no_face: list[str] = []
    for job in tqdm(jobs, desc="align HQ", unit="img"):
        image = read_image(job.source)
        pts, origin = sources[job.pick].points(job.key, image)
        if pts is None:
            no_face.append(job.key)
            continue
        write_image(out / job.split / job.name, warp_face(image, pts, size))
        used[f"{job.split}/{job.name}"] = {
            "source": job.key,
            "from": origin,
            "points": np.round(pts, 3).tolist(),
        }
    write_json(out / "landmarks_used.json", used)
    with atomic_open(out / "no_face.txt", "w", encoding="utf-8") as handle:
        handle.writelines(f"{key}\n" for key in no_face)
    counts = {split: sum(1 for k in used if k.startswith(split + "/")) for split in ("train", "test")}
    return {"counts": counts, "no_face": no_face}


def area_resize(image: np.ndarray, size: int) -> np.ndarray:
    """Square downscale with area averaging (the anti-aliased choice for integer factors such as 512→128)."""
    return np.ascontiguousarray(cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA))


def build_real_lq(shared: Path, out: Path, size: int = 128, count: int = 16) -> dict[str, int]:
    """First ``count`` sorted images of each real-lq-dev set, downscaled 512→``size`` (area), as PNG."""
    root = _require(shared / "real-lq-dev")
    counts = {}
    for folder, name in REAL_LQ_SETS.items():
        files = list_images(_require(root / folder))[:count]
        for path in files:
            write_image(out / name / (path.stem + ".png"), area_resize(read_image(path), size))
        counts[name] = len(files)
    return counts


def _crop_box(h: int, w: int, crop: int) -> tuple[int, int]:
    """Top-left of a centre crop, snapped to the 8-pixel JPEG block grid so compression blocks stay intact."""
    if h < crop or w < crop:
        raise BenchError(f"image of {w}x{h} is smaller than the {crop}px crop")
    return (h - crop) // 2 // 8 * 8, (w - crop) // 2 // 8 * 8


def build_real_pairs(shared: Path, out: Path, crop: int = 128) -> int:
    """Centre ``crop``² crops (native resolution: resizing would destroy the real noise) of real LQ/GT pairs.

    Writes ``out/lq/<set>__<stem>.png``, ``out/gt/<same>.png`` and ``out/pairs.csv`` (the shared pairs.csv
    rows of the chosen pairs plus the bundled name and crop box).
    """
    root = _require(shared / "real-pairs")
    with open(_require(root / "pairs.csv"), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    kept = []
    for set_name, n in REAL_PAIR_COUNTS.items():
        chosen = sorted((r for r in rows if r["set"] == set_name), key=lambda r: r["file"])[:n]
        if len(chosen) < n:
            raise BenchError(f"{root / 'pairs.csv'}: only {len(chosen)} pairs of set {set_name!r}, need {n}")
        for row in tqdm(chosen, desc=f"pairs {set_name}", unit="pair", leave=False):
            lq = read_image(root / set_name / "lq" / row["file"])
            gt = read_image(root / set_name / "gt" / row["file"])
            if lq.shape != gt.shape:
                raise BenchError(f"{set_name}/{row['file']}: lq {lq.shape} and gt {gt.shape} differ in size")
            top, left = _crop_box(lq.shape[0], lq.shape[1], crop)
            name = f"{set_name}__{Path(row['file']).stem}.png"
            for kind, img in (("lq", lq), ("gt", gt)):
                write_image(out / kind / name, img[top : top + crop, left : left + crop])
            kept.append({**row, "bundled_name": name, "crop_top": top, "crop_left": left, "crop_size": crop})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(kept[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(kept)
    with atomic_open(out / "pairs.csv", "w", encoding="utf-8") as handle:
        handle.write(buffer.getvalue())
    return len(kept)


#: Native-pixel crop of a 512²-aligned face used by the realism study: (top, left, height, width). The band
#: across eyes and nose holds the most texture; two whole 96-px NIQE blocks, on the 8-px JPEG grid.
REALISM_CROP = (208, 160, 96, 192)


def build_realism(
    shared: Path, out: Path, real_count: int = 12, real_skip: int = 16, hq_count: int = 8, crop: bool = True
) -> dict[str, int]:
    """Native-scale material of the realism study: real LQ and clean HQ at the 512² face scale.

    ``out/<set>/``: images ``real_skip … real_skip+real_count`` of each real-lq-dev set (disjoint from the
    ``real_count`` ≤ 16 shrunk copies in ``real-lq/``), ``out/hq/``: the first ``hq_count`` held-out
    hq-webmorph faces with file landmarks, aligned at 512². With ``crop`` each is cut to
    :data:`REALISM_CROP` (pixels untouched: resizing would remove the degradations being compared);
    without, whole 512² faces (the full-size run's HQ; its real sets are read from real-lq-dev directly).
    """
    top, left, h, w = REALISM_CROP

    def save(path: Path, image: np.ndarray) -> None:
        write_image(path, image[top : top + h, left : left + w] if crop else image)

    counts = {}
    root = _require(shared / "real-lq-dev")
    for folder, name in REAL_LQ_SETS.items() if real_count else ():
        files = list_images(_require(root / folder))[real_skip : real_skip + real_count]
        for path in files:
            save(out / name / (path.stem + ".png"), read_image(path))
        counts[name] = len(files)
    landmarks = load_landmarks_file(_require(shared / "hq-webmorph" / "landmarks.json"))
    jobs = [j for j in hq_jobs(shared, 0, ".png", ".png") if j.split == "test" and j.key in landmarks]
    for job in jobs[:hq_count]:
        save(out / "hq" / job.name, warp_face(read_image(job.source), landmarks[job.key], 512))
    counts["hq"] = min(hq_count, len(jobs))
    return counts


def contact_sheet(
    files: list[Path], count: int = 24, cols: int = 6, cell: int = 128, marks: bool = True
) -> np.ndarray:
    """A grid of ``count`` evenly spaced images of ``files`` (sorted), each resized to ``cell``²; with
    ``marks`` the 5 template points are drawn as small dots so alignment quality is visible at a glance."""
    from flipnet_bench.data.align import template

    if not files:
        raise BenchError("contact sheet: no images given")
    picks = [files[int(i)] for i in np.unique(np.linspace(0, len(files) - 1, count).round().astype(int))]
    rows = math.ceil(len(picks) / cols)
    sheet = np.full((rows * cell, cols * cell, 3), 255, np.uint8)
    for i, path in enumerate(picks):
        img = read_image(path)
        interp = cv2.INTER_AREA if img.shape[0] > cell else cv2.INTER_CUBIC
        img = cv2.resize(img, (cell, cell), interpolation=interp)
        if marks:
            for x, y in template(cell):
                cv2.circle(img, (round(x), round(y)), max(1, cell // 128), (0, 255, 0), -1, cv2.LINE_AA)
        r, c = divmod(i, cols)
        sheet[r * cell : (r + 1) * cell, c * cell : (c + 1) * cell] = img
    return sheet
