"""Patient cases: a folder holding the scans of one limb and every design made from them.

A case is what a clinic keeps for one limb over months of fitting and redesign, and what it
sends to a design centre far away.  The on-disk format is documented in docs/case-format.md::

    C-7K3QM2XD/                     the case folder, named by the pseudonymous case ID
      case.json                     header (ID, side, level) and the index: scans, revisions
      personal.json                 optional: name, date of birth, contact (nowhere else)
      scans/S01.ply                 the scans as received, read-only, with their sha256
      revisions/0001/               one folder per design, never changed once written
        revision.json               the record: kind, template, settings, scan, report,
                                    files and their sha256, the previous revision's hash
        C-7K3QM2XD-r0001.stl, .3mf  print files (the case ID only, never a name)
        report.json, report.html    the design's own reports
        record.html                 the record for the patient file, with a sign-off line

Every change is written to temporary names, synced, and renamed into place; ``case.json``
(the index) is replaced last, so an interrupted save leaves the case as it was before.

This module holds the folder itself: its layout and index, opening and making a case, the
lock and the personal file.  The rest of the package builds on it:
:mod:`~prosthetics.cases.ids` (case IDs, personal fields), :mod:`~prosthetics.cases.scans`
(adding scans), :mod:`~prosthetics.cases.revisions` (filing designs),
:mod:`~prosthetics.cases.verify` (the hash chain), :mod:`~prosthetics.cases.legacy`
(single-file cases), :mod:`~prosthetics.cases.package` (hand-off packages).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import shutil
import stat
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prosthetics import __version__
from prosthetics.cases.ids import (
    PERSONAL_FIELDS,
    check_case_id,
    check_date,
    find_personal,
    new_case_id,
    personal_values,
)
from prosthetics.errors import N_, CaseError
from prosthetics.fileio import (
    rename_into_place,
    sha256_file,
    temp_dir_beside,
    write_json,
)

try:
    import fcntl
except ImportError:        # Windows: no advisory locks there
    fcntl = None

#: Schema of case.json: "prosthetics.case/<major>".  Version 1 was the single-file case of
#: the desktop application (``*.case.json``: a scan path and parameters); see
#: :func:`prosthetics.cases.legacy.import_legacy_case`.
SCHEMA_PREFIX = "prosthetics.case/"
SCHEMA_VERSION = 2
SCHEMA = f"{SCHEMA_PREFIX}{SCHEMA_VERSION}"
REVISION_SCHEMA = "prosthetics.case.revision/1"
PERSONAL_SCHEMA = "prosthetics.case.personal/1"

CASE_FILE = "case.json"
PERSONAL_FILE = "personal.json"
LOCK_FILE = ".lock"
REVISION_FILE = "revision.json"
RECORD_FILE = "record.html"

SIDES = ("left", "right")
LEVELS = ("transtibial", "transfemoral", "knee_disarticulation", "symes", "partial_foot",
          "transradial", "transhumeral", "foot")

#: Environment variable naming a save step at which the writer stops for a minute (to test
#: that killing it there leaves a consistent case); see docs/case-format.md.
PAUSE_ENV = "PROSTHETICS_CASE_PAUSE_AT"


# --------------------------------------------------------------------------------------------
# Small helpers: time, hashing, reading, removing
# --------------------------------------------------------------------------------------------


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_json(obj: Any) -> bytes:
    """The bytes a record's hash is taken over: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def record_sha256(obj: Any) -> str:
    """sha256 (hex) of a record's canonical JSON (so re-indenting a file is not an edit)."""
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 (hex) of a file's bytes (a scan, a filed output)."""
    return sha256_file(path)


def checkpoint(step: str) -> None:
    """A named point between two steps of a save.

    When the environment variable ``PROSTHETICS_CASE_PAUSE_AT`` names this step, the
    process says so on stderr and sleeps for a minute, so a test can kill it exactly there.
    """
    if os.environ.get(PAUSE_ENV) == step:
        print(f"case checkpoint {step}", file=sys.stderr, flush=True)
        time.sleep(60.0)


