"""Patient cases: a folder per limb with its scans and every design revision (hash-chained),
the printed record, the measurement history, and encrypted hand-off packages.

The modules, by concept: ``store`` (the folder, its index, scans), ``ids`` (case IDs and
personal fields), ``revisions`` (filing designs), ``verify`` (the hash chain), ``legacy``
(single-file cases), ``record`` (the printed record), ``trends``, ``package``.
"""

from prosthetics.cases.ids import check_case_id, find_personal, new_case_id, personal_values
from prosthetics.cases.legacy import import_legacy_case
from prosthetics.cases.package import pack_case, unpack_case
from prosthetics.cases.revisions import add_design, design_revision
from prosthetics.cases.store import (
    CASE_FILE,
    LEVELS,
    SCHEMA,
    SIDES,
    Case,
    CaseError,
    add_scan,
    find_cases,
    is_case_folder,
    new_case,
    open_case,
    set_personal,
)
from prosthetics.cases.trends import trends
from prosthetics.cases.verify import Verification, verify_case

__all__ = ["CASE_FILE", "LEVELS", "SCHEMA", "SIDES", "Case", "CaseError", "Verification",
           "add_design", "add_scan", "check_case_id", "design_revision", "find_cases",
           "find_personal", "import_legacy_case", "is_case_folder", "new_case", "new_case_id",
           "open_case", "pack_case", "personal_values", "set_personal", "trends",
           "unpack_case", "verify_case"]
