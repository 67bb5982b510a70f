"""Singer tap for Clockify."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tap-clockify")
except PackageNotFoundError:  # pragma: no cover - only when run from an uninstalled tree
    __version__ = "0.0.0"
