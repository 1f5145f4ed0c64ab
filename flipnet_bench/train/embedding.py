"""Face-embedding training: stage I (HQ and LQ autoencoders) then stage II (contrastive HQ/LQ alignment).

LQ partners of the HQ faces are made online with the classic degradation preset ``flipnet.train_preset``
(at the bundled 128² resolution, then resized to the embedding resolution); unpaired real-world LQ faces
(``--lq-real``) join the LQ autoencoder's stage-I data so its code also covers real degradations.
Stage I loss: L1 + w·(1 − SSIM) (an SSIM-style structural term instead of a perceptual network, whose weights
cannot be downloaded here). Stage II: symmetric InfoNCE + the reconstruction loss at a reduced weight.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F

from flipnet_bench.config import to_dict
from flipnet_bench.errors import BenchError
from flipnet_bench.models.flipnet.embedding import FaceEmbedding, contrastive_loss
from flipnet_bench.models.flipnet.params import EmbeddingParams, FlipnetParams
from flipnet_bench.train.common import (
    TIME_FILE,
    LoopConfig,
    load_faces,
    resize_square,
    run_loop,
    sample_batch,
)
from flipnet_bench.train.losses import OnlineDegrader, ssim_loss

EMBEDDING_WEIGHTS = "embedding.safetensors"
EMBEDDING_CONFIG = "embedding.json"


def recon_loss(ae: torch.nn.Module, images: torch.Tensor, ssim_weight: float) -> torch.Tensor:
    rec = ae.decode(ae.encode(images))
    return F.l1_loss(rec, images) + ssim_weight * ssim_loss(rec, images)


def save_embedding(
    emb: FaceEmbedding, params: EmbeddingParams, folder: Path, state: dict[str, torch.Tensor] | None = None
) -> None:
    from safetensors.torch import save_file

    from flipnet_bench.io import atomic_path, write_json

    folder.mkdir(parents=True, exist_ok=True)
    sd = {k: v.detach().contiguous() for k, v in (state or emb.state_dict()).items()}
    with atomic_path(folder / EMBEDDING_WEIGHTS) as tmp:
        save_file(sd, str(tmp), metadata={"kind": "flipnet-embedding"})
    write_json(
        folder / EMBEDDING_CONFIG, {"dim": params.dim, "width": params.width, "resolution": params.resolution}
    )


def load_embedding(folder: str | Path) -> FaceEmbedding:
    """The face embedding saved by ``train embedding`` (``embedding.safetensors`` + ``embedding.json``)."""
    from safetensors.torch import load_file

    folder = Path(folder)
    if not (folder / EMBEDDING_WEIGHTS).is_file() or not (folder / EMBEDDING_CONFIG).is_file():
        raise BenchError(
            f"{folder}: no face embedding here ({EMBEDDING_WEIGHTS} + {EMBEDDING_CONFIG}); "
            "run `flipnet-bench train embedding` first"
        )
    cfg = json.loads((folder / EMBEDDING_CONFIG).read_text(encoding="utf-8"))
    emb = FaceEmbedding(int(cfg["dim"]), int(cfg["width"]), int(cfg["resolution"]))
    emb.load_state_dict(load_file(str(folder / EMBEDDING_WEIGHTS)))
    return emb


def train_embedding(
    hq_dir: Path,
    lq_real: list[Path],
    out: Path,
    params: FlipnetParams,
    data_resolution: int = 128,
    records: Path | None = None,
) -> FaceEmbedding:
    """Run (or resume) stages I and II; writes ``out/embedding.safetensors`` and returns the embedding.
    ``records``: folder for the machine-specific step timings (default: each stage's own folder)."""
    ep = params.embedding
    torch.manual_seed(params.seed)
    emb = FaceEmbedding(ep.dim, ep.width, ep.resolution)
    hq = load_faces(hq_dir, data_resolution, desc="HQ faces")
    real = load_faces(lq_real, ep.resolution, desc="real LQ faces") if lq_real else None
    degrader = OnlineDegrader(params.train_preset, params.seed)

    def pairs(step: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        h = sample_batch(hq, ep.batch_size, gen)
        lq = degrader(h, step)
        return resize_square(h, ep.resolution), resize_square(lq, ep.resolution)

    def stage1(model: FaceEmbedding, step: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
        h, lq = pairs(step, gen)
        if real is not None:  # half of the LQ autoencoder's batch are real-world LQ faces
            k = ep.batch_size // 2
            lq = torch.cat([lq[:k], sample_batch(real, ep.batch_size - k, gen)])
        l_hq, l_lq = recon_loss(model.hq, h, ep.ssim_weight), recon_loss(model.lq, lq, ep.ssim_weight)
        return {"loss": l_hq + l_lq, "recon_hq": l_hq, "recon_lq": l_lq}

    def stage2(model: FaceEmbedding, step: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
        h, lq = pairs(1_000_000 + step, gen)
        nce = contrastive_loss(model.embed(h, "hq"), model.embed(lq, "lq"), model.logit_scale)
        rec = recon_loss(model.hq, h, ep.ssim_weight) + recon_loss(model.lq, lq, ep.ssim_weight)
        return {"loss": nce + ep.recon_weight * rec, "infonce": nce, "recon": rec}

    common = {"lr": ep.lr, "seed": params.seed, "save_every": max(ep.steps_autoencoder // 3, 10)}
    stages = ((ep.steps_autoencoder, "I", stage1), (ep.steps_contrastive, "II", stage2))
    for k, (steps, name, step_fn) in enumerate(stages, start=1):
        loop = LoopConfig(
            out=out / f"stage{k}", steps=steps, desc=f"embedding {name}", times=_times(records, k), **common
        )
        if not run_loop(loop, emb, step_fn).finished:
            raise BenchError(f"embedding stage {name} stopped early; re-run to resume")
    save_embedding(emb, ep, out)
    return emb


def _times(records: Path | None, stage: int) -> Path | None:
    return None if records is None else Path(records) / f"stage{stage}_{TIME_FILE}"


def train_embedding_folder(
    hq: Path, lq_real: list[Path], out: Path, params: FlipnetParams, records: Path | None = None
) -> Path:
    """Train (or resume) the embedding into ``out`` and record its settings beside it; returns the weights.

    The entry point of `flipnet-bench train embedding` (the embedding inside the shipped ``flipnet.base``)."""
    from flipnet_bench.io import write_json

    out = Path(out)
    train_embedding(Path(hq), [Path(p) for p in lq_real], out, params, records=records)
    write_json(out / "params.json", to_dict(params.embedding))
    return out / EMBEDDING_WEIGHTS
