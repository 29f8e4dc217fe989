"""Error types.

Every error a user can cause derives from :class:`ProstheticsError` and also from the
builtin that fits (``ValueError``, ``FileNotFoundError``...), so callers can catch either.
Messages are one line: what was wrong, what was expected, and how to fix it.
"""

from __future__ import annotations


class ProstheticsError(Exception):
    """Base class for every error caused by the input or the parameters."""


class ScanError(ProstheticsError, ValueError):
    """The scan file cannot be read, or holds no usable limb."""


class ScanNotFoundError(ProstheticsError, FileNotFoundError):
    """The scan path does not exist."""


class UnitsError(ScanError):
    """The scan's units cannot be decided from its size."""


class ParameterError(ProstheticsError, ValueError):
    """A parameter is unknown or out of its documented range."""


class GeometryError(ProstheticsError, RuntimeError):
    """A stage could not build valid geometry from valid-looking input."""


class OutputError(ProstheticsError, OSError):
    """The output folder cannot be written."""


class ConfigError(ProstheticsError, ValueError):
    """The configuration file cannot be read, or a key in it is unknown or wrong."""


class CaseError(ProstheticsError, ValueError):
    """A case folder cannot be read, written or trusted."""


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM: a workshop's scheduler, ``kill``, a shut
    down): handled as Ctrl+C is, so that what is running ends cleanly and says so."""
