"""Kokoro: the engine (``engine``), and text made into its phonemes and tokens (``phonemes``)."""
