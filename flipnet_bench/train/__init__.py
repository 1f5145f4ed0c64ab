"""Training stages of FLIPNET (prior → face embedding I/II → joint FLIPNET), all under accelerate."""
