"""Five-point face alignment as the identity networks' reference code does it.

Points are (left eye, right eye, nose, left mouth corner, right mouth corner) in pixels (x, y).

* :func:`cp2tform_similarity`: the similarity transform of the MTCNN alignment code that AdaFace and the NTIRE
  repositories use (``matlab_cp2tform.get_similarity_transform_for_cv2``): the non-reflective fit solves the
  least squares of destination → source and inverts it; the reflective fit mirrors the destination x; the
  fit with the smaller residual wins. The reference code mirrors the destination points *in place* before
  it measures both residuals, so both are measured against the mirrored points; that choice is kept here so
  that the same transform is picked.
* :func:`warp_5pt`: ``cv2.warpAffine`` with that transform (bilinear, black border), as
  ``warp_and_crop_face`` does.
"""

from __future__ import annotations

import cv2
import numpy as np

#: AdaFace / MTCNN reference points for a 96x112 crop (``REFERENCE_FACIAL_POINTS``).
REFERENCE_96X112 = np.array(
    [[30.29459953, 51.69630051], [65.53179932, 51.50139999], [48.02519989, 71.73660278],
     [33.54930115, 92.3655014], [62.72990036, 92.20410156]]
)  # fmt: skip
#: The same points for the 112x112 square crop (``get_reference_facial_points(default_square=True)``).
REFERENCE_112 = REFERENCE_96X112 + np.array([8.0, 0.0])
#: The five landmarks of an FFHQ-aligned 512x512 face (the template the FFHQ/GFPGAN alignment warps to).
FFHQ_512 = np.array(
    [[192.98138, 239.94708], [318.90277, 240.1936], [256.63416, 314.01935],
     [201.26117, 371.41043], [313.08905, 371.15118]]
)  # fmt: skip


def ffhq_points(width: int, height: int) -> np.ndarray:
    """The FFHQ template's five points for an aligned face of ``width`` x ``height`` pixels."""
    return FFHQ_512 * np.array([width / 512.0, height / 512.0])


def _nonreflective(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """3x3 ``T`` with ``[x, y, 1] = [u, v, 1] @ T``, from the least squares of dst → src, inverted."""
    x, y = dst[:, :1], dst[:, 1:]
    ones, zeros = np.ones_like(x), np.zeros_like(x)
    a = np.vstack([np.hstack([x, y, ones, zeros]), np.hstack([y, -x, zeros, ones])])
    b = np.vstack([src[:, :1], src[:, 1:]])
    if np.linalg.matrix_rank(a) < 4:
        raise ValueError("five-point alignment needs at least two distinct points")
    sc, ss, tx, ty = np.linalg.lstsq(a, b, rcond=None)[0][:, 0]
    t = np.linalg.inv(np.array([[sc, -ss, 0.0], [ss, sc, 0.0], [tx, ty, 1.0]]))
    t[:, 2] = (0.0, 0.0, 1.0)
    return t


def _apply(t: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return (np.hstack([pts, np.ones((len(pts), 1))]) @ t)[:, :2]


def cp2tform_similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2x3 matrix for ``cv2.warpAffine`` that maps ``src`` points onto ``dst`` (see the module docstring)."""
    src, dst = np.asarray(src, np.float32).astype(np.float64), np.asarray(dst, np.float32).astype(np.float64)
    t1 = _nonreflective(src, dst)
    mirrored = dst * np.array([-1.0, 1.0])
    t2 = _nonreflective(src, mirrored) @ np.diag([-1.0, 1.0, 1.0])
    n1 = np.linalg.norm(_apply(t1, src) - mirrored)
    n2 = np.linalg.norm(_apply(t2, src) - mirrored)
    t = t1 if n1 <= n2 else t2
    return t[:, :2].T


def warp_5pt(image: np.ndarray, points: np.ndarray, reference: np.ndarray, size: int) -> np.ndarray:
    """``image`` warped so that ``points`` land on ``reference`` in a ``size`` x ``size`` crop."""
    matrix = cp2tform_similarity(points, reference)
    return cv2.warpAffine(np.ascontiguousarray(image), matrix, (size, size))
