"""Reports: Parquet and spreadsheet-safe CSV files, and ``load_reports`` to read them back."""
