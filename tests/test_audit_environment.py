"""The environment record written beside metrics files, and how two records are compared."""

from __future__ import annotations

import json

import pytest
import torch

from flipnet_bench.environment import (
    collect_environment,
    diff_environments,
    flatten,
    read_environment,
    write_environment,
)
from flipnet_bench.errors import BenchError


def test_record_has_versions_device_threads_and_flags() -> None:
    env = collect_environment()
    assert env["packages"]["torch"].split("+")[0] == torch.__version__.split("+")[0]
    for key in ("torchvision", "diffusers", "peft", "accelerate", "numpy", "pillow", "opencv", "lpips"):
        assert env["packages"][key], key
    assert env["device"]["type"] == ("cuda" if torch.cuda.is_available() else "cpu")
    assert env["threads"]["torch"] == torch.get_num_threads()
    assert (
        env["deterministic"]["torch_deterministic_algorithms"] is torch.are_deterministic_algorithms_enabled()
    )
    assert env["python"].count(".") == 2


def test_write_is_reproducible_and_round_trips(tmp_path) -> None:
    a = write_environment(tmp_path / "a" / "environment.json")
    b = write_environment(tmp_path / "b" / "environment.json")
    assert a.read_bytes() == b.read_bytes()  # no time stamps: re-running a stage writes the same bytes
    assert read_environment(a) == json.loads(a.read_text())


def test_diff_names_changed_added_and_removed_keys() -> None:
    now = collect_environment()
    old = json.loads(json.dumps(now))
    old["packages"]["torch"] = "1.0.0"
    old["threads"]["torch"] = 64
    old["gone"] = {"x": 1}
    diffs = {key: (was, cur) for key, was, cur in diff_environments(old, now)}
    assert diffs["packages.torch"] == ("1.0.0", now["packages"]["torch"])
    assert diffs["threads.torch"] == (64, now["threads"]["torch"])
    assert diffs["gone.x"] == (1, None)
    assert len(diffs) == 3
    assert diff_environments(now, now) == []
    assert flatten({"a": {"b": {"c": 1}}}) == {"a.b.c": 1}


def test_missing_or_broken_record_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(BenchError, match="no environment record"):
        read_environment(tmp_path / "environment.json")
    (tmp_path / "environment.json").write_text("{not json")
    with pytest.raises(BenchError, match="not valid JSON"):
        read_environment(tmp_path / "environment.json")
