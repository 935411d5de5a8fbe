"""Benchmark stage: market percentiles, compa-ratio, confidence and hiring intent (issue 5; not built yet)."""
