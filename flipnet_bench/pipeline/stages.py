"""The pipeline's stages: one function per stage family, each returning its :class:`Stage` entries from the
typed params. Code deps and params are not written here: :mod:`.render` derives them from the script's import
closure and the sections it loads (:mod:`.imports`). A stage states only what the code cannot tell: its
command, what it selects by name, its data/stage-output deps, the keys it reads of a section it reads only in
part, and its outputs.

A new stage family is one function ``(params) -> list[Stage]`` appended to :data:`FAMILIES`; a conditional
family (say, stages present only when a params key is set) returns ``[]`` when it is not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from flipnet_bench.pipeline.imports import registry_target

METHODS = "flipnet_bench.methods:METHODS"
DEGRADATIONS = "flipnet_bench.degrade:DEGRADATIONS"
PERSIST = {"persist": True}
UNCACHED = {"cache": False}


@dataclass(frozen=True)
class Stage:
    """One dvc.yaml stage (or ``foreach``/``matrix`` family) as the generator sees it."""

    name: str
    script: str  #: pipelines/<name>.py
    args: str = ""  #: the command line after the script
    loop: dict[str, Any] | None = None  #: {"foreach": ...} or {"matrix": {...}}
    selects: tuple[str, ...] = ()  #: "module:Class" implementations the stage picks by name from params
    deps: tuple[str, ...] = ()  #: data and stage-output deps (the code deps are derived)
    #: section -> the keys of it the stage reads (default: the whole section); the section's own name keeps
    #: a section that is otherwise watched through a stage output (``imports.WATCHED_THROUGH``).
    narrow: dict[str, tuple[str, ...]] = field(default_factory=dict)
    outs: tuple[Any, ...] = ()
    metrics: tuple[Any, ...] = ()
    plots: tuple[Any, ...] = ()
    desc: str | None = None
    always_changed: bool = False

    @property
    def cmd(self) -> str:
        return f"sh pipelines/python {self.script}" + (f" {self.args}" if self.args else "")


def _methods(params: dict[str, Any], names: list[str]) -> tuple[str, ...]:
    methods = params["methods"]
    return tuple(sorted({registry_target(METHODS, methods.entry(m).type) for m in names}))


def setup(params: dict[str, Any]) -> list[Stage]:
    """The weights cache, the test-set records and the FID/realism references."""
    data = params["data"]
    inputs = [f"${{data.{k}}}" for k, v in vars(data).items() if v is not None and k != "synthetic_root"]
    synthetic = "${data.synthetic_test}"
    return [
        Stage(
            "weights",
            "pipelines/weights.py",
            "--out out/weights.json",
            narrow={"pipeline": ("pipeline.weights_dir",)},
            outs=("out/weights.json",),
        ),
        Stage(
            "prepare",
            "pipelines/prepare.py",
            "--records out/prepare/sets",
            deps=tuple(inputs),
            narrow={"pipeline": ("pipeline.sets",)},
            outs=("out/prepare/sets",),
        ),
        Stage(
            "reference",
            "pipelines/reference.py",
            deps=("out/weights.json", "out/prepare/sets", synthetic),
            narrow={"pipeline": ("pipeline.sets",)},
            outs=("out/reference",),
        ),
    ]


def degradation_start(params: dict[str, Any]) -> str:
    """The checkpoint FLIPNET's degradation mode runs from in the pipeline: flipnet.degradation.init when it
    is set, else the joint model."""
    if params["flipnet"].degradation.init is not None:
        return "${flipnet.degradation.init}"
    return "${flipnet.base}"


def synth(params: dict[str, Any]) -> list[Stage]:
    """LQ/HQ pair sets from the HQ train split, one per ``synth.models`` entry, and FLIPNET's (checkpoint)."""
    models = params["synth"].models
    record = ("out/prepare/sets/${synth.source}.json",)
    degrader = degradation_start(params)
    return [
        Stage(
            "synth",
            "pipelines/synth.py",
            "${key}",
            loop={"foreach": "${synth.models}"},
            selects=tuple(sorted({registry_target(DEGRADATIONS, m.model) for m in models.values()})),
            deps=record,
            narrow={"synth": ("synth.source", "synth.max_images", "synth.models.${key}")},
            outs=("out/synth/${key}",),
        ),
        Stage(
            "synth-flipnet",
            "pipelines/synth.py",
            f"flipnet --checkpoint {degrader}",
            selects=(registry_target(DEGRADATIONS, "flipnet"),),
            deps=(degrader, *record),
            outs=("out/synth/flipnet",),
            desc="params flipnet: the sampling keys (flipnet.sample_*, scheduler), also when added with "
            "`dvc exp run -S`",
        ),
    ]


