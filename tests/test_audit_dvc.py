"""The ``dvc`` check on a tiny DVC project: clean after ``dvc repro``; an edited output, a hand-edited metrics
value or an edited input fails and names the stage and file; no dvc.lock fails with the fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flipnet_bench.audit import AuditOptions, run_audit

DVC_YAML = """\
stages:
  make:
    cmd: python -c "import shutil; shutil.copy('in.txt', 'out.txt'); shutil.copy('m0.json', 'm.json')"
    deps: [in.txt, m0.json]
    outs: [out.txt]
    metrics:
      - m.json:
          cache: false
  always:
    cmd: python -c "open('stamp.txt', 'w').write('x')"
    always_changed: true
    outs:
      - stamp.txt:
          cache: false
"""


def dvc(root: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "dvc", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def project(tmp_path) -> Path:
    dvc(tmp_path, "init", "--no-scm", "-q")
    (tmp_path / "in.txt").write_text("input\n")
    (tmp_path / "m0.json").write_text('{"psnr": 20.0}\n')
    (tmp_path / "dvc.yaml").write_text(DVC_YAML)
    return tmp_path


def dvc_row(root: Path):  # noqa: ANN201
    (row,) = run_audit(AuditOptions(root=root), ["dvc"], progress=False).rows
    return row


def test_never_run_pipeline_fails_with_the_fix(project) -> None:
    row = dvc_row(project)
    assert row.status == "fail" and "no dvc.lock" in row.detail and "dvc repro" in row.detail


def test_clean_then_each_tamper_is_named(project) -> None:
    dvc(project, "repro", "-q")
    row = dvc_row(project)
    assert row.status == "pass", row.items  # the always-changed stage is not a difference

    (project / "out.txt").write_text("edited\n")
    (project / "m.json").write_text('{"psnr": 21.0}\n')
    row = dvc_row(project)
    assert row.status == "fail"
    assert row.items == ["make: changed outs m.json (modified)", "make: changed outs out.txt (modified)"]

    dvc(project, "repro", "-q")
    assert dvc_row(project).status == "pass"
    (project / "in.txt").write_text("another input\n")
    assert dvc_row(project).items == ["make: changed deps in.txt (modified)"]
