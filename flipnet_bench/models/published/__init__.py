"""Published blind-face-restoration architectures, written from their official definitions.

One module per architecture; parameter and buffer names follow the official code, so the released state
dicts load with ``strict=True`` and no key renaming:

- :mod:`.stylegan2_clean` — StyleGAN2GeneratorClean (GFPGAN's bilinear-resampling StyleGAN2 decoder);
- :mod:`.gfpgan` — GFPGANv1Clean (GFPGAN v1.3 / v1.4);
- :mod:`.vqgan` and :mod:`.codeformer` — CodeFormer's VQ autoencoder and its codebook-lookup transformer;
- :mod:`.restoreformer` — RestoreFormer and RestoreFormer++ (one class, two configurations);
- :mod:`.gpen` — GPEN's FullGenerator (GPEN-BFR-512).

The modules import torch only; none of them downloads or reads a file.
"""
