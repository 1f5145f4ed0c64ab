"""The pipeline's published-method stages: ``restore-published-<name>@<set>`` and ``score-published-<name>@…``
for every published method whose ``methods.published.<name>.weights`` is set (none by default).

:func:`restore_published_set` is what ``pipelines/restore_published.py`` runs; the stage definitions come from
the dvc.yaml generator (:func:`flipnet_bench.pipeline.stages.published`). The score stage is the ordinary
``pipelines/score.py`` on the method's restored folder; the leaderboard reads ``out/scores/<set>/<name>``
like any other method's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flipnet_bench.errors import BenchError
from flipnet_bench.methods.params import MethodsParams, PipelineParams


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
