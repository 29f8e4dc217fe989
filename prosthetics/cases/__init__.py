"""Patient cases: a folder per limb with its scans and every design revision (hash-chained),
the printed record, the measurement history, and encrypted hand-off packages."""

from prosthetics.cases.package import pack_case, unpack_case
from prosthetics.cases.store import (
    Case,
    add_design,
    add_scan,
    design_revision,
    new_case,
    open_case,
    verify_case,
)
from prosthetics.cases.trends import trends

__all__ = ["Case", "add_design", "add_scan", "design_revision", "new_case", "open_case",
           "pack_case", "trends", "unpack_case", "verify_case"]
