"""Revisions: each design filed in a case, in its own folder, never changed once written.

:func:`add_design` files a design that was made elsewhere (the desktop application, a
script); :func:`design_revision` runs the design pipeline on a scan of the case and files
the result.  A save is staged in ``revisions/.staging-*``, renamed to its number, and only
then is case.json replaced (see :mod:`prosthetics.cases.store`).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from pathlib import Path

from prosthetics import __version__
from prosthetics.cases.ids import find_personal, personal_values
from prosthetics.cases.record import write_record_html
from prosthetics.cases.signing import SigningKey, case_folder_holding, sign_entry
from prosthetics.cases.store import (
    RECORD_FILE,
    REVISION_FILE,
    REVISION_SCHEMA,
    Case,
    checkpoint,
    commit_index,
    file_sha256,
    locked,
    open_case,
    record_sha256,
    remove_tree,
    utc_now,
)
from prosthetics.design.output import options_taken_by
from prosthetics.design.session import parameter_groups, resolve_template, run_design
from prosthetics.design.socket_writer import write_design
from prosthetics.errors import N_, CaseError
from prosthetics.fileio import rename_into_place, temp_dir_beside, write_json


def add_design(case: Case, design, *, author: str = "", note: str = "", progress=None,
               write=None, part: str = "socket", body: str = "limb",
               slice_progress=None, signing_key: SigningKey | None = None,
               reports: dict | None = None) -> dict:
    """File a design (from :func:`prosthetics.design.session.run_design`) as the next revision.

    The print files and reports are written by ``write`` (default
    :func:`~prosthetics.design.socket_writer.write_design`) into a staging folder inside ``revisions/``;
    every STL header and the 3MF object name are set to the case ID, the record for the
    patient file is written, every file is hashed, the revision record (with the previous
    record's hash) is written, the folder is renamed to its number, and last case.json is
    replaced.  ``write`` returns only once the slicer (when slicing is on) has ended and its
    figures are in report.json, so the revision files the report and the hashes with them.

    Parameters
    ----------
    design
        Has ``report`` (with ``kind`` and ``input.sha256``), ``groups`` and the meshes named
        by ``part`` (the printed part) and ``body`` (the limb or foot, for the picture).
    write
        ``write(design, out_dir, stem=..., progress=...)`` writing the print files,
        report.json and report.html (another kind of design brings its own); given
        ``slice_progress=`` too when ``slice_progress`` is given.
    slice_progress
        ``slice_progress(SliceProgress)`` while PrusaSlicer runs (see
        :func:`prosthetics.design.output.write_outputs`).
    signing_key
        Signs the revision's entry in the chain
        (:func:`prosthetics.cases.signing.load_signing_key`); its public key is kept in
        case.json.  None files the revision unsigned.
    reports
        What the reports are written with (the clinic's configuration): ``record`` (clinic,
        clinician), ``lang``, ``templates_dir`` and ``pdf``, each optional; given to
        ``write`` when it takes them, and to the patient record.

    Returns
    -------
    dict
        The revision record (as in revision.json).
    """
    if write is None:
        write = write_design

    scan = _scan_of(case, design)
    if signing_key is not None and signing_key.path is not None:
        inside = case_folder_holding(signing_key.path)
        if inside is not None:
            raise CaseError.of(N_("the signing key %(name)s is inside case folder %(case)s; "
                                  "move it outside every case folder first"),
                               name=signing_key.path.name, case=inside.name)
    leak = find_personal(f"{author}\n{note}".encode(), personal_values(case.personal()))
    if leak:
        raise CaseError.of(N_("the note or author holds a personal field of the patient "
                              "(%(field)s); keep personal details in personal.json only"),
                           field=repr(leak))
    with locked(case):
        case.data = open_case(case.path).data
        number = len(case.revisions) + 1
        staging = temp_dir_beside(case.revision_dir(number), prefix=".staging-")
        try:
            design, mesh = _named_for_case(design, case, number, scan, part)
            watch = {"slice_progress": slice_progress} if slice_progress is not None else {}
            watch.update(options_taken_by(write, _with_scan_date(reports, scan)))
            filed = _write_outputs(design, write, staging, case, number, scan, progress,
                                   watch)
            record = _revision_record(case, design, filed, scan, number, author, note)
            checkpoint("outputs-written")
            _write_record(case, record, getattr(design, body, None), mesh, staging,
                          reports or {})
            _move_into_place(staging, case.revision_dir(number))
            checkpoint("revision-renamed")
        except BaseException:
            remove_tree(staging)
            raise
        entry = {"number": number, "sha256": record_sha256(record), "kind": record["kind"],
                 "scan": scan["id"], "created_utc": record["created_utc"], "author": author,
                 "note": note}
        if signing_key is not None:
            entry["signature"] = sign_entry(signing_key, case_id=case.case_id, number=number,
                                            sha256=entry["sha256"],
                                            previous_sha256=record["previous_sha256"])
            keys = case.data.setdefault("keys", {})
            keys[signing_key.fingerprint] = signing_key.public.as_dict()
        case.revisions.append(entry)
        commit_index(case)
    return record


def _scan_of(case: Case, design) -> dict:
    """The case's scan entry the design was made from (by the scan's sha256)."""
    sha = (design.report.get("input") or {}).get("sha256")
    scan = next((s for s in case.scans if s["sha256"] == sha), None)
    if scan is None:
        raise CaseError.of(N_("the design was made from a scan that is not in this case; add "
                              "the scan first with 'prosthetics case add-scan'"))
    return scan


def _named_for_case(design, case: Case, number: int, scan: dict, part: str):
    """A copy of the design named by the case only; returns (design, its printed part).

    The design itself is not changed: its report and part are copied.  Only the case ID
    names the part (the mesh's name becomes the 3MF object's name), and the scan is named
    by its place in the case, not by the path it was read from.
    """
    mesh = getattr(design, part).copy()
    mesh.metadata = {"name": f"{case.case_id} revision {number}"}
    design = dataclasses.replace(design, report=copy.deepcopy(design.report), **{part: mesh})
    design.report["case"] = case.case_id
    design.report.setdefault("input", {})["path"] = scan["file"]
    return design, mesh


def _write_outputs(design, write, staging: Path, case: Case, number: int, scan: dict,
                   progress, watch: dict) -> dict:
    """Write the print files and reports into ``staging``; returns report.json as filed.

    ``write`` has sliced (when slicing is on) and rewritten the reports with the slicer's
    result before it returns; the files are stamped and hashed after that.  The STL
    headers are stamped with the case ID and revision, and report.json's paths are made
    relative to the case folder, with each output's size.
    """
    out = staging / "out"
    write(design, out, stem=case.file_stem(number), progress=progress, **watch)
    for f in out.iterdir():
        os.replace(f, staging / f.name)
    out.rmdir()
    for stl in staging.glob("*.stl"):
        _stamp_stl_header(stl, f"prosthetics {__version__} case {case.case_id} "
                               f"revision {number} mm")
    filed = json.loads((staging / "report.json").read_text(encoding="utf-8"))
    filed = _relative_report(filed, scan["file"], case.case_id)
    for o in filed.get("outputs") or []:
        o["bytes"] = (staging / o["path"]).stat().st_size
    write_json(staging / "report.json", filed, mode=0o644, what="report")
    return filed


def _revision_record(case: Case, design, filed: dict, scan: dict, number: int, author: str,
                     note: str) -> dict:
    """The revision record (revision.json) without its ``files``."""
    given = design.report.get("input") or {}
    groups = design.groups
    return {
        "schema": REVISION_SCHEMA,
        "number": number,
        "kind": filed.get("kind", "design"),
        "case": {"case_id": case.case_id, "side": case.data.get("side"),
                 "amputation_level": case.data.get("amputation_level")},
        "created_utc": utc_now(),
        "author": author,
        "note": note,
        "tool": {"name": "prosthetics", "version": __version__},
        "scan": {"id": scan["id"], "file": scan["file"], "sha256": scan["sha256"]},
        "template": {"preset": (filed.get("template") or {}).get("preset"),
                     "builder": (filed.get("template") or {}).get("name")},
        # Units are kept only when the user gave them; otherwise each run decides again.
        "units": given.get("units") if given.get("units_source") == "--units" else None,
        "settings": {g: groups[g].as_dict() for g in groups},
        "rectification": (design.rectification.as_dict()
                          if getattr(design, "rectification", None) is not None else None),
        "report": filed,
        "previous_sha256": case.revisions[-1]["sha256"] if case.revisions else None,
    }


def _with_scan_date(reports: dict | None, scan: dict) -> dict:
    """The report options with the scan's capture date (as the case holds it) as the
    reports' scan date, unless one is given."""
    out = dict(reports or {})
    record = dict(out.get("record") or {})
    if not record.get("scan_date") and scan.get("captured_on"):
        record["scan_date"] = scan["captured_on"]
    if record:
        out["record"] = record
    return out


