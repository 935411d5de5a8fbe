"""Shared pieces every stage may import: errors, clocks, reference data. Imports no stage."""
