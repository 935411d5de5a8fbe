"""The lake's layout (every table's path and key, named once), SQL over it, and compaction.

A layer of its own below the stages: it imports only ``matcher.common`` (and DuckDB, lazily).
"""
