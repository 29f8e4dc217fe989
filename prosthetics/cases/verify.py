"""Verification of a case folder: every scan, revision record, output file and the hash chain.

Each revision records the sha256 of the previous revision's record, so :func:`verify_case`
finds an edited, removed or reordered revision, or a changed scan, and names it.  A revision
whose entry carries a signature (:mod:`prosthetics.cases.signing`) has it checked against the
entry; ``cryptography`` is loaded only then.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from prosthetics.cases.store import REVISION_FILE, file_sha256, open_case, record_sha256


@dataclass
class Verification:
    """What :func:`verify_case` found.

    ``problems`` are in order, the first bad revision first; ``notes`` are harmless
    findings (e.g. what an interrupted save left behind).  ``signatures`` has one entry per
    revision: ``number``, ``status`` ("signed", "unsigned" or "bad"), ``signer``,
    ``fingerprint`` and ``trusted`` (True or False when trusted keys were given, else None).
    """

    case_id: str
    ok: bool
    problems: list[str]
    notes: list[str]
    revisions: int
    scans: int
    head_sha256: str | None
    signatures: list[dict] = field(default_factory=list)


def scan_companions(scan: dict) -> list[dict]:
    """A scan entry's companion files (``file``, ``sha256``...): the material and textures
    stored with a textured OBJ; none for other scans."""
    comps = scan.get("companions") if isinstance(scan, dict) else None
    return [c for c in comps or [] if isinstance(c, dict) and isinstance(c.get("file"), str)
            and isinstance(c.get("sha256"), str)]


def verify_case(path: str | os.PathLike, trusted: dict | None = None) -> Verification:
    """Check every scan, revision record, output file, the hash chain and the signatures.

    Detects: a changed or missing scan; a revision whose record or files were edited; a
    removed revision; two revisions swapped (a folder holding another number); a chain link
    that does not match (a revision edited after the next one was made); a signature that
    does not match its revision's entry (the chain recomputed by someone without the key).

    Parameters
    ----------
    trusted
        Public keys by fingerprint (:func:`prosthetics.cases.signing.load_public_keys`):
        each signer is then marked trusted or not.
    """
    case = open_case(path)
    signing = None
    if trusted is not None or any(isinstance(e, dict) and "signature" in e
                                  for e in case.revisions):
        from prosthetics.cases import signing
    signatures: list[dict] = []
    problems: list[str] = []
    notes: list[str] = []
    scans_by_id = {s["id"]: s for s in case.scans}
    for s in case.scans:
        # The scan's file, and its companions (a textured OBJ's material and textures).
        for f in [{"file": s["file"], "sha256": s["sha256"]}, *scan_companions(s)]:
            p = case.path / f["file"]
            if not p.is_file():
                problems.append(f"scan {s['id']} ({f['file']}): removed")
            elif file_sha256(p) != f["sha256"]:
                problems.append(f"scan {s['id']} ({f['file']}): changed (its sha256 differs "
                                f"from the one recorded when it was added)")
    records: list[dict | None] = []
    indexed = set()
    for i, entry in enumerate(case.revisions, start=1):
        bad: list[str] = []
        folder = case.revision_dir(i)
        indexed.add(folder.name)
        if entry.get("number") != i:
            bad.append(f"the index lists revision {entry.get('number')} in place {i}: "
                       f"reordered")
        rec = None
        if not (folder / REVISION_FILE).is_file():
            bad.append("removed (its folder or record is missing)")
        else:
            try:
                rec = json.loads((folder / REVISION_FILE).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                bad.append("edited (its record is not valid JSON)")
        if rec is not None:
            if rec.get("number") != i:
                bad.append(f"reordered (folder {folder.name} holds revision "
                           f"{rec.get('number')})")
            elif record_sha256(rec) != entry.get("sha256"):
                bad.append("edited (its record's sha256 differs from the index)")
            prev = records[-1] if records else None
            want = record_sha256(prev) if prev is not None else None
            if i == 1 and rec.get("previous_sha256") is not None:
                bad.append("reordered or a revision before it removed (it names a previous "
                           "revision but is the first)")
            elif i > 1 and prev is not None and rec.get("previous_sha256") != want:
                bad.append(f"chain broken: the hash it records for revision {i - 1} does "
                           f"not match revision {i - 1} (revision {i - 1} was edited, removed "
                           f"or reordered after revision {i} was made)")
            for name, sha in (rec.get("files") or {}).items():
                fp = folder / name
                if not fp.is_file():
                    bad.append(f"file {name} removed")
                elif file_sha256(fp) != sha:
                    bad.append(f"file {name} edited")
            extra = sorted(p.name for p in folder.iterdir()
                           if p.name not in (rec.get("files") or {}) and p.name != REVISION_FILE)
            if extra:
                bad.append(f"file {extra[0]} added")
            sc = rec.get("scan") or {}
            known = scans_by_id.get(sc.get("id"))
            if known is None or known["sha256"] != sc.get("sha256"):
                bad.append(f"its scan {sc.get('id')} is not the scan it was designed from "
                           f"(scan changed or removed from the index)")
            c = rec.get("case") or {}
            if c.get("case_id") != case.case_id:
                bad.append(f"it belongs to case {c.get('case_id')}, not {case.case_id}")
        sig = {"number": i, "status": "unsigned", "signer": None, "fingerprint": None,
               "trusted": None}
        if "signature" in entry:
            info, problem = signing.check_signature(
                entry["signature"], case_keys=case.data.get("keys") or {}, trusted=trusted,
                case_id=case.case_id, number=i, sha256=entry.get("sha256"),
                previous_sha256=rec.get("previous_sha256") if rec is not None else None)
            sig.update(info, status="bad" if problem else "signed")
            if problem:
                bad.append(problem)
        signatures.append(sig)
        records.append(rec)
        if bad:
            problems.append(f"revision {i}: " + "; ".join(bad))
    revs = case.path / "revisions"
    if revs.is_dir():
        for p in sorted(revs.iterdir()):
            if p.name in indexed:
                continue
            if p.name.startswith(".staging-"):
                notes.append(f"revisions/{p.name}: an interrupted save (not part of the case)")
            elif p.name.isdigit() and int(p.name) > len(case.revisions):
                notes.append(f"revisions/{p.name}: written by a save that was interrupted "
                             f"before the index was updated (not part of the case)")
            else:
                problems.append(f"revision {p.name.lstrip('0') or p.name}: not in the index "
                                f"(removed from the index, or a folder added by hand)")
    listed = {s["file"] for s in case.scans}
    listed |= {c["file"] for s in case.scans for c in scan_companions(s)}
    if (case.path / "scans").is_dir():
        for p in sorted((case.path / "scans").iterdir()):
            if f"scans/{p.name}" not in listed and not p.name.startswith("."):
                notes.append(f"scans/{p.name}: not in the index (an interrupted save; not "
                             f"part of the case)")
    last = records[-1] if records else None
    if last is not None:
        lc = last.get("case") or {}
        for key in ("side", "amputation_level"):
            if lc.get(key) != case.data.get(key):
                problems.append(f"case.json: {key} is {case.data.get(key)!r} but the latest "
                                f"revision recorded {lc.get(key)!r}")
    return Verification(case_id=case.case_id, ok=not problems, problems=problems, notes=notes,
                        revisions=len(case.revisions), scans=len(case.scans),
                        head_sha256=case.revisions[-1]["sha256"] if case.revisions else None,
                        signatures=signatures)


__all__ = ["Verification", "verify_case"]
