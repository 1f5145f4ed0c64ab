"""Mutation testing of the statistics, protocols, metric formulas and blur kernels (mutmut 3).

For each package the sources and tests are copied into a scratch folder, where ``mutmut run`` mutates the
package's files one function at a time and runs the fast tests that reach the mutated function. Each
outcome is then classified:

* killed: a test failed (or timed out) on the mutant;
* equivalent: listed in ``benchmarks/mutation_equivalent.yaml`` with the reason no test can tell it apart;
* out of scope: the function is listed there under ``out_of_scope`` (weight loading, command-line printing);
* survived: none of the above, printed with its diff — each one is a missing test or a missing entry.

``score = killed / (mutants - equivalent - out of scope)``. The summary and every survivor go to
``benchmarks/results/mutation.json`` and ``.md``. ``--planted`` instead plants the bugs of ``PLANTED`` one
at a time in a scratch copy, runs ``pytest -m "not slow"`` on the listed tests and records whether they fail.

    .venv/bin/pip install -e '.[mutation]'
    .venv/bin/python benchmarks/mutation.py                       # every package (tens of minutes, 1 core)
    .venv/bin/python benchmarks/mutation.py --package stats        # one package; results merged
    .venv/bin/python benchmarks/mutation.py --planted              # the planted-bug table
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
EQUIVALENT = REPO / "benchmarks" / "mutation_equivalent.yaml"
PYTEST_ARGS = ["-m", "not slow", "-q", "-x"]

#: package → the files mutated and the narrowest fast test selection that exercises them.
PACKAGES: dict[str, dict[str, list[str]]] = {
    "stats": {
        "files": [
            f"flipnet_bench/stats/{f}.py"
            for f in ("intervals", "paired", "ranking", "gate", "compare", "gram", "features", "coverage")
        ],
        "tests": [
            "tests/test_stats_references.py",
            "tests/test_mut_stats.py",
            "tests/test_compare.py",
            "tests/test_interval_coverage.py",
        ],
    },
    "protocols": {
        "files": [f"flipnet_bench/protocols/{f}.py" for f in ("spec", "run", "presets", "cli", "__init__")],
        "tests": ["tests/test_protocols.py", "tests/test_mut_protocols.py"],
    },
    "metrics": {
        "files": [
            "flipnet_bench/metrics/functional/psnr_ssim.py",
            "flipnet_bench/metrics/functional/color.py",
            "flipnet_bench/metrics/functional/imresize.py",
            "flipnet_bench/metrics/functional/niqe.py",
            "flipnet_bench/metrics/frechet.py",
            "flipnet_bench/metrics/kid.py",
        ],
        "tests": [
            "tests/test_metrics_psnr_ssim.py",
            "tests/test_metrics_frechet.py",
            "tests/test_metrics_niqe.py",
            "tests/test_mut_metrics.py",
        ],
    },
    "kernels": {
        "files": ["flipnet_bench/degrade/kernels.py"],
        "tests": ["tests/test_mut_kernels.py"],
    },
}

#: Bugs a reviewer planted: (name, file, original text, replacement, tests that must fail).
PLANTED: list[tuple[str, str, str, str, list[str]]] = [  # fmt: skip
    (
        "t quantile replaced by the normal 1.96",
        "flipnet_bench/stats/intervals.py",
        "return float(sps.t.ppf(0.5 + level / 2, n - 1))",
        "return 1.96",
        ["tests/test_stats_references.py"],
    ),
    (
        "jackknife interval narrowed by 30 %",
        "flipnet_bench/stats/intervals.py",
        "half = t_quantile(n, level) * jackknife_se(loo)",
        "half = 0.7 * t_quantile(n, level) * jackknife_se(loo)",
        ["tests/test_stats_references.py"],
    ),
    (
        "t quantile replaced by the normal 1.96 (coverage study alone)",
        "flipnet_bench/stats/intervals.py",
        "return float(sps.t.ppf(0.5 + level / 2, n - 1))",
        "return 1.96",
        ["tests/test_interval_coverage.py"],
    ),
    (
        "jackknife interval narrowed by 30 % (coverage study alone)",
        "flipnet_bench/stats/intervals.py",
        "half = t_quantile(n, level) * jackknife_se(loo)",
        "half = 0.7 * t_quantile(n, level) * jackknife_se(loo)",
        ["tests/test_interval_coverage.py"],
    ),
    (
        "Holm step of the leaderboard's marks skipped",
        "flipnet_bench/stats/ranking.py",
        "    holm([v.result for v in verdicts.values() if v.result is not None])",
        "    [setattr(v.result, 'p_holm', v.result.p) for v in verdicts.values() if v.result is not None]",
        ["tests/test_stats_references.py"],
    ),
    (
        "leaderboard significance on the raw p",
        "flipnet_bench/stats/ranking.py",
        "self.result.p_holm < ALPHA",
        "self.result.p < ALPHA",
        ["tests/test_stats_references.py"],
    ),
    (
        "permutation p-value without its +1",
        "flipnet_bench/stats/paired.py",
        "return float((extreme + 1) / (len(null) + 1))",
        "return float(extreme / len(null))",
        ["tests/test_stats_references.py"],
    ),
    (
        "permutation p-value with > instead of >=",
        "flipnet_bench/stats/paired.py",
        "np.abs(null) >= abs(observed)",
        "np.abs(null) > abs(observed)",
        ["tests/test_stats_references.py"],
    ),
    (
        "identity-gate threshold changed in the leaderboard's copy (LFW 0.6 -> 0.5)",
        "flipnet_bench/stats/gate.py",
        '"lfw": 0.6,',
        '"lfw": 0.5,',
        ["tests/test_stats_references.py"],
    ),
    (
        "identity-gate threshold changed in the leaderboard's copy (WIDER 0.3 -> 0.35)",
        "flipnet_bench/stats/gate.py",
        '"wider": 0.3,',
        '"wider": 0.35,',
        ["tests/test_stats_references.py"],
    ),
    (
        "generalised-Gaussian shape exponent halved",
        "flipnet_bench/degrade/kernels.py",
        "np.power(_mahalanobis(size, sigma_x, sigma_y, theta), beta)))",
        "np.power(_mahalanobis(size, sigma_x, sigma_y, theta), beta / 2)))",
        ["tests/test_mut_kernels.py"],
    ),
    (
        "plateau kernel without its +1",
        "flipnet_bench/degrade/kernels.py",
        "1.0 / (1.0 + np.power(",
        "1.0 / (0.5 + np.power(",
        ["tests/test_mut_kernels.py"],
    ),
    (
        "Gaussian rotated the other way",
        "flipnet_bench/degrade/kernels.py",
        "u = cos * xx + sin * yy",
        "u = cos * xx - sin * yy",
        ["tests/test_mut_kernels.py"],
    ),
    (
        "sinc centre value halved",
        "flipnet_bench/degrade/kernels.py",
        "omega_c**2 / (4 * math.pi)",
        "omega_c**2 / (8 * math.pi)",
        ["tests/test_mut_kernels.py"],
    ),
]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # mutmut puts the mutants first
    shared = os.environ.get("FLIPNET_SHARED", str(REPO.parent / "shared"))
    return {
        **env,
        "FLIPNET_SHARED": shared,
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }


def _scratch(work: Path, tests: list[str]) -> None:
    """Sources, tests and a pyproject holding only the test options and this package's mutmut section."""
    for name in ("flipnet_bench", "tests"):
        shutil.rmtree(work / name, ignore_errors=True)
        shutil.copytree(REPO / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
    for folder in (work, work / "mutants"):  # tests find the bundled data beside their own folder
        folder.mkdir(exist_ok=True)
        for name in ("params.yaml", "data", "docs", "checkpoints", "dvc.yaml"):
            target = folder / name
            if not target.exists() and (REPO / name).exists():
                target.symlink_to(REPO / name)


def _pyproject(files: list[str], tests: list[str]) -> str:
    toml = lambda xs: "[" + ", ".join(json.dumps(x) for x in xs) + "]"  # noqa: E731
    return (
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
        'markers = ["slow: long-running test"]\n\n[tool.mutmut]\n'
        f'source_paths = ["flipnet_bench"]\nonly_mutate = {toml(files)}\n'
        f"pytest_add_cli_args = {toml(PYTEST_ARGS[:-1])}\n"
        f"pytest_add_cli_args_test_selection = {toml(tests)}\n"
        "use_git_change_detection = false\ntimeout_multiplier = 10.0\n"
    )


def _statuses(work: Path, files: list[str]) -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for f in files:
        meta = work / "mutants" / (f + ".meta")
        if meta.is_file():
            codes.update(json.loads(meta.read_text())["exit_code_by_key"])
    return codes


def _diff(work: Path, name: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "show", name], cwd=work, env=_env(), capture_output=True, text=True
    ).stdout
    return "\n".join(
        line for line in out.splitlines()[1:] if line[:1] in "+-" and line[:3] not in ("+++", "---")
    )


