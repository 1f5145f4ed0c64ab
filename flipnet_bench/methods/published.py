"""Published BFR methods run as their official inference runs them on aligned faces.

A :class:`PublishedMethod` loads the official weight file the user gives (never downloaded: a missing file
is an error naming the file and where it is published), and restores each image as the official script's
aligned-face path does:

1. the uint8 face is resized to 512² with ``cv2.resize`` (bilinear, ``INTER_LINEAR``: every official
   aligned path) unless it is 512² already;
2. ``x / 255`` in float64, cast to float32, normalised ``(x - 0.5) / 0.5``, RGB channel order (the official
   scripts read BGR with OpenCV and convert with ``img2tensor(bgr2rgb=True)`` / ``flip(1)``);
3. the network, one image at a time (stochastic decoders draw their noise from a generator seeded from
   ``(seed, stem)``, so results do not depend on batching or resume);
4. the official output conversion (clamp to [-1, 1], map to [0, 1], ×255, then rounding as basicsr's
   ``tensor2img`` or truncation as GPEN's ``tensor2img``) and any official post-processing;
5. back to the input size with ``cv2.resize`` (``INTER_AREA`` when shrinking, ``INTER_CUBIC`` when
   enlarging; not part of the official inference, which writes 512² faces).

Every such choice, the weight file's path and SHA-256 are in :meth:`describe`, i.e. in the run's ``run.json``.
Adding a method = one module with a subclass (``build``, ``forward``, ``official``) + its weight entry in
:mod:`flipnet_bench.weights.published` + one lazy line in :mod:`flipnet_bench.methods`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from flipnet_bench.errors import BenchError
from flipnet_bench.methods import Method
from flipnet_bench.weights.published import PUBLISHED_WEIGHTS, PublishedWeight

SIZE = 512


def resolve_weights(method: str, weights: str | Path | None, params: Any = None) -> Path:
    """The weight file of ``method``: ``weights`` if given, else params key
    ``methods.published.<method>.weights``; none or an absent file is a BenchError naming the official file
    and where it is published."""
    entry = PUBLISHED_WEIGHTS.get(method)
    if weights in (None, "") and params is not None:
        published = getattr(params, "published", {}) or {}
        if method in published and published[method].weights is not None:
            weights = published[method].weights
    how = f"give its path with --option weights=PATH or params key {entry.params_key}"
    if weights in (None, ""):
        raise BenchError(f"method {method!r} needs the official weight file {entry.where()}; {how}")
    path = Path(weights).expanduser()
    if not path.is_file():
        raise BenchError(
            f"method {method!r}: weight file {path} does not exist; it should be {entry.where()}; {how}"
        )
    return path


def load_official_state(path: Path, entry: PublishedWeight) -> dict[str, torch.Tensor]:
    """The state dict as the official inference takes it from the file (``torch.load(weights_only=True)``)."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # unpickling errors have many types; every one means "not this file"
        raise BenchError(
            f"{path}: cannot be read as a weights-only PyTorch file "
            f"({type(exc).__name__}: {str(exc)[:200]}); expected {entry.where()}"
        ) from exc
    for key in entry.state_keys:
        if isinstance(obj, dict) and key in obj:
            obj = obj[key]
            break
    else:
        if entry.state_keys:
            found = sorted(obj)[:8] if isinstance(obj, dict) else type(obj).__name__
            raise BenchError(f"{path}: no {' or '.join(map(repr, entry.state_keys))} entry (found {found}); "
                             f"expected {entry.where()}")  # fmt: skip
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise BenchError(f"{path}: the state dict is not a mapping of tensors; expected {entry.where()}")
    if entry.prefix:
        obj = {k[len(entry.prefix) :]: v for k, v in obj.items() if k.startswith(entry.prefix)}
    return obj


