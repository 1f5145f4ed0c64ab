"""FLIPNET: one diffusion network that restores (target HQ / condition LQ) and degrades (flipped).

Heavy imports (diffusers, peft) stay inside the submodules so ``import flipnet_bench`` stays light.
"""
