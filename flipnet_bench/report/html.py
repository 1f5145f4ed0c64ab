"""The HTML leaderboard: one self-contained page (inline CSS/JS, thumbnails beside it) that works from file://.

Sortable main table (click a header), a comparison grid per set (LQ | every method | GT) and a per-image
drill-down (click a set) listing every image's thumbnails and per-image metric values. The table rows are
built by the page's script from embedded JSON, so a headless-browser test proves the page actually renders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flipnet_bench.io import atomic_open, list_images, read_image, stem_key, to_tensor, to_uint8, write_image
from flipnet_bench.report.evaluate import resize_image
from flipnet_bench.report.leaderboard import LABELS, Board, cell_text, method_label

_TEMPLATE = Path(__file__).with_name("leaderboard_template.html")


def make_thumbnails(
    folders: dict[str, Path | None], out_dir: Path, size: int, limit: int | None = None
) -> dict[str, dict[str, str]]:
    """``column → folder`` → ``key → column → relative thumbnail path`` (first ``limit`` keys of the LQ)."""
    by_key: dict[str, dict[str, str]] = {}
    lq = folders.get("lq")
    keys = sorted(stem_key(lq, p) for p in list_images(lq, recursive=True)) if lq else []
    keys = keys[:limit] if limit else keys
    for column, folder in folders.items():
        if folder is None or not Path(folder).is_dir():
            continue
        files = {stem_key(folder, p): p for p in list_images(folder, recursive=True)}
        for key in keys:
            if key not in files:
                continue
            target = out_dir / column / f"{key}.png"
            image = resize_image(to_tensor(read_image(files[key])), size)
            write_image(target, to_uint8(image)[0])
            by_key.setdefault(key, {})[column] = target.as_posix()
    return by_key


def page_data(board: Board, per_image: dict[str, Any], thumbs: dict[str, Any], base: Path) -> dict[str, Any]:
    """Everything the page script needs, as plain JSON (thumbnail paths relative to the page)."""
    rows = []
    for s, m in board.rows():
        values = {}
        for name, cell in board.cells[(s, m)].items():
            values[name] = {
                "v": cell.value,
                "ci": cell.ci95,
                "best": cell.best,
                "text": cell_text(cell, False),
            }
        ranked = m not in board.reference_rows and (s, m) not in board.gate_failed
        rows.append({"set": s, "method": m, "label": method_label(board, m, s), "values": values,
                     "ranked": ranked})  # fmt: skip

    def rel(path: str) -> str:
        return Path(path).resolve().relative_to(base.resolve()).as_posix()

    return {
        "metrics": board.metrics,
        "labels": {m: LABELS.get(m, m) for m in board.metrics},
        "higher": board.higher_is_better,
        "methods": board.methods,
        "sets": [s for s in board.sets if s in board.set_info],
        "setInfo": board.set_info,
        "rows": rows,
        "perImage": per_image,
        "thumbs": {
            s: {k: {c: rel(p) for c, p in cols.items()} for k, cols in t.items()} for s, t in thumbs.items()
        },
        "definitions": {m: board.definitions.get(m, {}) for m in board.metrics},
        "evaluation": board.evaluation,
    }


def write_html(path: Path, data: dict[str, Any]) -> None:
    """Fill the template with ``data`` (``</`` escaped so the JSON cannot close the script element)."""
    payload = json.dumps(data, sort_keys=True, allow_nan=False).replace("</", "<\\/")
    html = _TEMPLATE.read_text(encoding="utf-8").replace("/*__DATA__*/null", payload)
    with atomic_open(path, "w", encoding="utf-8") as handle:
        handle.write(html)