def read_json(path: Path, what: str) -> Any:
    """A JSON file of the case; :class:`CaseError` naming ``what`` when it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaseError.of(N_("%(what)s %(path)s does not exist"), what=what,
                           path=repr(str(path))) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CaseError.of(N_("%(what)s %(name)s cannot be read (%(error)s)"), what=what,
                           name=path.name, error=exc) from None


def remove_tree(path: Path) -> None:
    """rmtree that also removes read-only files (a revision's files are read-only)."""
    if not path.exists():
        return
    for p in path.rglob("*"):
        with contextlib.suppress(OSError):
            os.chmod(p, stat.S_IWUSR | stat.S_IRUSR | (stat.S_IXUSR if p.is_dir() else 0))
    shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# The case
# --------------------------------------------------------------------------------------------


@dataclass
class Case:
    """A case folder, read (see the module docstring for the layout).

    Attributes
    ----------
    path : Path
        The case folder.
    data : dict
        case.json: ``case_id``, ``side``, ``amputation_level``, ``scans``, ``revisions``...
    """

    path: Path
    data: dict = field(default_factory=dict)

    @property
    def case_id(self) -> str:
        return self.data["case_id"]

    @property
    def scans(self) -> list[dict]:
        return self.data["scans"]

    @property
    def revisions(self) -> list[dict]:
        return self.data["revisions"]

    def scan(self, scan_id: str | None = None) -> dict:
        """A scan entry by ID (e.g. "S02"), or the latest when None."""
        if not self.scans:
            raise CaseError.of(N_("case %(case)s has no scan yet; add one with 'prosthetics "
                                  "case add-scan %(folder)s SCAN'"), case=self.case_id,
                               folder=self.path)
        if scan_id is None:
            return self.scans[-1]
        for s in self.scans:
            if s["id"] == str(scan_id).upper():
                return s
        raise CaseError.of(N_("case %(case)s has no scan %(scan)s; it has %(scans)s"),
                           case=self.case_id, scan=repr(scan_id),
                           scans=', '.join(s['id'] for s in self.scans))

    def scan_path(self, scan_id: str | None = None) -> Path:
        return self.path / self.scan(scan_id)["file"]

    def revision_dir(self, number: int) -> Path:
        return self.path / "revisions" / f"{int(number):04d}"

    def revision(self, number: int | None = None) -> dict:
        """A revision's record (revision.json) by number, or the latest when None."""
        if not self.revisions:
            raise CaseError.of(N_("case %(case)s has no revision yet; make one with "
                                  "'prosthetics case design %(folder)s'"), case=self.case_id,
                               folder=self.path)
        n = self.revisions[-1]["number"] if number is None else int(number)
        if not 1 <= n <= len(self.revisions):
            raise CaseError.of(N_("case %(case)s has no revision %(number)s; it has 1 to "
                                  "%(last)s"), case=self.case_id, number=n,
                               last=len(self.revisions))
        return read_json(self.revision_dir(n) / REVISION_FILE, "revision record")

    def personal(self) -> dict | None:
        p = self.path / PERSONAL_FILE
        return read_json(p, "personal file") if p.exists() else None

    def file_stem(self, number: int) -> str:
        """Stem of a revision's print files: the case ID and the revision, nothing else."""
        return f"{self.case_id}-r{int(number):04d}"


def _migrate(data: dict, where: Path) -> dict:
    """case.json of any known version as the current version (in memory only).

    Rule: the major version in ``schema`` changes only when a reader of the old version would
    misread the new one; keys are only ever added within a major version and unknown keys
    are kept.  Each major version has one step here that lifts it to the next.
    """
    schema = data.get("schema") if isinstance(data, dict) else None
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_PREFIX):
        raise CaseError.of(N_("%(where)s is not a case folder's case.json (schema %(schema)s)"),
                           where=where, schema=repr(schema))
    try:
        major = int(schema[len(SCHEMA_PREFIX):].split(".")[0])
    except ValueError:
        raise CaseError.of(N_("%(where)s: unreadable schema %(schema)s"), where=where,
                           schema=repr(schema)) from None
    if major > SCHEMA_VERSION:
        raise CaseError.of(N_("%(where)s was written by a newer prosthetics (schema "
                              "%(schema)s); this version reads up to %(schema_version)s: "
                              "update prosthetics"), where=where, schema=schema,
                           schema_version=SCHEMA)
    if major < 2:
        raise CaseError.of(N_("%(where)s is a single-file case of schema %(schema)s; make a "
                              "case folder of it with 'prosthetics case new --from-legacy FILE'"),
                           where=where, schema=schema)
    data.setdefault("scans", [])
    data.setdefault("revisions", [])
    return data


def open_case(path: str | os.PathLike) -> Case:
    """Read a case folder (or its case.json)."""
    p = Path(path)
    if p.name == CASE_FILE and p.is_file():
        p = p.parent
    if not p.is_dir():
        raise CaseError.of(N_("case folder %(path)s does not exist; check the path or make one "
                              "with 'prosthetics case new'"), path=repr(str(p)))
    f = p / CASE_FILE
    if not f.exists():
        raise CaseError.of(N_("%(path)s is not a case folder (no %(case_file)s); check the path"),
                           path=repr(str(p)), case_file=CASE_FILE)
    data = _migrate(read_json(f, "case file"), f)
    for key in ("case_id", "scans", "revisions"):
        if key not in data:
            raise CaseError.of(N_("%(file)s: missing %(key)s; the case file is damaged"), file=f,
                               key=repr(key))
    return Case(path=p, data=data)