def load_strict(
    model: torch.nn.Module, state: dict[str, torch.Tensor], path: Path, entry: PublishedWeight
) -> None:
    """``load_state_dict(strict=True)``; a mismatch is a BenchError with the first differing keys."""
    mine = model.state_dict()
    missing = sorted(set(mine) - set(state))
    unexpected = sorted(set(state) - set(mine))
    shapes = sorted(k for k in set(mine) & set(state) if tuple(mine[k].shape) != tuple(state[k].shape))
    if missing or unexpected or shapes:
        raise BenchError(
            f"{path} does not fit the {entry.method} architecture: {len(missing)} missing key(s) "
            f"{missing[:3]}, {len(unexpected)} unexpected {unexpected[:3]}, {len(shapes)} of another shape "
            f"{shapes[:3]}; "
            f"expected {entry.where()}"
        )
    model.load_state_dict(state, strict=True)


def to_uint8_rounded(out: torch.Tensor) -> np.ndarray:
    """basicsr ``tensor2img(min_max=(-1, 1))``: clamp, to [0, 1], ×255, round half to even -> HWC uint8."""
    img = (out.float().clamp(-1, 1) + 1) / 2
    return (img * 255.0).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()


class PublishedMethod(Method):
    """Base of the published methods (see the module docstring for the steps)."""

    default_batch_size = 4  # images are run one at a time; this only sets how many are written together
    params_section = "methods"
    #: Official inference choices beyond the common steps, recorded in ``describe()``.
    official: dict[str, Any] = {}

    def __init__(
        self,
        weights: str | Path | None = None,
        device: str = "cpu",
        batch_size: int | None = None,
        params: Any = None,
        **options: Any,
    ) -> None:
        from flipnet_bench.weights.manager import sha256_file

        self.entry = PUBLISHED_WEIGHTS.get(self.name)
        self.options = self.check_options(options)
        self.weights = resolve_weights(self.name, weights, params)
        self.weights_sha256 = sha256_file(self.weights)
        self.device = torch.device(device)
        model = self.build()
        load_strict(model, load_official_state(self.weights, self.entry), self.weights, self.entry)
        self.model = model.eval().to(self.device)
        if batch_size is not None:
            self.default_batch_size = int(batch_size)

    def check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """The method's own options (validated); the base accepts none."""
        if options:
            raise TypeError(f"unexpected option(s) {sorted(options)}")
        return {}

    def build(self) -> torch.nn.Module:
        raise NotImplementedError

    def forward(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The network on one normalised ``1×3×512×512`` face; output in (about) [-1, 1]."""
        raise NotImplementedError

    def to_image(self, out: torch.Tensor, face: np.ndarray) -> np.ndarray:
        """Official output conversion of ``out`` (``3×512×512``) given the 512² input ``face`` (uint8 RGB)."""
        return to_uint8_rounded(out)

    @torch.no_grad()
    def restore(self, lq: torch.Tensor, keys: list[str], seed: int) -> torch.Tensor:
        from flipnet_bench.train.common import item_generator

        results = []
        for image, key in zip(lq, keys):
            rgb = (image.permute(1, 2, 0).cpu().numpy() * 255.0).round().astype(np.uint8)
            h, w = rgb.shape[:2]
            face = (
                rgb
                if (h, w) == (SIZE, SIZE)
                else cv2.resize(rgb, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR)
            )
            x = torch.from_numpy(face.astype(np.float64) / 255.0).float().permute(2, 0, 1)[None]
            x = ((x - 0.5) / 0.5).to(self.device)
            gen = torch.Generator(self.device).manual_seed(
                item_generator(seed, "restore", key).initial_seed()
            )
            out = self.to_image(self.forward(x, gen)[0], face)
            if (h, w) != (SIZE, SIZE):
                shrink = h < SIZE and w < SIZE
                out = cv2.resize(out, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
            results.append(torch.from_numpy(out).permute(2, 0, 1).float() / 255.0)
        return torch.stack(results)

    def describe(self) -> dict[str, Any]:
        return {
            "method": self.name,
            "weights": str(self.weights),
            "weights_sha256": self.weights_sha256,
            "weights_file": self.entry.filename,
            "published_at": self.entry.url,
            "options": self.options,
            "inference": {
                "input": f"{SIZE}x{SIZE} aligned face; other sizes resized with cv2.resize INTER_LINEAR",
                "normalisation": "x/255 (float64 -> float32), (x - 0.5) / 0.5, RGB",
                "output_resize": "cv2.resize back to the input size: INTER_AREA when shrinking, INTER_CUBIC "
                "when enlarging (not part of the official inference)",
                **self.official,
            },
        }