def train(params: dict[str, Any]) -> list[Stage]:
    """FLIPNET's restoration mode and the small restorer, each on "+O" and "+O/F" pairs."""
    hq = "out/prepare/sets/hq-train.json"
    resumable = "outputs persist: training resumes; the script clears state made with other settings"
    #: the shipped checkpoint both restorer variants start from, when restorer.train.init is set
    init = ("${restorer.train.init}",) if params["restorer"].train.init is not None else ()
    #: FLIPNET's restoration variants start from flipnet.restoration.init when it is set, else the joint model
    start = (
        "${flipnet.restoration.init}" if params["flipnet"].restoration.init is not None else "${flipnet.base}"
    )
    return [
        Stage(
            "train-flipnet-o",
            "pipelines/train_flipnet.py",
            "flipnet_o",
            deps=(start, hq),
            outs=({"out/methods/flipnet_o": PERSIST},),
            desc=resumable,
        ),
        Stage(
            "train-flipnet-of",
            "pipelines/train_flipnet.py",
            "flipnet",
            deps=(start, hq, "out/synth/flipnet"),
            outs=({"out/methods/flipnet": PERSIST},),
            desc=resumable,
        ),
        Stage(
            "train-restorer-o",
            "pipelines/train_restorer.py",
            "restorer_o",
            deps=(hq, *init),
            outs=({"out/methods/restorer_o": PERSIST},),
            desc=resumable,
        ),
        Stage(
            "train-restorer-of",
            "pipelines/train_restorer.py",
            "restorer_of",
            deps=(hq, "out/synth/flipnet", *init),
            outs=({"out/methods/restorer_of": PERSIST},),
            desc=resumable,
        ),
        Stage(
            "card",
            "pipelines/card.py",
            "${item}",
            loop={"foreach": ["identity"]},
            narrow={"methods": ("methods.builtin.${item}",)},
            outs=("out/methods/${item}",),
        ),
    ]


def _restore_decoder(params: dict[str, Any]) -> tuple[str, ...]:
    """The decoder FLIPNET's restorations are decoded with, when ``flipnet.restore_decoder`` names one."""
    return ("${flipnet.restore_decoder}",) if params["flipnet"].restore_decoder is not None else ()


def _restore_score(
    params: dict[str, Any], suffix: str, loop: dict[str, Any], names: list[str], builtin: bool
) -> list[Stage]:
    """restore<suffix> and score<suffix> over ``loop`` (a matrix with ``set`` and ``method`` axes)."""
    item = "${item.set} ${item.method}"
    seeded = "seed" in loop["matrix"]
    restored = "out/restored-seeds" if seeded else "out/restored"
    folder = "${item.set}/${item.method}" + ("/seed${item.seed}" if seeded else "")
    flag = " --seed ${item.seed}" if seeded else ""
    key = "methods.builtin.${item.method}" if builtin else "methods.external.${item.method}"
    record = "out/prepare/sets/${item.set}.json"
    restore = Stage(
        f"restore{suffix}",
        "pipelines/restore.py",
        item + flag,
        loop=loop,
        selects=_methods(params, names),
        deps=(record, *(("out/methods/${item.method}", *_restore_decoder(params)) if builtin else ())),
        narrow={"methods": (key,)},
        outs=({f"{restored}/{folder}": PERSIST},),
        always_changed=not builtin,
        desc=None
        if builtin
        else "The result folder lives outside the project: re-checked every run (the copy "
        "is cheap, and unchanged results leave the scores untouched).",
    )
    metrics = () if seeded else ({"metrics/${item.set}/${item.method}.json": UNCACHED},)
    score = Stage(
        f"score{suffix}",
        "pipelines/score.py",
        item + flag,
        loop=loop,
        deps=("out/weights.json", "out/reference", record, f"{restored}/{folder}"),
        outs=(f"out/scores{'-seeds' if seeded else ''}/{folder}",),
        metrics=metrics,
    )
    return [restore, score]