def is_case_folder(path: str | os.PathLike) -> bool:
    p = Path(path)
    return p.is_dir() and (p / CASE_FILE).is_file()


@contextlib.contextmanager
def locked(case: Case) -> Iterator[None]:
    """Only one writer at a time per case (an advisory lock on ``.lock``)."""
    if fcntl is None:          # no advisory locks here; single writer assumed
        yield
        return
    fd = os.open(case.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise CaseError.of(N_("case %(case)s is being saved by another program; try again "
                                  "when it has finished"), case=case.case_id) from None
        yield
    finally:
        os.close(fd)


def commit_index(case: Case) -> None:
    """Replace case.json (the last step of every save)."""
    checkpoint("before-index")
    write_json(case.path / CASE_FILE, case.data, mode=0o644, what="case file")
    checkpoint("after-index")


def new_case(root: str | os.PathLike, *, case_id: str | None = None, side: str | None = None,
             amputation_level: str | None = None, personal: dict | None = None,
             note: str = "") -> Case:
    """Make a case folder ``root/<case ID>``.

    Parameters
    ----------
    root
        The folder the case folder is made in (created if needed).
    case_id
        The clinic's own pseudonymous ID (checked by :func:`check_case_id`); generated when
        None.
    side, amputation_level
        One of :data:`SIDES` and :data:`LEVELS` (optional).
    personal
        Name, date of birth and contact; stored in personal.json only.
    """
    cid = check_case_id(case_id) if case_id else new_case_id()
    if side is not None and side not in SIDES:
        raise CaseError.of(N_("side %(side)s is not one of %(sides)s"), side=repr(side),
                           sides=', '.join(SIDES))
    if amputation_level is not None and amputation_level not in LEVELS:
        raise CaseError.of(N_("level %(level)s is not one of %(levels)s"),
                           level=repr(amputation_level), levels=', '.join(LEVELS))
    if (personal or {}).get("date_of_birth"):
        check_date(personal["date_of_birth"], "--dob", year_only=True)
    unknown = set(personal or {}) - set(PERSONAL_FIELDS)
    if unknown:
        raise CaseError.of(N_("unknown personal field %(field)s; known: %(fields)s"),
                           field=repr(sorted(unknown)[0]), fields=', '.join(PERSONAL_FIELDS))
    root = Path(root)
    dest = root / cid
    if dest.exists():
        raise CaseError.of(N_("%(folder)s exists already; choose another --id or folder"),
                           folder=dest)
    tmp = temp_dir_beside(dest, option="--root", prefix=f".{cid}.new-")
    try:
        (tmp / "scans").mkdir()
        (tmp / "revisions").mkdir()
        data = {"schema": SCHEMA, "case_id": cid, "side": side,
                "amputation_level": amputation_level, "created_utc": utc_now(),
                "tool": {"name": "prosthetics", "version": __version__}, "note": note,
                "scans": [], "revisions": []}
        kept = {k: v for k, v in (personal or {}).items() if v}
        if kept:
            write_json(tmp / PERSONAL_FILE, {"schema": PERSONAL_SCHEMA, **kept}, mode=0o600,
                       what="personal file")
            if find_personal(note.encode("utf-8"), personal_values(kept)):
                raise CaseError.of(N_("the case note holds a personal field; personal details "
                                      "go in --name/--dob/--contact only"))
        write_json(tmp / CASE_FILE, data, mode=0o644, what="case file")
        os.chmod(tmp, 0o755)
        rename_into_place(tmp, dest, what="case folder")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return open_case(dest)


def set_personal(case: Case, personal: dict | None) -> None:
    """Replace (or with None, remove) the personal fields of a case."""
    p = case.path / PERSONAL_FILE
    with locked(case):
        kept = {k: v for k, v in (personal or {}).items() if v}
        if kept:
            write_json(p, {"schema": PERSONAL_SCHEMA, **kept}, mode=0o600, what="personal file")
        elif p.exists():
            p.unlink()


# --------------------------------------------------------------------------------------------
# Finding cases
# --------------------------------------------------------------------------------------------


def find_cases(root: str | os.PathLike) -> list[Case]:
    """Case folders directly in ``root`` (or ``root`` itself if it is one)."""
    r = Path(root)
    if is_case_folder(r):
        return [open_case(r)]
    if not r.is_dir():
        raise CaseError.of(N_("folder %(path)s does not exist; check the path"), path=repr(str(r)))
    out = []
    for p in sorted(r.iterdir()):
        if is_case_folder(p):
            with contextlib.suppress(CaseError):
                out.append(open_case(p))
    return out


__all__ = ["CASE_FILE", "LEVELS", "SCHEMA", "SIDES", "Case", "CaseError", "find_cases",
           "is_case_folder", "locked", "new_case", "open_case", "set_personal"]
