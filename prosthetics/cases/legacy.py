"""Single-file cases (schema 1, ``*.case.json``, written by the desktop application) made
into case folders."""

from __future__ import annotations

import os
from pathlib import Path

from prosthetics.cases.scans import add_scan
from prosthetics.cases.store import (
    SCHEMA_PREFIX,
    Case,
    commit_index,
    file_sha256,
    locked,
    new_case,
    open_case,
    read_json,
)
from prosthetics.errors import N_, CaseError


def import_legacy_case(legacy_file: str | os.PathLike, root: str | os.PathLike, *,
                       case_id: str | None = None, side: str | None = None,
                       amputation_level: str | None = None) -> Case:
    """Make a case folder from a single-file case (schema 1, ``*.case.json``): its scan is
    added (the sha256 it recorded must match), its settings are kept for the first design."""
    p = Path(legacy_file)
    data = read_json(p, "case file")
    if not isinstance(data, dict) or data.get("schema") != f"{SCHEMA_PREFIX}1":
        raise CaseError.of(N_("%(name)s is not a single-file case (schema prosthetics.case/1)"),
                           name=p.name)
    scan = data.get("scan") or {}
    src = (p.resolve().parent / scan.get("path", "")) if scan.get("path") else None
    if src is None or not src.is_file():
        src = Path(scan.get("absolute_path") or "")
    if not src.is_file():
        raise CaseError.of(N_("%(name)s: its scan %(path)s cannot be found"), name=p.name,
                           path=repr(scan.get('path')))
    if scan.get("sha256") and file_sha256(src) != scan["sha256"]:
        raise CaseError.of(N_("%(name)s: its scan %(scan)s has changed since the case was "
                              "saved"), name=p.name, scan=src.name)
    case = new_case(root, case_id=case_id, side=side, amputation_level=amputation_level,
                    note=f"imported from a single-file case ({data.get('template')})")
    add_scan(case, src, units=data.get("units"), measure=False)
    with locked(case):
        case.data = open_case(case.path).data
        case.scans[-1]["legacy_settings"] = {"template": data.get("template"),
                                             "parameters": data.get("parameters") or {}}
        commit_index(case)
    return case


__all__ = ["import_legacy_case"]
