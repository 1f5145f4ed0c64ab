"""Where a restoration sample loses the face: the autoencoder's round trip beside the sampler's steps.

    python scripts/flipnet_trajectory.py --out docs/flipnet_trajectory.png \
        --checkpoint checkpoints/flipnet-tiny-latent-zsnr-r64-restoration-unet \
        --record benchmarks/results/flipnet_trajectory.jsonl

For the held-out synthetic test faces (``synthetic-celeba-test-style@hq-test``) it draws, per face: LQ | HQ |
the HQ encoded (posterior mean) and decoded by the checkpoint's autoencoder | that latent with Gaussian noise
of std ``--noise`` (scaled-latent units) added before decoding | the network's estimate x̂0 at the
sampler's steps ``--at`` (0 = the first) | the sample. The sample is drawn as published (from noise, with
the ``flipnet:`` scheduler and steps), face k's noise from a generator seeded k. ``--decoder DIR`` decodes
every column with that autoencoder folder's decoder (``flipnet.restore_decoder``). One JSON row with each
column's mean PSNR over the first ``--n`` faces, and the samples' latent error (the std of sample latent −
HQ latent over that of the HQ latents), goes to ``--record``; the first ``--show`` faces are drawn.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from flipnet_eval import grid  # noqa: E402

from flipnet_bench.config import load_section  # noqa: E402
from flipnet_bench.data.registry import get_dataset  # noqa: E402
from flipnet_bench.io import list_images, read_image, to_tensor  # noqa: E402
from flipnet_bench.models.flipnet.checkpoint import load_flipnet  # noqa: E402
from flipnet_bench.models.flipnet.embedding import RESTORE  # noqa: E402
from flipnet_bench.models.flipnet.pipeline import make_scheduler, to_model_resolution  # noqa: E402


def _psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((10 * torch.log10(1 / (a.clamp(0, 1) - b).pow(2).mean(dim=(1, 2, 3)))).mean())


@torch.no_grad()
def columns(
    model, lq: torch.Tensor, hq: torch.Tensor, noise: float, at: list[int], scheduler: str, steps: int
) -> tuple[list[tuple[str, torch.Tensor]], float]:
    """(name, images) of each column for LQ/HQ batches at the model's resolution, and the samples' latent
    error: the std of (sample latent − HQ latent) over the std of the HQ latents."""
    prior = model.prior
    z = prior.encode(hq)
    gen = torch.Generator().manual_seed(0)
    cols = [("LQ", lq), ("HQ", hq), ("HQ through the autoencoder", prior.decode(z))]
    cols.append(
        (f"that latent + noise {noise}", prior.decode(z + noise * torch.randn(z.shape, generator=gen)))
    )
    sched = make_scheduler(prior, scheduler, steps)
    x0_c, context = prior.encode(lq), model.context(lq, RESTORE)
    x = torch.stack([torch.randn(prior.sample_shape, generator=torch.Generator().manual_seed(k))
                     for k in range(lq.shape[0])]) * sched.init_noise_sigma  # fmt: skip
    cond_noise = model.condition_noise(x, torch.randn(x.shape, generator=gen))  # used unless cond_noise clean
    for i, t in enumerate(sched.timesteps):
        tt = torch.full((x.shape[0],), int(t), dtype=torch.long)
        x_in = sched.scale_model_input(x, t)
        xt_c, t_c = model.noised_condition(
            x0_c, cond_noise, tt
        )  # the condition stream as the model trained it
        eps, _ = model.eps_pair(x_in, xt_c, tt, context, t_c)
        if i in at:
            cols.append((f"x̂0 after step {i + 1}", prior.decode(prior.predicted_x0(sched, x_in, eps, tt))))
        x = sched.step(eps, t, x).prev_sample
    cols.append(("sample", prior.decode(x)))
    return cols, float((x - z).std() / z.std())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--decoder", default=None, help="decode with this autoencoder folder's decoder")
    ap.add_argument("--n", type=int, default=16, help="faces scored")
    ap.add_argument("--show", type=int, default=6, help="faces drawn")
    ap.add_argument("--noise", type=float, default=0.3)
    ap.add_argument("--at", type=int, nargs="+", default=[0, 4], help="sampler steps whose x̂0 is drawn")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--record", type=Path, default=None)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    fp = load_section("flipnet")
    model = load_flipnet(args.checkpoint)
    if args.decoder:
        model.prior.use_decoder(args.decoder)
    pairs = get_dataset("synthetic-celeba-test-style@hq-test")
    lqs = list_images(pairs.lq_root)[: args.n]
    hqs = {p.stem: p for p in list_images(pairs.gt_root)}
    lq = to_model_resolution(model.prior, torch.cat([to_tensor(read_image(p)) for p in lqs]))
    hq = to_model_resolution(model.prior, torch.cat([to_tensor(read_image(hqs[p.stem])) for p in lqs]))
    cols, latent_error = columns(model, lq, hq, args.noise, args.at, fp.scheduler, fp.sample_steps)
    scores = {name: round(_psnr(images, hq), 2) for name, images in cols[2:]}
    print(json.dumps({**scores, "latent error": round(latent_error, 3)}, ensure_ascii=False))
    grid([[images[k] for _, images in cols] for k in range(min(args.show, args.n))], args.out)
    if args.record:
        row = {"checkpoint": str(args.checkpoint), "decoder": args.decoder, "faces": args.n, "psnr": scores,
               "latent_error": round(latent_error, 4)}  # fmt: skip
        with args.record.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
