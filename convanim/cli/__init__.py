"""The command line: parse, call the library, report. Errors are one ``Error: …`` line.

The commands are made from :mod:`convanim.ops`; this package only reads values and reports.
"""

from . import batch, commands  # noqa: F401  (they register their commands on the group)
from .app import cli, main

__all__ = ["cli", "main"]