def _write_record(case: Case, record: dict, body_mesh, part_mesh, staging: Path,
                  reports: dict) -> None:
    """Write record.html (and record.pdf), hash every file into ``record["files"]``, write
    revision.json."""
    write_record_html(case, record, body_mesh, part_mesh, staging / RECORD_FILE,
                      **{k: v for k, v in reports.items()
                         if k in ("lang", "templates_dir", "pdf") and v is not None})
    record["files"] = {p.name: file_sha256(p) for p in sorted(staging.iterdir())
                       if p.is_file()}
    write_json(staging / REVISION_FILE, record, mode=0o644, what="revision record")


def _move_into_place(staging: Path, final: Path) -> None:
    """Make the staged revision read-only, sync it, and rename it to its number."""
    for p in staging.iterdir():
        os.chmod(p, 0o444)
    os.chmod(staging, 0o755)
    if final.exists():                 # left by a save that was interrupted
        remove_tree(final)
    rename_into_place(staging, final, what="revision folder")


def _stamp_stl_header(path: Path, text: str) -> None:
    """Put ``text`` in a binary STL's 80-byte header (trimesh writes 80 zero bytes).

    The header must not start with "solid" (readers would take the file for ASCII STL).
    """
    header = text.encode("ascii", "replace")[:80].ljust(80, b" ")
    if header.lower().startswith(b"solid"):
        raise ValueError("an STL header must not start with 'solid'")
    with open(path, "r+b") as fh:
        fh.seek(80)
        count = int.from_bytes(fh.read(4), "little")
        if os.fstat(fh.fileno()).st_size != 84 + 50 * count:
            raise CaseError.of(N_("%(name)s is not a binary STL; its header cannot be set"),
                               name=path.name)
        fh.seek(0)
        fh.write(header)
        fh.flush()
        os.fsync(fh.fileno())


