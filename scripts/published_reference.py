"""Write the reference data of the published architectures that no PyPI package ships (GPEN, RestoreFormer++).

Run once, from checkouts of the official repositories (their code is executed here, never by the tests):

    .venv/bin/python scripts/published_reference.py --gpen PATH/TO/yangxy/GPEN \
        --restoreformerpp PATH/TO/wzhouxiff/RestoreFormerPlusPlus

For each architecture it writes, under tests/data/published/:
- ``<name>_keys.json``: every state-dict key and shape of the official model as the official inference builds
  it (GPEN-BFR-512: ``FullGenerator(512, 512, 8, 2, narrow=1)``; RestoreFormer++:
  ``VQVAEGANMultiHeadTransformer(head_size=4, ex_multi_scale_num=1)``), with the source commit;
- ``<name>_small.npz``: the official model's output in a small configuration (``config`` in the file) for a
  fixed input, with its weights drawn from a seeded generator in sorted key order (``seeded_state_dict``),
  so that the test can rebuild the same weights for the suite's model and compare outputs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "published"
sys.path.insert(0, str(OUT.parents[2]))

from tests.published_keys import SMALL_CONFIGS, reference_input, seeded_state_dict  # noqa: E402


def _commit(repo: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _write(name: str, model: torch.nn.Module, small: torch.nn.Module, source: str, forward) -> None:  # noqa: ANN001
    keys = {k: list(v.shape) for k, v in model.state_dict().items()}
    (OUT / f"{name}_keys.json").write_text(json.dumps({"source": source, "keys": keys}, indent=0) + "\n")
    small.load_state_dict(seeded_state_dict({k: tuple(v.shape) for k, v in small.state_dict().items()}))
    small.eval()
    x = reference_input(SMALL_CONFIGS[name]["input"])
    with torch.no_grad():
        out = forward(small, x).numpy()
    np.savez_compressed(OUT / f"{name}_small.npz", output=out, config=json.dumps(SMALL_CONFIGS[name]))
    print(f"{name}: {len(keys)} keys; small output {out.shape}, |max| {np.abs(out).max():.4f}")


def gpen(repo: Path, commit: str) -> None:
    sys.path.insert(0, str(repo / "face_model"))
    import gpen_model  # the official module (its CUDA ops compile only when CUDA is present)

    cfg = SMALL_CONFIGS["gpen_bfr_512"]["model"]
    _write("gpen_bfr_512", gpen_model.FullGenerator(512, 512, 8, 2, narrow=1),
           gpen_model.FullGenerator(cfg["size"], cfg["style_dim"], cfg["n_mlp"], cfg["channel_multiplier"],
                                    narrow=cfg["narrow"]),
           f"yangxy/GPEN@{commit or _commit(repo)} face_model/gpen_model.py",
           lambda m, x: m(x)[0])  # fmt: skip


def restoreformerpp(repo: Path, commit: str) -> None:
    sys.path.insert(0, str(repo / "RestoreFormer" / "modules" / "vqvae"))
    import vqvae_arch  # the official module

    cfg = SMALL_CONFIGS["restoreformer_pp"]["model"]
    _write("restoreformer_pp", vqvae_arch.VQVAEGANMultiHeadTransformer(head_size=4, ex_multi_scale_num=1),
           vqvae_arch.VQVAEGANMultiHeadTransformer(**cfg),
           f"wzhouxiff/RestoreFormerPlusPlus@{commit or _commit(repo)} "
           "RestoreFormer/modules/vqvae/vqvae_arch.py",
           lambda m, x: m(x)[0])  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gpen", type=Path, help="checkout of github.com/yangxy/GPEN")
    parser.add_argument(
        "--restoreformerpp", type=Path, help="checkout of github.com/wzhouxiff/RestoreFormerPlusPlus"
    )
    parser.add_argument(
        "--commit",
        action="append",
        default=[],
        metavar="NAME=SHA",
        help="source commit to record when the checkout is not a git work tree (gpen=…)",
    )
    args = parser.parse_args()
    commits = dict(c.split("=", 1) for c in args.commit)
    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.gpen:
        gpen(args.gpen, commits.get("gpen", ""))
    if args.restoreformerpp:
        restoreformerpp(args.restoreformerpp, commits.get("restoreformerpp", ""))
