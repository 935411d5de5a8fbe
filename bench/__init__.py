"""Benchmarks: each prints a ratio against a baseline run side by side in one process, plus peak memory."""
