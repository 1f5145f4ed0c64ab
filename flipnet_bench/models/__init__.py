"""Model implementations (FLIPNET lives in :mod:`flipnet_bench.models.flipnet`)."""
