"""The latent miniature: ``train autoencoder``, the latent prior on its latents, BoostHub's K from Q."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from flipnet_bench.errors import BenchError
from flipnet_bench.io import write_image
from flipnet_bench.models.flipnet.boosthub import BoostHubProcessor
from flipnet_bench.models.flipnet.configs import get_config
from flipnet_bench.models.flipnet.embedding import FaceEmbedding
from flipnet_bench.models.flipnet.model import Flipnet, FlipnetArch
from flipnet_bench.models.flipnet.prior import DiffusionPrior, load_prior
from flipnet_bench.train.autoencoder import load_autoencoder, train_autoencoder
from flipnet_bench.train.autoencoder_config import AutoencoderTrainConfig
from flipnet_bench.train.prior import PriorTrainConfig, train_prior


@pytest.fixture(scope="module")
def faces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("faces")
    rng = np.random.default_rng(0)
    for i in range(6):
        write_image(folder / f"f{i}.png", rng.integers(0, 256, (20, 20, 3), dtype=np.uint8))
    return folder


AE = AutoencoderTrainConfig(
    config="micro-latent", steps=4, batch_size=2, warmup=1, lpips_weight=0.0, save_every=2, seed=1
)


def test_tiny_latent_has_attention_at_every_latent_level():
    cfg = get_config("tiny-latent")
    assert cfg.resolution == 128 and cfg.space == "latent"
    assert all(t.startswith("CrossAttn") for t in cfg.unet["down_block_types"] + cfg.unet["up_block_types"])
    prior = DiffusionPrior(cfg)
    assert prior.sample_shape == (4, 32, 32)  # 128² → 32² × 4: two downsamples
    # diffusers reads attention_head_dim as a head count: every head (and so every BoostHub head) is 32 wide
    attn = [m for n, m in prior.unet.named_modules() if n.endswith(("attn1", "attn2"))]
    assert len(attn) == 2 * 10 and {m.inner_dim // m.heads for m in attn} == {32}


def test_autoencoder_trains_resumes_bit_exactly_and_exports_its_scale(faces: Path, tmp_path: Path):
    train_autoencoder(faces, tmp_path / "straight", AE)
    train_autoencoder(faces, tmp_path / "resumed", AutoencoderTrainConfig(**{**AE.__dict__, "steps": 2}))
    train_autoencoder(faces, tmp_path / "resumed", AE)
    a = load_file(str(tmp_path / "straight" / "vae.safetensors"))
    b = load_file(str(tmp_path / "resumed" / "vae.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    vae, info = load_autoencoder(tmp_path / "straight")
    assert info["config"] == "micro-latent"
    from flipnet_bench.train.autoencoder import build_vae

    assert not torch.equal(
        build_vae("micro-latent").state_dict()["encoder.conv_in.weight"], a["encoder.conv_in.weight"]
    )
    # the exported scale makes the training latents unit-variance
    from flipnet_bench.train.common import load_faces

    x = load_faces(faces, 16) * 2 - 1
    with torch.no_grad():
        z = vae.encode(x).latent_dist.mean * info["vae_scaling"]
    assert float(z.std()) == pytest.approx(1.0, rel=1e-4)
    with pytest.raises(BenchError, match="trainable autoencoder"):
        train_autoencoder(faces, tmp_path / "px", AutoencoderTrainConfig(config="micro"))


def test_latent_prior_trains_on_the_autoencoder_and_reloads_it(faces: Path, tmp_path: Path):
    train_autoencoder(faces, tmp_path / "ae", AE)
    cfg = PriorTrainConfig(
        config="micro-latent", steps=2, batch_size=2, warmup=1, save_every=2, autoencoder=str(tmp_path / "ae")
    )
    train_prior(faces, tmp_path / "prior", cfg)
    prior = load_prior(tmp_path / "prior")
    vae, info = load_autoencoder(tmp_path / "ae")
    saved = json.loads((tmp_path / "prior" / "config.json").read_text())
    assert saved["vae_scaling"] == info["vae_scaling"] != get_config("micro-latent").vae_scaling
    assert prior.config.vae_scaling == info["vae_scaling"]
    img = torch.rand(2, 3, 16, 16)
    with torch.no_grad():
        want = vae.encode(img * 2 - 1).latent_dist.mean * info["vae_scaling"]
    assert torch.allclose(prior.encode(img), want)
    with pytest.raises(BenchError, match="--autoencoder"):
        train_prior(faces, tmp_path / "p2", PriorTrainConfig(config="micro-latent", steps=1, batch_size=2))
    (tmp_path / "prior" / "vae.safetensors").unlink()
    with pytest.raises(BenchError, match="vae.safetensors"):
        load_prior(tmp_path / "prior")


@pytest.mark.parametrize("config", ["micro-latent", "sd21-mini"])
def test_boosthub_k_from_q_is_off_by_default_and_copies_to_q(config: str):
    assert FlipnetArch().boosthub_k_from_q is False
    for on in (False, True):
        torch.manual_seed(0)
        prior = DiffusionPrior(get_config(config))
        model = Flipnet(prior, FaceEmbedding(8, 8, 16), FlipnetArch(lora_rank=2, boosthub_k_from_q=on))
        procs = {n: p for n, p in prior.unet.attn_processors.items() if isinstance(p, BoostHubProcessor)}
        assert procs
        mods = dict(prior.unet.named_modules())
        for name, proc in procs.items():
            attn = mods[name.rsplit(".processor", 1)[0]]
            q, k = (getattr(a, "base_layer", a) for a in (attn.to_q, attn.to_k))
            src, other = (q, k) if on else (k, q)
            assert torch.equal(proc.bh_k.weight, src.weight)
            assert not torch.equal(proc.bh_k.weight, other.weight)
        assert model.arch.boosthub_k_from_q is on


def test_cli_trains_an_autoencoder_then_a_latent_prior_on_it(faces: Path, tmp_path: Path, capsys):
    from flipnet_bench.cli import main

    ae, prior = tmp_path / "ae", tmp_path / "prior"
    common = ["--data", str(faces), "--steps", "1", "--batch-size", "2", "--save-every", "1"]
    assert main(["train", "autoencoder", "--config", "micro-latent", "--out", str(ae), *common,
                 "--lpips-weight", "0"]) == 0  # fmt: skip
    assert (ae / "vae.safetensors").is_file() and (ae / "train_log.csv").is_file()
    assert main(["train", "prior", "--config", "micro-latent", "--out", str(tmp_path / "p0"), *common]) != 0
    assert "--autoencoder" in capsys.readouterr().err
    args = ["train", "prior", "--config", "micro-latent", "--autoencoder", str(ae), "--out", str(prior)]
    assert main([*args, *common]) == 0
    assert load_prior(prior).config.name == "micro-latent"


def test_use_decoder_takes_the_decoder_of_the_same_encoder_only(tmp_path: Path):
    """``flipnet.restore_decoder``'s mechanism: a prior decodes with another folder's decoder when that folder
    shares its encoder (the latent space is unchanged); another encoder or a missing file is refused."""
    from flipnet_bench.models.flipnet.prior import save_prior

    torch.manual_seed(0)
    prior = DiffusionPrior(get_config("micro-latent"))
    save_prior(prior, tmp_path / "own")
    other = load_prior(tmp_path / "own")
    with torch.no_grad():
        for p in other.vae.decoder.parameters():
            p.add_(0.05 * torch.randn_like(p))
    save_prior(other, tmp_path / "decoder")
    size = prior.config.resolution
    images = torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(1))
    z = prior.encode(images)
    before = prior.decode(z)
    prior.use_decoder(tmp_path / "decoder")
    assert torch.equal(prior.encode(images), z)  # the same latent space
    after = prior.decode(z)
    assert torch.allclose(after, other.decode(z)) and not torch.allclose(after, before, atol=1e-3)
    with torch.no_grad():
        other.vae.encoder.conv_in.weight.add_(0.1)
    save_prior(other, tmp_path / "encoder")
    with pytest.raises(BenchError, match="encoder is not this prior's"):
        prior.use_decoder(tmp_path / "encoder")
    with pytest.raises(BenchError, match="vae.safetensors"):
        prior.use_decoder(tmp_path / "missing")


@pytest.mark.parametrize("noise", ["0.5", "0"])
def test_cli_trains_a_decoder_with_the_encoder_frozen(faces: Path, tmp_path: Path, noise: str):
    """`train decoder`: the encoder, and so the latent space and its scale, stay the autoencoder's; the
    decoder trains (on noised latents, or with the autoencoder's own loss at --latent-noise 0); the run
    continues with a larger --steps, like `train autoencoder`."""
    from flipnet_bench.cli import main

    ae, dec = tmp_path / "ae", tmp_path / "dec"
    common = ["--data", str(faces), "--batch-size", "2", "--save-every", "1", "--lpips-weight", "0"]
    assert main(["train", "autoencoder", "--config", "micro-latent", "--out", str(ae), "--steps", "1",
                 *common]) == 0  # fmt: skip
    args = ["train", "decoder", "--autoencoder", str(ae), "--out", str(dec), "--latent-noise", noise, *common]
    assert main([*args, "--steps", "1"]) == 0 and main([*args, "--steps", "2"]) == 0
    a, b = (load_file(str(d / "vae.safetensors")) for d in (ae, dec))
    assert a.keys() == b.keys()
    enc = [k for k in a if k.startswith(("encoder.", "quant_conv."))]
    assert enc and all(torch.equal(a[k], b[k]) for k in enc)
    assert any(not torch.equal(a[k], b[k]) for k in a if k.startswith("decoder."))
    info = [json.loads((d / "autoencoder.json").read_text()) for d in (ae, dec)]
    assert info[0]["vae_scaling"] == info[1]["vae_scaling"]
    assert len((dec / "train_log.csv").read_text().splitlines()) == 3  # header + 2 steps
