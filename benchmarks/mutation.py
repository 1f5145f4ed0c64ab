"""Mutation testing of the statistics, protocols, metric formulas and blur kernels (mutmut 3).

For each package the sources and tests are copied into a scratch folder, where ``mutmut run`` mutates the
package's files one function at a time and runs the fast tests that reach the mutated function. Each
outcome is then classified:

* killed: a test failed (or timed out) on the mutant;
* equivalent: listed in ``benchmarks/mutation_equivalent.yaml`` with the reason no test can tell it apart;
* out of scope: the function is listed there under ``out_of_scope`` (weight loading, command-line printing);
* survived: none of the above, printed with its diff — each one is a missing test or a missing entry.

``score = killed / (killed + survived)``; mutants a stopped run did not reach count as not run. The
summary and every survivor go to ``benchmarks/results/mutation.json`` and ``.md``. ``--planted`` instead
plants the bugs of ``benchmarks/mutation_planted.yaml`` one at a time in a scratch copy, runs
``pytest -m "not slow"`` on the listed tests and records whether they fail
(``benchmarks/results/planted_bugs.json``).

    .venv/bin/pip install -e '.[mutation]'
    .venv/bin/python benchmarks/mutation.py                       # every package (tens of minutes, 1 core)
    .venv/bin/python benchmarks/mutation.py --package stats        # one package; results merged
    .venv/bin/python benchmarks/mutation.py --planted              # the planted-bug table
"""

from __future__ import annotations

import argparse
import ast
import difflib
import functools
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
        # coverage.py is the harness of the coverage study (benchmarks/coverage.py, its own test):
        # not mutated, and the ~15 s study is left out of the per-mutant selection to keep runs short.
        "files": [
            f"flipnet_bench/stats/{f}.py"
            for f in ("intervals", "paired", "ranking", "gate", "compare", "gram", "features")
        ],
        "tests": [
            "tests/test_stats_references.py",
            "tests/test_mut_stats.py",
            "tests/test_mut_compare.py",
            "tests/test_mut_paired.py",
            "tests/test_mut_compare_inputs.py",
            "tests/test_compare.py",
        ],
    },
    "protocols": {
        # spec.py and run.py hold the logic; presets.py is the protocol tables (data: module constants and
        # three factory functions filling in descriptive text) and cli.py prints them: not mutated.
        "files": ["flipnet_bench/protocols/spec.py", "flipnet_bench/protocols/run.py"],
        "tests": [
            "tests/test_protocols.py",
            "tests/test_mut_protocols.py",
            "tests/test_mut_protocol_passes.py",
            "tests/test_mut_protocol_sets.py",
        ],
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
            "tests/test_mut_resize_niqe.py",
            "tests/test_mut_gaussian_checks.py",
        ],
    },
    "kernels": {
        "files": ["flipnet_bench/degrade/kernels.py"],
        "tests": ["tests/test_mut_kernels.py"],
    },
}

#: Bugs planted one at a time (``--planted``): file, original text, replacement, tests that must fail.
PLANTED = REPO / "benchmarks" / "mutation_planted.yaml"


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


