"""Singer tap for Clockify."""

#: The one place the version is set: the package metadata (pyproject's dynamic version),
#: ``--version``, ``--about`` and the User-Agent header all read it from here.
__version__ = "0.1.0"
