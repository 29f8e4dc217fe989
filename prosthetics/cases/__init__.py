"""Patient cases: a folder per limb with its scans and every design revision (hash-chained),
the printed record, the measurement history, and encrypted hand-off packages.

The modules, by concept: ``store`` (the folder, its index, the lock), ``ids`` (case IDs and
personal fields), ``scans`` (adding scans), ``revisions`` (filing designs), ``verify`` (the
hash chain), ``signing`` (key pairs and signed revisions), ``legacy`` (single-file cases),
``record`` (the printed record), ``trends``, ``package``.

Adding a scan and filing a design need the design layer, and packages and signatures need
``cryptography``; the names from those modules load on first use, so that opening, listing
and verifying unsigned cases (and the command line's ``--help``) do not load them.
"""

from __future__ import annotations

from prosthetics.cases.ids import check_case_id, find_personal, new_case_id, personal_values
from prosthetics.cases.store import (
    CASE_FILE,
    LEVELS,
    SCHEMA,
    SIDES,
    Case,
    CaseError,
    find_cases,
    is_case_folder,
    new_case,
    open_case,
    set_personal,
)
from prosthetics.cases.trends import trends
from prosthetics.cases.verify import Verification, verify_case
from prosthetics.lazy import lazy_attributes

#: Public name -> the module that defines it, for the names loaded on first use.
_LAZY = {
    "add_scan": "prosthetics.cases.scans",
    "add_design": "prosthetics.cases.revisions",
    "design_revision": "prosthetics.cases.revisions",
    "import_legacy_case": "prosthetics.cases.legacy",
    "generate_key": "prosthetics.cases.signing",
    "load_public_keys": "prosthetics.cases.signing",
    "load_signing_key": "prosthetics.cases.signing",
    "pack_case": "prosthetics.cases.package",
    "unpack_case": "prosthetics.cases.package",
}

__all__ = ["CASE_FILE", "LEVELS", "SCHEMA", "SIDES", "Case", "CaseError", "Verification",
           "add_design", "add_scan", "check_case_id", "design_revision", "find_cases",
           "find_personal", "generate_key", "import_legacy_case", "is_case_folder",
           "load_public_keys", "load_signing_key", "new_case", "new_case_id", "open_case",
           "pack_case", "personal_values", "set_personal", "trends",
           "unpack_case", "verify_case"]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())
