"""The field's evaluation protocols as data (facts from each project's public evaluation scripts).

Each column names the suite metric and the options that reproduce the published choice, or says why it
cannot be reproduced here. ``comparable``: "yes" = same definition (a suite value may stand beside the
published one), "approx" = same quantity with a stated implementation difference, "no" = not the same.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType as Frozen

from flipnet_bench.protocols.gates import NTIRE2025_THRESHOLDS, NTIRE2026_THRESHOLDS
from flipnet_bench.protocols.spec import Asset, Composite, IdentityGate, Part, Protocol, Term

FFHQ_STATS = Asset(
    file="inception_FFHQ_512-f7b384ab.pth",
    source="BasicSR's release files (VQFR and the NTIRE 2025 repository ship the same statistics as "
    "pretrained/inception_FFHQ_512.pth): a torch-pickled dict with 'mean' (2048) and 'cov' (2048x2048)",
    flag="pass it with --ref-stats FILE (a .npz with mu/sigma from `flipnet-bench fid-stats` also works)",
)
FFHQ_FOLDER = Asset(
    file="FFHQ, all 70,000 images at 512x512 (PMRF's torch-fidelity input 'ffhq512')",
    source="the FFHQ dataset (NVlabs/ffhq-dataset, images1024x1024) resized to 512x512",
    flag="pass the folder with --ref DIR",
)
ARCFACE = Asset(
    file="resnet18_110.pth (ArcFace ResNet-18, VQFR's metric weights)",
    source="VQFR's released metric weights (not redistributable here)",
    flag="set params key face_metrics.arcface_resnet18_path to its path",
)
AWING = Asset(
    file="AWing WFLW landmark model, exported as TorchScript (N,3,S,S) -> (N,98,2) pixels",
    source="the AWing project's released WFLW checkpoint, wrapped with its heatmap decoding",
    flag="set params key face_metrics.awing_path to its path",
)
ADAFACE = Asset(
    file="adaface_ir50_ms1mv2.ckpt (AdaFace IR-50, MS1MV2)",
    source="the AdaFace project's released checkpoints (mk-minchul/AdaFace README; the NTIRE repositories "
    "link the same file)",
    flag="set params key face_metrics.adaface_path to its path",
)
MMSE = Asset(
    file="a folder of posterior-mean (MMSE) estimates, one per output, same file names",
    source="the MMSE restorer of the method being evaluated (PMRF's first stage)",
    flag="pass the folder with --mmse DIR",
)


def _pyiqa(column: str, name: str, higher: bool, file: str, optional: bool = False) -> Term:
    """A learned no-reference IQA column computed by pyiqa with its defaults (as the NTIRE script does)."""
    return Term(
        column=column, metric=f"pyiqa:{name}", higher_is_better=higher, optional=optional,
        definition=f"pyiqa create_metric('{name}') with default settings, mean over the outputs",
        comparable="yes",
        why="the same pyiqa implementation and defaults; the suite refuses to run it without its weights",
        asset=Asset(file=file, source="pyiqa's weight hub (huggingface chaofengc/IQA-PyTorch-Weights), "
                    "fetched by pyiqa on a connected machine",
                    flag="install what the error names and place the file where it says"),
    )  # fmt: skip


def _fid_vs_ffhq_stats(why_extra: str = "") -> Term:
    return Term(
        column="FID", metric="fid", reference="ref_stats", higher_is_better=False,
        options=Frozen({"dims": 2048, "scaling": "pytorch_fid"}), asset=FFHQ_STATS,
        definition="basicsr patched Inception-v3 (TF FID weights), bilinear resize to 299, inputs "
        "(x - 0.5) / 0.5, 2048-d pool features of the outputs vs the FFHQ-512 mean/cov",
        comparable="yes",
        why="same weights, resize, normalisation and statistics file (pytorch-fid legacy resize = basicsr "
        "resize_input)" + why_extra,
    )  # fmt: skip


NIQE_PYIQA = Term(
    column="NIQE", metric="niqe", higher_is_better=False,
    definition="pyiqa create_metric('niqe') defaults (official LIVE pristine parameters)",
    comparable="yes", why="the suite's niqe equals pyiqa 0.1.16 niqe to ~1e-7 (tests/test_metrics_niqe.py)",
)  # fmt: skip
LPIPS_VGG = Term(
    column="LPIPS", metric="lpips_vgg", pair_with="gt", higher_is_better=False,
    definition="LPIPS v0.1 with the VGG16 backbone, output vs GT", comparable="yes",
    why="equals the lpips package (net='vgg') on the same inputs (tests/test_metrics_lpips.py)",
)  # fmt: skip
DEG = Term(
    column="Deg", metric="deg_arcface", pair_with="gt", higher_is_better=False,
    options=Frozen({"min_degrees": 1.0}), asset=ARCFACE,
    paths=Frozen({"weights_path": "arcface_resnet18_path"}),
    definition="arccos of the ArcFace ResNet-18 cosine (128x128 gray, image ++ mirror), degrees; pairs "
    "under 1 degree dropped", comparable="yes",
    why="same network, preprocessing and 1-degree rule as VQFR's script, once resnet18_110.pth is configured",
)  # fmt: skip
LMD = Term(
    column="LMD", metric="lmd", pair_with="gt", higher_is_better=False,
    options=Frozen({"backend": "torchscript"}), paths=Frozen({"model_path": "awing_path"}), asset=AWING,
    definition="mean L2 distance of AWing WFLW landmarks, output vs GT, in pixels", comparable="approx",
    why="only with the AWing model configured (the suite's offline dlib68 backend is never used here); "
    "the TorchScript wrapper's input size and heatmap decoding must match AWing's",
)  # fmt: skip

ID_SIM = Term(
    column="ID_Sim", metric="ids_adaface", pair_with="lq", higher_is_better=True, asset=ADAFACE,
    paths=Frozen({"weights_path": "adaface_path"}),
    definition="cosine similarity of AdaFace IR-50 embeddings of the output and its LQ input, both warped "
    "to 112x112 by the similarity transform of the same 5 points onto AdaFace's reference points; BGR, "
    "(x/255 - 0.5)/0.5",
    comparable="approx",
    why="same network, warp and normalisation; the 5 points are the FFHQ-512 template of the aligned inputs "
    "(the challenge: MTCNN in 2025, its landmark CSV in 2026: face_metrics.adaface_landmarks_csv reads it)",
)  # fmt: skip

NTIRE2025 = Protocol(
    name="ntire2025",
    title="NTIRE 2025 Real-World Face Restoration challenge (eval.py, fid.py)",
    source="zhengchen1999/NTIRE2025_RealWorld_Face_Restoration",
    inputs="--pred (restored PNGs, matched by file name) and --lq (the LQ inputs; one sub-folder per set, "
    "else --set NAME or the --lq folder's own name names the set)",
    image_size="512x512 (asserted by the NTIRE script for array inputs)",
    resize="none for NIQE/CLIP-IQA/MANIQA/MUSIQ/Q-Align (pyiqa's own preprocessing); FID: bilinear to 299",
    crop="none (the whole aligned face)",
    alignment="FFHQ-style aligned 512x512 faces; ID_Sim re-aligns with the repository's MTCNN face_alignment",
    rows="one row per set and 'All': each column's per-set means weighted by the sets' image counts "
    "(CelebA 100, LFW-Test 100, CelebChild-Test 50, WebPhoto-Test 100, Wider-Test 100)",
    terms=(
        NIQE_PYIQA,
        _pyiqa("CLIP-IQA", "clipiqa", True, "pyiqa's clipiqa weights (and the `clip` package)"),
        _pyiqa("MANIQA", "maniqa", True, "pyiqa's maniqa weights (and the `timm` package)"),
        _pyiqa("MUSIQ", "musiq", True, "musiq_koniq_ckpt-e95806b9.pth"),
        _pyiqa("QALIGN", "qalign", True, "pyiqa's qalign model (and its packages)", optional=True),
        ID_SIM,
        _fid_vs_ffhq_stats("; NTIRE computes one FID over all outputs of all sets (first 3000)"),
    ),
    composite=Composite(
        name="Weighted score",
        formula="CLIP-IQA + MANIQA + MUSIQ/100 + max(0, (10 - NIQE)/10) + QALIGN/5 + max(0, (100 - FID)/100)"
        " (the QALIGN part only with --qalign)",
        parts=(
            Part("CLIP-IQA", "linear", 1.0),
            Part("MANIQA", "linear", 1.0),
            Part("MUSIQ", "linear", 0.01),
            Part("NIQE", "hinge", 0.1, 10.0),
            Part("QALIGN", "linear", 0.2),
            Part("FID", "hinge", 0.01, 100.0),
        ),
    ),  # fmt: skip
    gate=IdentityGate("ID_Sim", NTIRE2025_THRESHOLDS),
    notes=(
        "ID_Sim and the low-ID count gate a submission; they are not part of the weighted score.",
        "A submission fails the gate when more than 10 of the 450 test faces fall below their set's "
        "threshold (pro rata on other image counts); a failed submission is not ranked.",
    ),
)

NTIRE2026 = replace(
    NTIRE2025,
    name="ntire2026",
    title="NTIRE 2026 Real-World Face Restoration challenge (eval.py, fid.py)",
    source="jkwang28/NTIRE2026_RealWorld_Face_Restoration",
    alignment="FFHQ-style aligned 512x512 faces; ID_Sim warps output and LQ with the LQ's 5 points from the "
    "repository's test_2026_face.csv (face_alignment/inference.py)",
    gate=IdentityGate("ID_Sim", NTIRE2026_THRESHOLDS),
)

PMRF = Protocol(
    name="pmrf",
    title="PMRF evaluation/compute_metrics_blind.py",
    source="ohayonguy/PMRF",
    inputs="--pred; --gt (file names must match one to one) for the reference metrics; --mmse for IndRMSE; "
    "--ref (FFHQ-512, 70k images) for FID/KID",
    image_size="512x512",
    resize="none for the pixel metrics; FID/KID: Inception's 299 resize",
    crop="crop_border=0",
    alignment="FFHQ-style aligned faces; LMD/Deg use their own face crops (AWing, ArcFace 128 gray)",
    rows="one row for the scored folder",
    terms=(
        Term(
            column="NIQE",
            metric="niqe",
            higher_is_better=False,
            definition="NIQE of the outputs (calculate_niqe.py, basicsr-style)",
            comparable="approx",
            why="basicsr's NIQE and pyiqa's (which the suite equals) differ slightly",
        ),
        LMD,
        DEG,
        LPIPS_VGG,
        Term(
            column="PSNR",
            metric="psnr",
            pair_with="gt",
            higher_is_better=True,
            options=Frozen({"channel": "rgb", "crop_border": 0}),
            definition="basicsr calculate_psnr_pt, RGB (test_y_channel=False), [0, 1] from uint8",
            comparable="yes",
            why="the suite's psnr with channel='rgb' is basicsr's formula on RGB",
        ),
        Term(
            column="SSIM",
            metric="ssim",
            pair_with="gt",
            higher_is_better=True,
            options=Frozen({"channel": "rgb", "crop_border": 0}),
            definition="basicsr calculate_ssim_pt, RGB (test_y_channel=False)",
            comparable="yes",
            why="the suite's ssim with channel='rgb' is basicsr's 11x11 Gaussian SSIM per channel",
        ),
        Term(
            column="IndRMSE",
            metric="psnr",
            pair_with="mmse",
            higher_is_better=False,
            asset=MMSE,
            options=Frozen({"channel": "rgb", "crop_border": 0}),
            transform="rmse_from_psnr",
            definition="RMSE between each output and its MMSE estimate, RGB in [0, 1], mean over images",
            comparable="approx",
            why="per-image RMSE = 10^(-PSNR_rgb/20); whether PMRF averages RMSE or MSE is not in our facts",
        ),
        Term(
            column="FID",
            metric="fid",
            reference="ref_dir",
            higher_is_better=False,
            asset=FFHQ_FOLDER,
            options=Frozen({"dims": 2048, "scaling": "torch_fidelity"}),
            definition="torch-fidelity calculate_metrics vs the FFHQ-512 folder, 2048-d Inception features",
            comparable="approx",
            why="same network and input scaling; torch-fidelity's TF1-style resize differs from ours",
        ),
        Term(
            column="KID",
            metric="kid",
            reference="ref_dir",
            higher_is_better=False,
            asset=FFHQ_FOLDER,
            options=Frozen({"dims": 2048, "scaling": "torch_fidelity", "subset_size": 1000}),
            definition="torch-fidelity KID, kid_subset_size = min(1000, n), 100 subsets",
            comparable="approx",
            why="as FID; the same unbiased polynomial-kernel MMD",
        ),
    ),  # fmt: skip
    notes=("IS and precision/recall are not computed: the suite's Inception has no classifier layer.",),
)


def _fid_only(name: str, title: str, source: str, notes: tuple[str, ...]) -> Protocol:
    """GFPGAN-style evaluation: FID against the FFHQ-512 statistics file."""
    return Protocol(
        name=name, title=title, source=source, inputs="--pred (and --ref-stats)", image_size="512x512",
        resize="bilinear to 299 for Inception", crop="none", alignment="FFHQ-style aligned faces",
        rows="one row for the scored folder", terms=(_fid_vs_ffhq_stats(),), notes=notes,
    )  # fmt: skip


GFPGAN = _fid_only(
    "gfpgan",
    "GFPGAN / RestoreFormer: FID against FFHQ-512 statistics",
    "TencentARC/GFPGAN",
    ("Its other columns' definitions are not in the suite's facts; score them as separate metrics.",),
)
VQFR = Protocol(
    **{**vars(_fid_only("vqfr", "", "", ())),
       "title": "VQFR: FID vs FFHQ-512 statistics, LPIPS (VGG), Deg, LMD", "source": "TencentARC/VQFR",
       "inputs": "--pred, --ref-stats; --gt for LPIPS, Deg and LMD",
       "terms": (_fid_vs_ffhq_stats(), LPIPS_VGG, DEG, LMD)},
)  # fmt: skip
DIFFACE = Protocol(
    name="difface", title="DifFace / OSDFace 'FID (HQ)': FID against the set's own ground truth",
    source="zsyOAOA/DifFace", inputs="--pred and --gt (CelebA-Test)", image_size="512x512",
    resize="bilinear to 299 for Inception", crop="none", alignment="FFHQ-style aligned faces",
    rows="one row for the scored folder",
    terms=(
        Term(column="FID (HQ)", metric="fid", pair_with="gt", reference="gt", higher_is_better=False,
             options=Frozen({"dims": 2048, "scaling": "pytorch_fid"}),
             definition="Inception-v3 pool features of the outputs vs those of the set's own GT images",
             comparable="approx", why="same features; DifFace's resize code is not in our facts, and FID vs "
             "GT is not comparable with FID vs FFHQ at all"),
    ),
    notes=("Never set an FID (HQ) value beside an FID vs FFHQ value: the references differ.",),
)  # fmt: skip

ALL = (NTIRE2025, NTIRE2026, PMRF, DIFFACE, VQFR, GFPGAN)
