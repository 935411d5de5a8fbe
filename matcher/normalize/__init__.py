"""Normalize stage: titles, salaries, geographies and skills from the raw lake (issue 4; not built yet)."""
