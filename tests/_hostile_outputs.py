"""Hostile paths and values through every command: the case list behind tests/test_safety_outputs.py and the
table in docs/safety.md (rendered from these cases and their measured outcomes, so it cannot go stale).

A small workspace holds real outputs of each command (a degrade pair set, a restore folder, two score runs, a
publish export) plus a user's own file and folder. Each case runs one command with one option pointed at a
hostile target; the case passes when the command stops with a clean error (exit 2, naming the path or
option, no traceback) and no byte that existed before changed or vanished.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from flipnet_bench.cli import main
from tests._hostile import seeds

#: Placeholder → what it is, as the table shows it.
SLOTS = {
    "hq": "HQ",  # an HQ folder (3 faces)
    "pairs": "PAIRS",  # `degrade --pairs` output
    "restored": "RESTORED",  # `restore` output
    "run1": "RUN1",  # `score --out RUN1/scores.json --per-image RUN1/per_image.parquet`
    "run2": "RUN2",
    "export": "EXPORT",  # `publish --to-dir` output
    "user": "USER.txt",  # a user's own file
    "userdir": "USERDIR",  # a user's own folder
    "new": "NEW",  # an empty folder for outputs
    "bad": "BAD",  # hostile inputs made for the value cases
}


@dataclass(frozen=True)
class Case:
    """One hostile run: ``argv`` with ``{slot}`` placeholders; ``option``/``target`` label the table row."""

    command: str
    option: str
    target: str
    argv: tuple[str, ...]
    needs: str = ""  # a text the error must contain (besides naming something of the target)

    def render(self, slots: dict[str, Path]) -> list[str]:
        return [a.format(**{k: str(v) for k, v in slots.items()}) for a in self.argv]

    def shown(self) -> str:
        return "flipnet-bench " + " ".join(a.format(**SLOTS) for a in self.argv)


_SCORE = ("score", "--pred", "{restored}", "--gt", "{pairs}/hq", "--metrics", "psnr")
_SCORE_OUT = ("--out", "{new}/s.json", "--per-image", "{new}/p.parquet")
_COMPARE = ("compare", "{run1}", "{run2}")
_REALISM = ("realism", "--real", "r={pairs}/lq", "--models", "--metrics", "fd_deg")
_DEGRADE = ("degrade", "--hq", "{hq}", "--quiet", "--seed", "1")
_RESTORE = ("restore", "--method", "identity", "--lq", "{pairs}/lq")
_PUBLISH = ("publish", "{pairs}", "--repo-id", "me/x")

#: Targets of a single-file output option: (label, value).
_FILE_TARGETS = (
    ("an input file", None),  # filled per command
    ("an existing folder", "{userdir}"),
    ("another run's file", "{pairs}/metadata.csv"),
    ("a user's file", "{user}"),
)


def _file_output_cases(command: str, option: str, argv: tuple[str, ...], input_file: str) -> list[Case]:
    """``argv`` has ``@`` where the output path goes."""
    out = []
    for label, value in _FILE_TARGETS:
        target = input_file if value is None else value
        if target is None:
            continue
        out.append(Case(command, option, label, tuple(target if a == "@" else a for a in argv)))
    return out


def _folder_output_cases(
    command: str, option: str, argv: tuple[str, ...], own_input: str, other: str = "{export}"
) -> list[Case]:
    targets = (
        ("its input folder", own_input),
        ("a file", "{user}"),
        ("another command's folder", other),
        ("a user's folder", "{userdir}"),
    )
    return [Case(command, option, label, tuple(t if a == "@" else a for a in argv)) for label, t in targets]


def cases() -> list[Case]:
    """Every hostile case, in table order."""
    out: list[Case] = []
    out += _file_output_cases("score", "--out", (*_SCORE, "--out", "@"), "{restored}/a.png")
    out += _file_output_cases(
        "score", "--per-image", (*_SCORE, "--out", "{new}/s.json", "--per-image", "@"), "{pairs}/hq/a.png"
    )
    out += [
        Case(
            "score", "--out", "the --per-image path", (*_SCORE, "--out", "{new}/x", "--per-image", "{new}/x")
        )
    ]
    out += _file_output_cases("compare", "--out", (*_COMPARE, "--out", "@"), "{run1}/scores.json")
    out += _file_output_cases(
        "fid-stats", "--out", ("fid-stats", "{pairs}/hq", "--out", "@"), "{pairs}/hq/a.png"
    )
    out += _file_output_cases("realism", "--out", (*_REALISM, "--out", "@"), "{pairs}/lq/a.png")
    out += _file_output_cases(
        "data manifest", "--out", ("data", "manifest", "{hq}", "--out", "@"), "{hq}/a.png"
    )
    out += _file_output_cases("data sheet", "OUT", ("data", "sheet", "{pairs}/hq", "@"), "{pairs}/hq/a.png")
    out += _file_output_cases("audit", "--json", ("audit", "--root", "{new}", "--json", "@"), None)  # type: ignore[arg-type]
    out += _file_output_cases(
        "report screenshot", "--out", ("report", "screenshot", "--page", "{new}/p.html", "--out", "@"), None
    )  # type: ignore[arg-type]
    out += _folder_output_cases("degrade", "--out", (*_DEGRADE, "--out", "@"), "{hq}")
    out += _folder_output_cases("restore", "--out", (*_RESTORE, "--out", "@"), "{pairs}/lq")
    out += _folder_output_cases("publish", "--to-dir", (*_PUBLISH, "--to-dir", "@"), "{pairs}", "{restored}")
    train = ("train", "restorer", "--hq", "{hq}", "--steps", "1", "--pair-fraction", "0", "--out", "@")
    out += _folder_output_cases("train restorer", "--out", train, "{hq}")
    # input options pointed at the wrong thing
    for label, value in (("a user's file", "{user}"), ("another run's folder", "{export}")):
        out.append(
            Case(
                "score",
                "--pred",
                label,
                ("score", "--pred", value, "--gt", "{pairs}/hq", "--metrics", "psnr", *_SCORE_OUT),
            )
        )
        out.append(
            Case(
                "score",
                "--gt",
                label,
                ("score", "--pred", "{restored}", "--gt", value, "--metrics", "psnr", *_SCORE_OUT),
            )
        )
        out.append(Case("compare", "RUN_A", label, ("compare", value, "{run2}", "--out", "{new}/c.json")))
        out.append(Case("degrade", "--hq", label, ("degrade", "--hq", value, "--out", "{new}/d", "--quiet")))
        out.append(
            Case(
                "restore",
                "--lq",
                label,
                ("restore", "--method", "identity", "--lq", value, "--out", "{new}/r"),
            )
        )
        out.append(
            Case("publish", "DIR", label, ("publish", value, "--repo-id", "me/x", "--to-dir", "{new}/e"))
        )
    out.append(Case("fid-stats", "FOLDER", "a user's file", ("fid-stats", "{user}", "--out", "{new}/f.npz")))
    out.append(
        Case("data manifest", "DIR", "a user's file", ("data", "manifest", "{user}", "--out", "{new}/m.json"))
    )
    # values
    out += [
        Case(
            "score",
            "--ref-stats",
            "a covariance with a negative eigenvalue",
            (*_SCORE, "--ref-stats", "{bad}/not_psd.npz", *_SCORE_OUT),
            "positive semi-definite",
        ),
        Case(
            "score",
            "--ref-stats",
            "a NaN in the mean",
            (*_SCORE, "--ref-stats", "{bad}/nan.npz", *_SCORE_OUT),
            "non-finite",
        ),
        Case(
            "score",
            "--ref-stats",
            "an asymmetric covariance",
            (*_SCORE, "--ref-stats", "{bad}/asym.npz", *_SCORE_OUT),
            "not symmetric",
        ),
        Case(
            "score",
            "--params",
            "a file that is not UTF-8",
            (*_SCORE, "--params", "{bad}/latin1.yaml", *_SCORE_OUT),
            "not UTF-8",
        ),
        Case(
            "degrade",
            "--params",
            "a file that is not UTF-8",
            (*_DEGRADE, "--params", "{bad}/latin1.yaml", "--out", "{new}/d"),
            "not UTF-8",
        ),
        Case(
            "audit",
            "--params",
            "a file that is not UTF-8",
            (
                "audit",
                "--root",
                "{bad}",
                "--params",
                "latin1.yaml",
                "--checks",
                "determinism",
                "--json",
                "{new}/a.json",
                "--quiet",
            ),
            "not UTF-8",
        ),
        Case("degrade", "--variants", "0", (*_DEGRADE, "--variants", "0", "--out", "{new}/d"), ">= 1"),
        Case(
            "degrade",
            "--seed",
            "2**64",
            ("degrade", "--hq", "{hq}", "--seed", str(2**64), "--out", "{new}/d"),
            "2**63 - 1",
        ),
        Case("compare", "--alpha", "2", (*_COMPARE, "--alpha", "2"), "between 0 and 1"),
        Case("compare", "--alpha", "nan", (*_COMPARE, "--alpha", "nan"), "between 0 and 1"),
        Case(
            "compare",
            "RUN_B",
            "a malformed scores.json",
            ("compare", "{run1}", "{bad}/malformed"),
            "not a scores JSON",
        ),
        Case(
            "compare",
            "RUN_B",
            "another metric definition (PSNR on RGB vs Y)",
            ("compare", "{run1}", "{bad}/rgb_psnr"),
            "defined differently",
        ),
        Case(
            "compare",
            "RUN_B",
            "a score output without per-image values",
            ("compare", "{run1}", "{bad}/no_per_image"),
            "--per-image",
        ),
        Case(
            "publish",
            "--lq/--hq",
            "the same folder",
            (
                "publish",
                "--lq",
                "{pairs}/hq",
                "--hq",
                "{pairs}/hq",
                "--metadata",
                "{pairs}/metadata.csv",
                "--repo-id",
                "me/x",
                "--to-dir",
                "{new}/e",
            ),
            "same folder",
        ),
    ]
    return out


def _face_folder(folder: Path, stems: tuple[str, ...] = ("a", "b", "c")) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, stem in enumerate(stems):
        (folder / f"{stem}.png").write_bytes(seeds()["png" if i % 2 == 0 else "png_other_face"][1])
    return folder


def _run(*argv: object) -> None:
    assert main([str(a) for a in argv]) == 0, argv


def build_workspace(root: Path) -> dict[str, Path]:
    """The workspace the cases run in (see the module doc); returns slot → path."""
    s = {k: root / k for k in SLOTS if k not in ("user",)}
    s["user"] = root / "user.txt"
    _face_folder(s["hq"])
    _run("degrade", "--hq", s["hq"], "--out", s["pairs"], "--pairs", "--seed", 1, "--quiet")
    _run("restore", "--method", "identity", "--lq", s["pairs"] / "lq", "--out", s["restored"])
    for run, pred in (("run1", s["restored"]), ("run2", s["pairs"] / "lq")):
        _run(
            "score",
            "--pred",
            pred,
            "--gt",
            s["pairs"] / "hq",
            "--metrics",
            "psnr",
            "--out",
            s[run] / "scores.json",
            "--per-image",
            s[run] / "per_image.parquet",
        )
    _run("publish", s["pairs"], "--repo-id", "me/x", "--to-dir", s["export"])
    s["user"].write_text("a user's notes\n")
    s["userdir"].mkdir()
    (s["userdir"] / "notes.txt").write_text("keep me\n")
    s["new"].mkdir()
    _bad_inputs(s)
    return s


def _bad_inputs(s: dict[str, Path]) -> None:
    bad = s["bad"]
    bad.mkdir()
    d = 64
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(200, d))
    mu, sigma = feats.mean(0), np.cov(feats, rowvar=False)
    not_psd = sigma.copy()
    not_psd[0, 0] = -50.0
    nan_mu = mu.copy()
    nan_mu[3] = np.nan
    asym = sigma.copy()
    asym[0, 1] += 1.0
    for name, (m, c) in {"not_psd": (mu, not_psd), "nan": (nan_mu, sigma), "asym": (mu, asym)}.items():
        np.savez(bad / f"{name}.npz", mu=m, sigma=c)
    (bad / "latin1.yaml").write_bytes("score:\n  device: caf\xe9\n".encode("latin-1"))
    (bad / "malformed").mkdir()
    (bad / "malformed" / "scores.json").write_text(json.dumps({"metrics": [1, 2]}))
    rgb = json.loads((s["run2"] / "scores.json").read_text())
    rgb["metrics"]["psnr"]["definition"]["channel"] = "RGB"
    (bad / "rgb_psnr").mkdir()
    (bad / "rgb_psnr" / "scores.json").write_text(json.dumps(rgb))
    (bad / "rgb_psnr" / "per_image.parquet").write_bytes((s["run2"] / "per_image.parquet").read_bytes())
    _run(
        "score",
        "--pred",
        s["pairs"] / "lq",
        "--gt",
        s["pairs"] / "hq",
        "--metrics",
        "psnr",
        "--out",
        bad / "no_per_image" / "scores.json",
    )


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (hidden ones too) → SHA-256 of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Files that existed before and now differ or are gone (what a command must never do)."""
    return sorted(k for k, v in before.items() if after.get(k) != v)


def render_table(rows: list[tuple[Case, str]]) -> str:
    """The docs/safety.md table: command, option, hostile target, outcome, data changed, reproduction."""
    lines = [
        "| command | option | hostile value | what it does | bytes changed | traceback | reproduce |",
        "|---|---|---|---|---|---|---|",
    ]
    for case, outcome in rows:
        cmd = case.shown().replace("|", "\\|")
        outcome = outcome.replace("|", "\\|").replace("`", "'")
        lines.append(f"| {case.command} | `{case.option}` | {case.target} | {outcome} | 0 | no | `{cmd}` |")
    return "\n".join(lines)
