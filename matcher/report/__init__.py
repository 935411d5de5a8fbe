"""Report stage: Parquet, spreadsheet-safe CSV and HTML reports (issues 5 and 6; not built yet)."""
