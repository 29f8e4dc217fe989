"""The command line (``prosthetics``): argument parsing, one-line errors, progress.

Imports of the heavy layers happen inside the commands, so ``--help`` and ``--version``
answer at once."""

from prosthetics.cli.main import main

__all__ = ["main"]