def _function(name: str) -> str:
    """``flipnet_bench.stats.gate.x_calibrate__mutmut_3`` → ``flipnet_bench.stats.gate.calibrate``;
    methods (``xǁRunǁentry__mutmut_1``) → ``…compare.Run.entry``."""
    module, _, local = name.rpartition(".")
    local = re.sub(r"__mutmut_\d+$", "", local).removeprefix("x_").removeprefix("x")
    return f"{module}.{local.strip('ǁ').replace('ǁ', '.')}"


def classify(package: str, codes: dict[str, int | None], equivalent: dict) -> dict:
    """Counts and lists per outcome (see the module docstring)."""
    known = (equivalent.get(package) or {}).get("equivalent") or {}
    scope = (equivalent.get(package) or {}).get("out_of_scope") or {}
    out = {"killed": [], "equivalent": [], "out_of_scope": [], "survived": [], "not_run": []}
    for name, code in sorted(codes.items()):
        if _function(name) in scope:
            out["out_of_scope"].append(name)
        elif code in (1, 3, 36, 24, -24, 152, 255, -9, -11):  # test failure, timeout or crash: killed
            out["killed"].append(name)
        elif name in known:
            out["equivalent"].append(name)
        elif code in (0, 5, 33):  # survived, or no fast test reaches it
            out["survived"].append(name)
        else:
            out["not_run"].append(name)
    scored = len(codes) - len(out["equivalent"]) - len(out["out_of_scope"])
    counts = {k: len(v) for k, v in out.items()}
    stale = sorted(set(known) - set(out["equivalent"]))
    return {
        "mutants": len(codes),
        **counts,
        "score": len(out["killed"]) / scored if scored else None,
        "stale_equivalent_entries": stale,
        "lists": out,
    }


