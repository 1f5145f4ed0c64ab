"""The pipeline's published-method stages: ``restore-published@<set>-<name>`` and ``score-published@…`` for
every published method whose ``methods.published.<name>.weights`` is set (none by default).

:func:`restore_published_set` is what ``pipelines/restore_published.py`` runs; :func:`published_stages`
returns the stage definitions (dvc.yaml ``stages:`` entries) for the dvc.yaml generator. The score stage is
the ordinary ``pipelines/score.py`` on the method's restored folder; the leaderboard reads
``out/scores/<set>/<name>`` like any other method's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flipnet_bench.errors import BenchError
from flipnet_bench.methods.params import MethodsParams, PipelineParams

#: Modules every stage script imports (params, layout, data registry): shared with the other stages' deps.
_BASE_DEPS = [
    "pipelines/_stage.py",
    "flipnet_bench/__init__.py",
    "flipnet_bench/config.py",
    "flipnet_bench/errors.py",
    "flipnet_bench/lazy.py",
    "flipnet_bench/registry.py",
    "flipnet_bench/degrade/__init__.py",
    "flipnet_bench/degrade/defaults.py",
    "flipnet_bench/io",
    "flipnet_bench/data",
    "flipnet_bench/methods/params.py",
    "flipnet_bench/train/__init__.py",
    "flipnet_bench/train/restorer_config.py",
    "flipnet_bench/report/layout.py",
]
_RESTORE_DEPS = [
    "pipelines/restore_published.py",
    *_BASE_DEPS,
    "flipnet_bench/methods/__init__.py",
    "flipnet_bench/methods/run.py",
    "flipnet_bench/methods/stage.py",
    "flipnet_bench/methods/external.py",
    "flipnet_bench/methods/published.py",
    "flipnet_bench/methods/published_stages.py",
    "flipnet_bench/models/__init__.py",
    "flipnet_bench/models/published",
    "flipnet_bench/weights",
    "flipnet_bench/train/common.py",
]
_SCORE_DEPS = [
    "pipelines/score.py",
    *_BASE_DEPS,
    "flipnet_bench/metrics",
    "flipnet_bench/weights",
    "flipnet_bench/stats",
    "flipnet_bench/environment.py",
    "flipnet_bench/report/evaluate.py",
    "flipnet_bench/report/params.py",
    "out/weights.json",
    "out/reference",
]


def restore_published_set(
    alias: str, name: str, pipe: PipelineParams, data: Any, methods: MethodsParams,
    sections: Callable[[str], Any],
) -> dict[str, Any]:  # fmt: skip
    """Restore test set ``alias`` with published method ``name`` into ``out/restored/<alias>/<name>``
    (the stage owns the folder: another run's images are replaced). Returns the run record."""
    from flipnet_bench.methods.run import restore_folder
    from flipnet_bench.methods.stage import stage_method
    from flipnet_bench.report.layout import OUT_DIR, resolve_set, restored_dir

    if name not in methods.published_to_run():
        raise BenchError(
            f"methods.published.{name}.weights is not set; the pipeline has no stage for {name!r}"
        )
    test_set = resolve_set(alias, pipe.sets, data)
    method, entry = stage_method(methods, name, alias, sections)
    out = restored_dir(OUT_DIR, alias, name)
    return restore_folder(
        method, test_set.lq_dir, out, seed=entry.seed, batch_size=entry.batch_size, overwrite=True
    )


def published_stages(pipe: PipelineParams, methods: MethodsParams) -> dict[str, dict[str, Any]]:
    """dvc.yaml stage definitions for every set × published method with weights set ({} when none is).

    The restore stage depends on the weight file itself (DVC hashes it: another file at the same path
    re-runs the stage) and on its params entry; the weight file's SHA-256 is also in ``run.json``.
    """
    stages: dict[str, dict[str, Any]] = {}
    for name in methods.published_to_run():
        weights = str(methods.published[name].weights)
        method_module = _method_module(name)
        for alias in pipe.sets:
            restored = f"out/restored/{alias}/{name}"
            stages[f"restore-published@{alias}-{name}"] = {
                "cmd": f"sh pipelines/python pipelines/restore_published.py {alias} {name}",
                "deps": [*_RESTORE_DEPS, method_module, weights, f"out/prepare/sets/{alias}.json"],
                "params": [f"methods.published.{name}"],
                "outs": [{restored: {"persist": True}}],
            }
            stages[f"score-published@{alias}-{name}"] = {
                "cmd": f"sh pipelines/python pipelines/score.py {alias} {name}",
                "deps": [*_SCORE_DEPS, f"out/prepare/sets/{alias}.json", restored],
                "params": ["evaluate", "score", "face_metrics"],
                "outs": [f"out/scores/{alias}/{name}"],
                "metrics": [{f"metrics/{alias}/{name}.json": {"cache": False}}],
            }
    return stages


def _method_module(name: str) -> str:
    """The file of method ``name``'s class (from the lazy registry entry)."""
    from flipnet_bench.methods import METHODS

    module = METHODS.target(name).partition(":")[0]
    return module.replace(".", "/") + ".py"
