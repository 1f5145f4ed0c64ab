"""flipnet-bench: a reproducible benchmark suite for blind face restoration built around FLIPNET."""

__version__ = "0.1.0"
