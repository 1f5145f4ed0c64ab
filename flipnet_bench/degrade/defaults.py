"""Names used as defaults across the package, kept in a module without imports so that params dataclasses can
use them without pulling the degradation models into every pipeline stage's dependencies."""

#: The classic preset used wherever none is named (GFPGAN's training degradation, the protocol's default).
DEFAULT_PRESET = "gfpgan"

#: How ``degrade`` runs per-image models on files: ``cv2`` = the OpenCV calls of the published chain where the
#: model has them (classic: GFPGAN's dataset), ``torch`` = the tensor path that online training pairs use.
FILE_BACKENDS = ("cv2", "torch")
DEFAULT_FILE_BACKEND = "cv2"
