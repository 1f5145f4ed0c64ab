"""``flipnet-bench protocols`` (list them with their definitions) and ``score --protocol NAME``'s handler.

Only argument definitions and the light protocol data are imported here; scoring imports on use.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _protocols(args: argparse.Namespace) -> int:
    from flipnet_bench.protocols import PROTOCOLS

    names = [args.name] if args.name else PROTOCOLS.names()
    if args.json:
        print(json.dumps([PROTOCOLS.get(n).describe() for n in names], indent=2))
        return 0
    for name in names:
        d = PROTOCOLS.get(name).describe()
        print(f"{d['name']}: {d['title']} ({d['source']})")
        for key in ("inputs", "image_size", "resize", "crop", "alignment", "rows"):
            print(f"  {key}: {d[key]}")
        for c in d["columns"]:
            metric = c["metric"] or "(not implemented)"
            opts = f" {c['options']}" if c["options"] else ""
            extra = " [optional]" if c["optional"] else ""
            print(f"  - {c['column']} <- {metric}{opts}; comparable: {c['comparable']}{extra}")
            print(f"      {c['definition']}")
            if c["asset"]:
                print(f"      needs {c['asset']['file']} ({c['asset']['flag']})")
        if "composite" in d:
            print(f"  {d['composite']['name']} = {d['composite']['formula']}")
        if "identity_gate" in d:
            print(f"  identity gate on {d['identity_gate']['column']}: {d['identity_gate']['thresholds']}")
        for note in d["notes"]:
            print(f"  note: {note}")
    return 0


def score_with_protocol(args: argparse.Namespace) -> int:
    """``flipnet-bench score --protocol NAME``: every column of the protocol, unavailable ones named."""
    from flipnet_bench.config import load_section
    from flipnet_bench.io import write_json
    from flipnet_bench.protocols import get_protocol
    from flipnet_bench.protocols.published import NUMBERS, attach_published, published_cell
    from flipnet_bench.protocols.run import Inputs, score_protocol

    params_file = args.params or ("params.yaml" if Path("params.yaml").is_file() else None)
    params = load_section("score", params_file) if params_file else None
    face = load_section("face_metrics", params_file) if params_file else None
    given = Inputs(*(Path(v) if v else None for v in (args.lq, args.gt, args.mmse, args.ref, args.ref_stats)))
    report = score_protocol(get_protocol(args.protocol), args.pred, given, args.set, params, face,
                            qalign=args.qalign, lenient=args.lenient)  # fmt: skip
    attach_published(report, Path(args.pred))
    write_json(args.out, report)
    for row in report["rows"]:
        print(f"[{row['set']}] n={row['n']}")
        if "published" in row:
            print(f"  (published: {row['published_method']}; sources in {NUMBERS.name})")
        for column, cell in row["columns"].items():
            pub = published_cell(row, column)
            if cell["status"] == "ok":
                print(f"  {column:10s} {cell['value']:.4f}{pub}")
            else:
                how = cell.get("how_to_get")
                hint = f"\n{'':13s}needs {how['file']} from {how['source']}; {how['flag']}" if how else ""
                print(f"  {column:10s} {cell['status'].upper()}: {cell['reason']}{pub}{hint}")
        if "composite" in row:
            c = row["composite"]
            shown = f"{c['value']:.4f}" if c["value"] is not None else "INCOMPLETE"
            print(f"  {c['name']}: {shown} {c['note']}".rstrip())
        if "identity_gate" in row:
            g = row["identity_gate"]
            verdict = " (FAILS: not ranked)" if g.get("fails") else " (passes)"
            shown = (
                f"{g['below']}/{g['n']} below {g.get('threshold', 'the set thresholds')}{verdict}"
                if g["status"] == "ok"
                else f"UNAVAILABLE: {g['reason']}"
            )
            print(f"  identity gate: {shown}")
    print(f"wrote {args.out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("protocols", help="list the evaluation protocols and their definitions")
    p.add_argument("name", nargs="?", help="show only this protocol")
    p.add_argument("--json", action="store_true", help="print the definitions as JSON")
    p.set_defaults(func=_protocols)