def restore_score(params: dict[str, Any]) -> list[Stage]:
    """Every method on every test set, restored then scored; the seed spread of the stochastic methods."""
    pipe, methods = params["pipeline"], params["methods"]
    sets = "${pipeline.sets}"
    return [
        *_restore_score(
            params, "", {"matrix": {"set": sets, "method": "${pipeline.methods}"}}, pipe.methods, True
        ),
        *_restore_score(
            params,
            "-flipnet",
            {"matrix": {"set": sets, "method": "${pipeline.flipnet_methods}"}},
            pipe.flipnet_methods,
            True,
        ),
        *_restore_score(
            params,
            "-external",
            {"matrix": {"set": sets, "method": "${methods.external}"}},
            sorted(methods.external),
            False,
        ),
        *_restore_score(
            params,
            "-seed",
            {
                "matrix": {
                    "set": "${pipeline.seed_sets}",
                    "method": "${pipeline.seed_methods}",
                    "seed": "${pipeline.extra_seeds}",
                }
            },
            pipe.seed_methods,
            True,
        ),
    ]


def published(params: dict[str, Any]) -> list[Stage]:
    """Each published method whose ``methods.published.<name>.weights`` is set, on every test set (no stage
    otherwise). The restore stage depends on the weight file itself: another file at that path re-runs it."""
    methods = params["methods"]
    stages: list[Stage] = []
    for name in methods.published_to_run():
        loop = {"matrix": {"set": "${pipeline.sets}", "method": [name]}}
        record = "out/prepare/sets/${item.set}.json"
        restored = "out/restored/${item.set}/${item.method}"
        stages += [
            Stage(
                f"restore-published-{name}",
                "pipelines/restore_published.py",
                "${item.set} ${item.method}",
                loop=loop,
                selects=_methods(params, [name]),
                deps=(record, str(methods.published[name].weights)),
                narrow={"methods": (f"methods.published.{name}",)},
                outs=({restored: PERSIST},),
            ),
            Stage(
                f"score-published-{name}",
                "pipelines/score.py",
                "${item.set} ${item.method}",
                loop=loop,
                deps=("out/weights.json", "out/reference", record, restored),
                outs=("out/scores/${item.set}/${item.method}",),
                metrics=({"metrics/${item.set}/${item.method}.json": UNCACHED},),
            ),
        ]
    return stages


def report(params: dict[str, Any]) -> list[Stage]:
    """The realism study over every synthesized set, and the leaderboard over every method."""
    pipe, realism = params["pipeline"], params["realism"]
    crops = os.path.commonpath([realism.hq, *realism.real.values()])
    synthesized = tuple(f"out/synth/{name}" for name in params["synth"].all_models())
    types = tuple(f"methods.builtin.{m}.type" for m in pipe.all_methods())
    return [
        Stage(
            "realism",
            "pipelines/realism.py",
            "--png docs/plots_realism.png",
            selects=tuple(sorted({registry_target(DEGRADATIONS, m) for m in realism.models})),
            deps=(degradation_start(params), crops, "out/weights.json", *synthesized, "out/prepare/sets"),
            narrow={"pipeline": ("pipeline.sets", "pipeline.flipnet_real_lq"), "data": ("data",)},
            outs=("out/realism",),
            metrics=({"metrics/realism.json": UNCACHED},),
            plots=("out/plots/realism.csv", {"docs/plots_realism.png": UNCACHED}),
            desc="flipnet.degradation.init, else flipnet.base (a dep): the flipnet row degrades with it "
            "(realism.flipnet_checkpoint: null)",
        ),
        Stage(
            "leaderboard",
            "pipelines/leaderboard.py",
            "--markdown leaderboard.md --csv leaderboard.csv --docs docs",
            deps=("out/prepare/sets", "out/scores", "out/scores-seeds", "out/restored", "metrics"),
            narrow={
                "pipeline": (
                    "pipeline.seed_sets",
                    "pipeline.extra_seeds",
                    "pipeline.sets",
                    "pipeline.methods",
                    "pipeline.flipnet_methods",
                ),
                "methods": (*types, "methods.external", "methods.published"),
            },
            outs=({"leaderboard.md": UNCACHED}, {"leaderboard.csv": UNCACHED}, "out/leaderboard"),
            plots=(
                "out/plots/perception_distortion.csv",
                {"docs/plots_bars.png": UNCACHED},
                {"docs/plots_pd.png": UNCACHED},
                "out/plots/bars",
            ),
            desc="out/prepare/sets: the LQ/GT thumbnails come from the test sets",
        ),
    ]


#: Stage families in dvc.yaml order.
FAMILIES = [setup, synth, train, restore_score, published, report]
