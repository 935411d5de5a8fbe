"""``make bench``: run every benchmark and print its figures."""

from __future__ import annotations

import platform
import sys

from bench import (
    bench_benchmark,
    bench_coder_real,
    bench_incremental,
    bench_ingest,
    bench_match,
    bench_normalize,
    bench_occupations,
    bench_quality,
    bench_raw_read,
    bench_real_text,
    bench_report,
    bench_s3,
    bench_sandbox,
    bench_semantic,
    bench_spark,
    bench_validation,
)


def main() -> None:
    print(f"matcher benchmarks on {platform.machine()}, Python {sys.version.split()[0]}")
    bench_sandbox.main()
    bench_ingest.main()
    bench_validation.main()
    bench_raw_read.main()
    bench_normalize.main()
    bench_occupations.main()
    bench_coder_real.main()
    bench_semantic.main()
    bench_match.main()
    bench_spark.main()
    bench_incremental.main()
    bench_benchmark.main()
    bench_report.main()
    bench_s3.main()
    bench_quality.main()
    bench_real_text.main()


if __name__ == "__main__":
    main()
