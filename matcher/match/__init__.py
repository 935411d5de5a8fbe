"""Match stage: candidate generation and explained composite scores (issue 5; not built yet)."""
