"""Docs that cannot go stale: render the marked number blocks of README.md and docs/*.md from the pipeline's
outputs, and record or check the figures of docs/ (docs/figures.json).

    python scripts/render_docs.py                    # rewrite every <!-- BEGIN generated:NAME --> block and
                                                     # re-record the figures dvc.lock shows a stage made
    python scripts/render_docs.py --check            # exit 1 naming stale blocks and figures
    python scripts/render_docs.py --record docs/x.png [--command CMD --inputs PATH ...]
                                                     # after re-making a figure: record its inputs' hashes
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flipnet_bench.errors import BenchError  # noqa: E402
from flipnet_bench.io import atomic_open  # noqa: E402
from flipnet_bench.report import doc_blocks, figures  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when anything is stale")
    parser.add_argument("--record", metavar="FIGURE", help="record FIGURE (a path under docs/) as made now")
    parser.add_argument("--command", help="with --record: the command that makes the figure")
    parser.add_argument("--inputs", nargs="+", help="with --record: its inputs (paths, or dvc:OUTPUT)")
    parser.add_argument("--note", help="with --record: inputs outside the repository (no hash follows them)")
    args = parser.parse_args()
    try:
        if args.record:
            figures.record(ROOT, args.record, args.command, args.inputs, args.note)
            print(f"recorded {args.record} in {figures.RECORD}")
            return 0
        if args.check:
            blocks, figs = doc_blocks.stale_blocks(ROOT), figures.stale(ROOT)
            for path, names in blocks.items():
                print(
                    f"{path}: stale generated blocks {', '.join(names)} (run python scripts/render_docs.py)"
                )
            for figure, problems in figs.items():
                print(f"{figure}: " + "; ".join(problems))
            return 1 if blocks or figs else 0
        for figure in figures.refresh_pipeline_figures(ROOT):
            print(f"recorded {figure} (matches its dvc.lock entry)")
        outputs = doc_blocks.Outputs(ROOT)
        for path in doc_blocks.doc_files(ROOT):
            text = path.read_text(encoding="utf-8")
            rendered = doc_blocks.render_text(text, outputs, str(path))
            if rendered != text:
                with atomic_open(path, "w", encoding="utf-8") as handle:
                    handle.write(rendered)
                print(f"rendered {path.relative_to(ROOT)}")
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
