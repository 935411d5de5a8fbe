"""Ingest stage: httpx clients for Floqer and Flowstate landing raw Parquet (issue 3; not built yet)."""