def _relative_report(report: dict, scan_rel: str, case_id: str) -> dict:
    """The design's report as filed in the case: paths relative to the case folder."""
    r = copy.deepcopy(report)
    r["case"] = case_id
    r.setdefault("input", {})["path"] = scan_rel
    for o in r.get("outputs") or []:
        o["path"] = Path(o["path"]).name
    return r


def design_revision(case: Case, *, scan_id: str | None = None, template: str | None = None,
                    settings: dict | None = None, units: str | None = None, author: str = "",
                    note: str = "", progress=None, slice_progress=None,
                    signing_key: SigningKey | None = None, reports: dict | None = None) -> dict:
    """Run the design pipeline on a scan of the case and file it as the next revision.

    With no ``template`` and no ``units``, the latest revision's template, settings and
    units are the starting point (so a redesign changes only what is asked); ``settings``
    are applied on top.  ``progress``, ``slice_progress``, ``signing_key`` and ``reports``
    as :func:`add_design`.
    """
    scan = case.scan(scan_id)
    base: dict = {}
    if case.revisions:
        last = case.revision()
        if template is None:
            template = (last.get("template") or {}).get("preset")
            base = {k: ("auto" if v is None else v)
                    for g in (last.get("settings") or {}).values() for k, v in g.items()}
        if units is None:
            units = last.get("units")
    elif scan.get("legacy_settings"):
        legacy = scan["legacy_settings"]
        template = template or legacy.get("template")
        base = {k: ("auto" if v is None else v)
                for g in (legacy.get("parameters") or {}).values() for k, v in g.items()}
    if units is None:
        units = scan.get("units")
    side = case.data.get("side")
    if side and not case.revisions and "limb_side" not in (settings or {}):
        if hasattr(parameter_groups(resolve_template(template))["template"], "limb_side"):
            base["limb_side"] = side        # the case's side, unless asked otherwise
    design = run_design(case.path / scan["file"], template=template,
                        settings={**base, **(settings or {})}, units=units, progress=progress,
                        case_id=case.case_id)
    return add_design(case, design, author=author, note=note, progress=progress,
                      slice_progress=slice_progress, signing_key=signing_key, reports=reports)


__all__ = ["add_design", "design_revision"]
