"""The installed package's version, for the facade and the CLI."""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("matcher")
except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
    VERSION = "0.0.0"
