"""dvc.yaml as generated code: each stage's code deps are its script's import closure, its params the sections
its script and the implementations it selects read (:mod:`.imports`), its stages one function per stage
family (:mod:`.stages`), written by ``scripts/gen_dvc.py`` (:mod:`.render`)."""