@functools.cache
def _functions(path: Path) -> dict[str, list[str]]:
    """Source lines of every function (mutants and originals) in one mutants file."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    out = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):  # from the decorator-free def line, its name blanked
            body = lines[node.lineno - 1 : node.end_lineno]
            out[node.name] = [body[0].replace(node.name, "", 1), *body[1:]]
    return out


def _diff(work: Path, name: str) -> str:
    """The changed lines of mutant ``name``: its function in the mutants file against ``…__mutmut_orig``."""
    module, _, func = name.rpartition(".")
    functions = _functions(work / "mutants" / (module.replace(".", "/") + ".py"))
    orig = functions.get(re.sub(r"__mutmut_\d+$", "__mutmut_orig", func), [])
    diff = difflib.unified_diff(orig, functions.get(func, []), lineterm="", n=0)
    return "\n".join(line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))


def _function(name: str) -> str:
    """``flipnet_bench.stats.gate.x_calibrate__mutmut_3`` → ``flipnet_bench.stats.gate.calibrate``;
    methods (``xǁRunǁentry__mutmut_1``) → ``…compare.Run.entry``."""
    module, _, local = name.rpartition(".")
    local = re.sub(r"__mutmut_\d+$", "", local).removeprefix("x_").removeprefix("x")
    return f"{module}.{local.strip('ǁ').replace('ǁ', '.')}"


def _qualified_sources(source: str) -> dict[str, str]:
    """``{"func": source, "Class.method": source}`` of the module-level functions and methods."""
    tree, out = ast.parse(source), {}
    for node in tree.body:
        methods = node.body if isinstance(node, ast.ClassDef) else [node]
        prefix = f"{node.name}." if isinstance(node, ast.ClassDef) else ""
        for fn in methods:
            if isinstance(fn, ast.FunctionDef):
                out[prefix + fn.name] = ast.get_source_segment(source, fn) or ""
    return out


def changed_function_patterns(files: list[str], commit: str) -> list[str]:
    """mutmut name patterns for every mutant of a function whose source differs from ``commit``'s (or is new
    since): mutmut numbers mutants per function, so the recorded outcomes of the others still apply."""
    patterns = []
    for file in files:
        old = subprocess.run(["git", "show", f"{commit}:{file}"], cwd=REPO, capture_output=True, text=True)
        before = _qualified_sources(old.stdout) if old.returncode == 0 else {}
        module = file.removesuffix(".py").replace("/", ".")
        for name, text in _qualified_sources((REPO / file).read_text(encoding="utf-8")).items():
            if before.get(name) != text:
                cls, _, func = name.rpartition(".")
                mangled = f"xǁ{cls}ǁ{func}" if cls else f"x_{func}"
                patterns.append(f"{module}.{mangled}__mutmut_*")
    return patterns


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
    scored = len(out["killed"]) + len(out["survived"])  # mutants tested and not explained
    counts = {k: len(v) for k, v in out.items()}
    stale = sorted(set(known) - set(out["equivalent"]))
    return {
        "mutants": len(codes),
        **counts,
        "score": len(out["killed"]) / scored if scored else None,
        "stale_equivalent_entries": stale,
        "lists": out,
    }


def run_package(
    package: str,
    work_root: Path,
    tests: list[str] | None = None,
    rerun: list[str] | None = None,
    collect: bool = False,
    killed: list[str] | None = None,
    resume: bool = False,
) -> dict:
    """Mutate ``package`` from scratch, or (``rerun``: mutant names) re-test only those mutants against the
    current tests (mutmut collects coverage of new tests itself)."""
    spec = PACKAGES[package]
    tests = [t for t in (tests or spec["tests"]) if (REPO / t).is_file()]
    work = work_root / package
    work.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    if not collect:  # collect: only classify what an earlier (possibly interrupted) run recorded
        if not rerun and not resume:
            shutil.rmtree(work / "mutants", ignore_errors=True)
        _scratch(work, tests)
        (work / "pyproject.toml").write_text(_pyproject(spec["files"], tests), encoding="utf-8")
        command = [sys.executable, "-m", "mutmut", "run", "--max-children", "1", *(rerun or [])]
        proc = subprocess.run(command, cwd=work, env=_env(), capture_output=True, text=True)
        (work / "mutmut.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
        if proc.returncode != 0:
            raise SystemExit(
                f"mutmut failed on {package} (exit {proc.returncode}); see {work / 'mutmut.log'}"
            )
    seconds = time.perf_counter() - start
    codes = _statuses(work, spec["files"])
    if rerun:  # a changed test selection resets mutmut's records; killed stays killed when tests are added
        codes.update({n: 1 for n in killed or [] if codes.get(n) is None})
    if not codes:
        raise SystemExit(f"no mutmut results for {package} under {work}")
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
        "| package | mutants | killed | survived | equivalent | out of scope | not run | score | tests | s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        score = f"{r['score']:.1%}" if r["score"] is not None else "—"
        seconds = r["seconds"] or "—"  # a collected (not timed) result
        tests = ", ".join(Path(t).name for t in r["tests"])
        lines.append(
            f"| {name} | {r['mutants']} | {r['killed']} | {r['survived']} | {r['equivalent']} | "
            f"{r['out_of_scope']} | {r['not_run']} | {score} | {tests} | {seconds} |"
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
    for bug in yaml.safe_load(PLANTED.read_text(encoding="utf-8")):
        name, file, old, new, tests = bug["bug"], bug["file"], bug["old"], bug["new"], bug["tests"]
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
    parser.add_argument(
        "--rerun-survivors",
        action="store_true",
        help="re-test only the survivors and the mutants not run recorded in --out (killed ones stay killed)",
    )
    parser.add_argument(
        "--since",
        metavar="COMMIT",
        help="with --rerun-survivors: also re-test every mutant of the functions changed since COMMIT",
    )
    parser.add_argument("--resume", action="store_true", help="continue a stopped run in --work")
    parser.add_argument("--collect", action="store_true", help="classify the results already in --work")
    parser.add_argument("--planted", action="store_true", help="run the planted-bug table instead")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.planted:
        saved = RESULTS / "planted_bugs.json"
        rows = json.loads(saved.read_text(encoding="utf-8")) if args.collect else planted(args.work)
        _write(saved, json.dumps(rows, indent=2) + "\n")
        table = [
            "# Planted bugs (`benchmarks/mutation.py --planted`)",
            "",
            "| bug | file | caught | first failing test |",
            "|---|---|---|---|",
        ]
        table += [f"| {r['bug']} | `{r['file']}` | {'yes' if r['caught'] else '**no**'} | "
                  f"`{r['first_failure']}` |" for r in rows]  # fmt: skip
        _write(RESULTS / "planted_bugs.md", "\n".join(table) + "\n")
        return 0 if all(r["caught"] for r in rows) else 1
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    for package in args.package or list(PACKAGES):
        print(f"mutating {package} …", flush=True)
        previous = results.get(package, {})
        lists = previous.get("lists", {})
        rerun = (lists.get("survived", []) + lists.get("not_run", [])) if args.rerun_survivors else None
        if rerun is not None and args.since:
            rerun += changed_function_patterns(PACKAGES[package]["files"], args.since)
        if args.rerun_survivors and not rerun:
            print(f"  no survivors or mutants not run recorded for {package}", flush=True)
            continue
        seconds = previous.get("seconds", 0.0) if rerun else 0.0
        killed = previous.get("lists", {}).get("killed") if rerun else None
        results[package] = run_package(
            package, args.work, args.tests, rerun, args.collect, killed, args.resume
        )
        results[package]["seconds"] = round(results[package]["seconds"] + seconds, 1)
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
