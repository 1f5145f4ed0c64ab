"""``flipnet-bench weights list|fetch``: see and fill the weights cache."""

from __future__ import annotations

import argparse


def _list(args: argparse.Namespace) -> int:
    from flipnet_bench.weights.cache import cache_dir
    from flipnet_bench.weights.specs import all_specs

    print(f"cache: {cache_dir()}")
    print(f"{'name':24s} {'cached':7s} {'sha256':16s} source")
    for spec in all_specs():
        path = cache_dir() / spec.filename
        cached = "yes" if path.is_file() else ("local" if not spec.sources else "no")
        sha = (spec.sha256 or "(local file)")[:16]
        source = spec.sources[0].describe() if spec.sources else f"params key {spec.local_path_param}"
        print(f"{spec.name:24s} {cached:7s} {sha:16s} {source}")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from flipnet_bench.weights.manager import fetch

    for name, path in fetch(args.names or None, force=args.force).items():
        print(f"{name}: {path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("weights", help="list or fetch pretrained weights (hash-verified cache)")
    sub = parser.add_subparsers(dest="weights_command", required=True, metavar="ACTION")
    p_list = sub.add_parser("list", help="show every weight: name, cached?, sha256, source")
    p_list.set_defaults(func=_list)
    p_fetch = sub.add_parser("fetch", help="materialise weights into the cache (default: all downloadable)")
    p_fetch.add_argument("names", nargs="*", help="weight names (see `weights list`)")
    p_fetch.add_argument("--force", action="store_true", help="re-materialise even if cached and valid")
    p_fetch.set_defaults(func=_fetch)