def run_package(package: str, work_root: Path, tests: list[str] | None = None) -> dict:
    spec = PACKAGES[package]
    tests = [t for t in (tests or spec["tests"]) if (REPO / t).is_file()]
    work = work_root / package
    work.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(work / "mutants", ignore_errors=True)
    _scratch(work, tests)
    (work / "pyproject.toml").write_text(_pyproject(spec["files"], tests), encoding="utf-8")
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mutmut", "run", "--max-children", "1"],
        cwd=work,
        env=_env(),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    (work / "mutmut.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    codes = _statuses(work, spec["files"])
    if proc.returncode != 0 or not codes:
        raise SystemExit(f"mutmut failed on {package} (exit {proc.returncode}); see {work / 'mutmut.log'}")
    equivalent = yaml.safe_load(EQUIVALENT.read_text(encoding="utf-8")) if EQUIVALENT.is_file() else {}
    result = classify(package, codes, equivalent or {})
    result["survivor_diffs"] = {n: _diff(work, n) for n in result["lists"]["survived"]}
    result.update(files=spec["files"], tests=tests, seconds=round(seconds, 1))
    return result


def markdown(results: dict[str, dict]) -> str:
    lines = [
        "# Mutation testing (mutmut)",
        "",
        "Generated by `benchmarks/mutation.py`; equivalents and out-of-scope functions with "
        "their reasons in `benchmarks/mutation_equivalent.yaml`.",
        "",
        "| package | mutants | killed | survived | equivalent | out of scope | score | tests | s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        score = f"{r['score']:.1%}" if r["score"] is not None else "—"
        tests = ", ".join(Path(t).name for t in r["tests"])
        lines.append(
            f"| {name} | {r['mutants']} | {r['killed']} | {r['survived']} | {r['equivalent']} | "
            f"{r['out_of_scope']} | {score} | {tests} | {r['seconds']} |"
        )
    for name, r in results.items():
        if r["survivor_diffs"]:
            lines += ["", f"## Survivors in {name}", ""]
            for mutant, diff in r["survivor_diffs"].items():
                lines += [f"`{mutant}`", "", "```diff", diff, "```", ""]
    return "\n".join(lines) + "\n"


def planted(work_root: Path) -> list[dict]:
    """Plant each bug in a scratch copy, run its tests under ``-m "not slow"``: they must fail."""
    rows = []
    for name, file, old, new, tests in PLANTED:
        with tempfile.TemporaryDirectory(dir=work_root) as tmp:
            work = Path(tmp)
            _scratch(work, tests)
            (work / "pyproject.toml").write_text(_pyproject([], tests), encoding="utf-8")
            text = (work / file).read_text(encoding="utf-8")
            if text.count(old) != 1:
                raise SystemExit(f"planted bug {name!r}: {old!r} is not once in {file}")
            (work / file).write_text(text.replace(old, new), encoding="utf-8")
            env = {**_env(), "PYTHONPATH": str(work)}
            proc = subprocess.run(
                [sys.executable, "-m", "pytest", *PYTEST_ARGS, *tests],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
            )
            failed = re.findall(r"^FAILED (\S+)", proc.stdout, re.M)
            rows.append(
                {
                    "bug": name,
                    "file": file,
                    "tests": tests,
                    "caught": proc.returncode == 1,
                    "exit": proc.returncode,
                    "first_failure": failed[0] if failed else None,
                }
            )
            print(f"{'caught' if proc.returncode == 1 else 'MISSED'}: {name} ({failed[:1]})", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--package", action="append", choices=sorted(PACKAGES), help="default: all")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "flipnet-mutation")
    parser.add_argument("--tests", nargs="+", help="override the test selection (e.g. the suite before)")
    parser.add_argument("--out", type=Path, default=RESULTS / "mutation.json")
    parser.add_argument("--planted", action="store_true", help="run the planted-bug table instead")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.planted:
        rows = planted(args.work)
        _write(RESULTS / "planted_bugs.json", json.dumps(rows, indent=2) + "\n")
        return 0 if all(r["caught"] for r in rows) else 1
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    for package in args.package or list(PACKAGES):
        print(f"mutating {package} …", flush=True)
        results[package] = run_package(package, args.work, args.tests)
        r = results[package]
        print(
            f"  {r['mutants']} mutants, {r['killed']} killed, {r['survived']} survived, "
            f"{r['equivalent']} equivalent, {r['out_of_scope']} out of scope ({r['seconds']} s)",
            flush=True,
        )
        _write(args.out, json.dumps(results, indent=1, ensure_ascii=False) + "\n")
        _write(args.out.with_suffix(".md"), markdown(results))
    return 0 if all(not r["survived"] for r in results.values()) else 1


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


if __name__ == "__main__":
    sys.exit(main())
