"""Names used as defaults across the package, kept in a module without imports so that params dataclasses can
use them without pulling the degradation models into every pipeline stage's dependencies."""

#: The classic preset used wherever none is named (GFPGAN's training degradation, the protocol's default).
DEFAULT_PRESET = "gfpgan"
