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
Each revision records the sha256 of the previous revision's record, so :func:`verify_case`
finds an edited, removed or reordered revision, or a changed scan, and names it.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as _dt
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prosthetics import __version__
from prosthetics.errors import CaseError

#: Schema of case.json: "prosthetics.case/<major>".  Version 1 was the single-file case of
#: the desktop application (``*.case.json``: a scan path and parameters); see
#: :func:`import_legacy_case`.
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
PERSONAL_FIELDS = ("name", "date_of_birth", "contact")

# Crockford's base32 alphabet: no I, L, O, U, so an ID read over the phone is not misheard.
_B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ID_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,31}$")
_SCAN_SUFFIXES = (".ply", ".obj", ".stl", ".glb", ".gltf", ".off", ".xyz", ".txt", ".pts")

#: Environment variable naming a save step at which the writer stops for a minute (to test
#: that killing it there leaves a consistent case); see docs/case-format.md.
PAUSE_ENV = "PROSTHETICS_CASE_PAUSE_AT"


# --------------------------------------------------------------------------------------------
# Small helpers: time, hashing, atomic writes
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
    from prosthetics.scan.loaders import sha256_file

    return sha256_file(path)


def checkpoint(step: str) -> None:
    """A named point between two steps of a save.

    When the environment variable ``PROSTHETICS_CASE_PAUSE_AT`` names this step, the
    process says so on stderr and sleeps for a minute, so a test can kill it exactly there.
    """
    if os.environ.get(PAUSE_ENV) == step:
        print(f"case checkpoint {step}", file=sys.stderr, flush=True)
        time.sleep(60.0)


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder: write, fsync,
    rename over the old file, fsync the folder.  A reader sees the old file or the new one."""
    dest = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
        tmp = None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    _fsync_dir(dest.parent)


def write_json(path: str | os.PathLike, obj: Any, *, mode: int = 0o644) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False)
                              + "\n").encode("utf-8"), mode=mode)


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaseError(f"{what} {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CaseError(f"{what} {path.name} cannot be read ({exc})") from None


def temp_dir_in(root: Path, prefix: str, option: str) -> Path:
    """A new temporary folder in ``root`` (made if needed), to be renamed into place."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=prefix, dir=root))
    except OSError as exc:
        raise CaseError(f"cannot write in {str(root)!r} ({exc.strerror}); choose another "
                        f"{option} folder") from None


def _fsync_tree(root: Path) -> None:
    for p in sorted(root.rglob("*")):
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(root)


# --------------------------------------------------------------------------------------------
# Case IDs and personal fields
# --------------------------------------------------------------------------------------------


def new_case_id() -> str:
    """A random pseudonymous ID: "C-" and 8 Crockford base32 characters (40 bits)."""
    return "C-" + "".join(secrets.choice(_B32) for _ in range(8))


def check_case_id(case_id: str) -> str:
    """A clinic's own ID, upper-cased, if it cannot be a person's name.

    Allowed: 3-32 of A-Z, 0-9 and "-", starting with a letter or digit, and at least one
    digit (names have none, so "JANE-DOE" or "ALI" is refused while "PK-LHR-0042" passes).
    """
    cid = str(case_id).strip().upper()
    if not _ID_RE.match(cid):
        raise CaseError(f"case ID {case_id!r} may only hold A-Z, 0-9 and '-' (3 to 32 "
                        f"characters); leave --id out to get a generated one")
    if not any(ch.isdigit() for ch in cid):
        raise CaseError(f"case ID {case_id!r} has no digit and could be a name; IDs must be "
                        f"pseudonymous: use the clinic's number (e.g. PK-LHR-0042) or leave "
                        f"--id out")
    return cid


def personal_values(personal: dict | None) -> list[str]:
    """The personal field values worth searching for in exported bytes (3+ characters),
    with a date of birth also in its common spellings."""
    out: list[str] = []
    for key in PERSONAL_FIELDS:
        v = (personal or {}).get(key)
        if not isinstance(v, str) or len(v.strip()) < 3:
            continue
        v = v.strip()
        out.append(v)
        if key == "date_of_birth":
            m = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", v)
            if m:
                y, mo, d = m.groups()
                out += [f"{d}/{mo}/{y}", f"{mo}/{d}/{y}", f"{d}.{mo}.{y}", f"{d}-{mo}-{y}",
                        f"{y}{mo}{d}"]
        if key == "contact":
            digits = re.sub(r"\D", "", v)
            if len(digits) >= 6:
                out.append(digits)
        if key == "name":
            out += [p for p in re.split(r"\s+", v) if len(p) >= 4]
    return sorted(set(out), key=len, reverse=True)


_DATA_URI = re.compile(rb"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+")


def find_personal(data: bytes, values: list[str]) -> str | None:
    """The first personal value found in ``data`` (case-insensitive, also as UTF-16), or None.

    Zip members (3MF files, packages) are searched decompressed.
    """
    if not values:
        return None
    blobs = [data]
    if data[:4] == b"PK\x03\x04":
        import io
        import zipfile

        with contextlib.suppress(zipfile.BadZipFile, OSError, ValueError):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                blobs += [z.read(n) for n in z.namelist()]
    for blob in blobs:
        # Pictures embedded in HTML are drawn from geometry and hold no text; their base64
        # would match short words by chance.
        low = _DATA_URI.sub(b"", blob).lower()
        for v in values:
            for enc in ("utf-8", "utf-16-le"):
                if v.lower().encode(enc) in low:
                    return v
    return None


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
            raise CaseError(f"case {self.case_id} has no scan yet; add one with "
                            f"'prosthetics case add-scan {self.path} SCAN'")
        if scan_id is None:
            return self.scans[-1]
        for s in self.scans:
            if s["id"] == str(scan_id).upper():
                return s
        raise CaseError(f"case {self.case_id} has no scan {scan_id!r}; it has "
                        f"{', '.join(s['id'] for s in self.scans)}")

    def scan_path(self, scan_id: str | None = None) -> Path:
        return self.path / self.scan(scan_id)["file"]

    def revision_dir(self, number: int) -> Path:
        return self.path / "revisions" / f"{int(number):04d}"

    def revision(self, number: int | None = None) -> dict:
        """A revision's record (revision.json) by number, or the latest when None."""
        if not self.revisions:
            raise CaseError(f"case {self.case_id} has no revision yet; make one with "
                            f"'prosthetics case design {self.path}'")
        n = self.revisions[-1]["number"] if number is None else int(number)
        if not 1 <= n <= len(self.revisions):
            raise CaseError(f"case {self.case_id} has no revision {n}; it has 1 to "
                            f"{len(self.revisions)}")
        return _read_json(self.revision_dir(n) / REVISION_FILE, "revision record")

    def personal(self) -> dict | None:
        p = self.path / PERSONAL_FILE
        return _read_json(p, "personal file") if p.exists() else None

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
        raise CaseError(f"{where} is not a case folder's case.json (schema {schema!r})")
    try:
        major = int(schema[len(SCHEMA_PREFIX):].split(".")[0])
    except ValueError:
        raise CaseError(f"{where}: unreadable schema {schema!r}") from None
    if major > SCHEMA_VERSION:
        raise CaseError(f"{where} was written by a newer prosthetics (schema {schema}); this "
                        f"version reads up to {SCHEMA}: update prosthetics")
    if major < 2:
        raise CaseError(f"{where} is a single-file case of schema {schema}; make a case "
                        f"folder of it with 'prosthetics case new --from-legacy FILE'")
    data.setdefault("scans", [])
    data.setdefault("revisions", [])
    return data


def open_case(path: str | os.PathLike) -> Case:
    """Read a case folder (or its case.json)."""
    p = Path(path)
    if p.name == CASE_FILE and p.is_file():
        p = p.parent
    if not p.is_dir():
        raise CaseError(f"case folder {str(p)!r} does not exist; check the path or make one "
                        f"with 'prosthetics case new'")
    f = p / CASE_FILE
    if not f.exists():
        raise CaseError(f"{str(p)!r} is not a case folder (no {CASE_FILE}); check the path")
    data = _migrate(_read_json(f, "case file"), f)
    for key in ("case_id", "scans", "revisions"):
        if key not in data:
            raise CaseError(f"{f}: missing {key!r}; the case file is damaged")
    return Case(path=p, data=data)


def is_case_folder(path: str | os.PathLike) -> bool:
    p = Path(path)
    return p.is_dir() and (p / CASE_FILE).is_file()


@contextlib.contextmanager
def locked(case: Case) -> Iterator[None]:
    """Only one writer at a time per case (an advisory lock on ``.lock``)."""
    try:
        import fcntl
    except ImportError:        # Windows: no advisory locks here; single writer assumed
        yield
        return
    fd = os.open(case.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise CaseError(f"case {case.case_id} is being saved by another program; try "
                            f"again when it has finished") from None
        yield
    finally:
        os.close(fd)


def _commit_index(case: Case) -> None:
    """Replace case.json (the last step of every save)."""
    checkpoint("before-index")
    write_json(case.path / CASE_FILE, case.data)
    checkpoint("after-index")


def _check_date(text: str, option: str, *, year_only: bool = False) -> None:
    """A date as YYYY-MM-DD (or only YYYY when ``year_only``)."""
    if year_only and re.fullmatch(r"(19|20)\d\d", text):
        return
    try:
        _dt.date.fromisoformat(text)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
    except ValueError:
        raise CaseError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD"
                        + (" (or only the year)" if year_only else "")) from None


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
        raise CaseError(f"side {side!r} is not one of {', '.join(SIDES)}")
    if amputation_level is not None and amputation_level not in LEVELS:
        raise CaseError(f"level {amputation_level!r} is not one of {', '.join(LEVELS)}")
    if (personal or {}).get("date_of_birth"):
        _check_date(personal["date_of_birth"], "--dob", year_only=True)
    unknown = set(personal or {}) - set(PERSONAL_FIELDS)
    if unknown:
        raise CaseError(f"unknown personal field {sorted(unknown)[0]!r}; known: "
                        f"{', '.join(PERSONAL_FIELDS)}")
    root = Path(root)
    dest = root / cid
    if dest.exists():
        raise CaseError(f"{dest} exists already; choose another --id or folder")
    tmp = temp_dir_in(root, f".{cid}.new-", "--root")
    try:
        (tmp / "scans").mkdir()
        (tmp / "revisions").mkdir()
        data = {"schema": SCHEMA, "case_id": cid, "side": side,
                "amputation_level": amputation_level, "created_utc": utc_now(),
                "tool": {"name": "prosthetics", "version": __version__}, "note": note,
                "scans": [], "revisions": []}
        kept = {k: v for k, v in (personal or {}).items() if v}
        if kept:
            write_json(tmp / PERSONAL_FILE, {"schema": PERSONAL_SCHEMA, **kept}, mode=0o600)
            if find_personal(note.encode("utf-8"), personal_values(kept)):
                raise CaseError("the case note holds a personal field; personal details go "
                                "in --name/--dob/--contact only")
        write_json(tmp / CASE_FILE, data)
        os.chmod(tmp, 0o755)
        os.rename(tmp, dest)
        _fsync_dir(root)
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
            write_json(p, {"schema": PERSONAL_SCHEMA, **kept}, mode=0o600)
        elif p.exists():
            p.unlink()


# --------------------------------------------------------------------------------------------
# Scans
# --------------------------------------------------------------------------------------------


def add_scan(case: Case, scan_path: str | os.PathLike, *, units: str | None = None,
             measure: bool = True, note: str = "", captured_on: str | None = None) -> dict:
    """Copy a scan into the case (read-only, under a neutral name) and index it.

    The scan's bytes are stored exactly as received; only its name changes (``S01.ply``...),
    since file names from phones often carry the patient's name.  With ``measure`` the limb
    is cleaned, aligned and measured (volume, circumferences) for the trends.

    Returns
    -------
    dict
        The scan's entry in case.json.
    """
    src = Path(scan_path)
    if captured_on is not None:
        _check_date(captured_on, "--date")
    if not src.is_file():
        raise CaseError(f"scan file {str(src)!r} does not exist; check the path")
    suffix = src.suffix.lower()
    if suffix not in _SCAN_SUFFIXES:
        raise CaseError(f"scan {src.name}: unknown file type {suffix!r}; use one of "
                        f"{', '.join(_SCAN_SUFFIXES)}")
    data = src.read_bytes()
    if suffix == ".gltf":
        _check_self_contained_gltf(data, src.name)
    sha = hashlib.sha256(data).hexdigest()
    _check_new_scan(case, sha)
    leak = find_personal(data, personal_values(case.personal()))
    if leak:
        raise CaseError(f"the scan file holds a personal field of the patient ({leak!r}) in "
                        f"its bytes (a header or comment); export it again without it")
    measurements = None
    if measure:
        measurements = _measure_scan(src, units)
    with locked(case):
        case.data = open_case(case.path).data    # another writer may have added one
        _check_new_scan(case, sha)
        sid = f"S{len(case.scans) + 1:02d}"
        rel = f"scans/{sid}{suffix}"
        dest = case.path / rel
        if dest.exists():                      # left by a save that was interrupted
            os.chmod(dest, 0o644)
            dest.unlink()
        atomic_write_bytes(dest, data, mode=0o444)
        checkpoint("scan-written")
        entry = {"id": sid, "file": rel, "sha256": sha, "bytes": len(data),
                 "added_utc": utc_now(), "captured_on": captured_on, "units": units,
                 "note": note, "measurements": measurements}
        case.scans.append(entry)
        _commit_index(case)
    return entry


def _check_new_scan(case: Case, sha: str) -> None:
    for s in case.scans:
        if s["sha256"] == sha:
            raise CaseError(f"this scan is already in the case as {s['id']}")


def _check_self_contained_gltf(data: bytes, name: str) -> None:
    """A .gltf whose buffers live in other files cannot be stored as one scan file."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return          # the loader gives the error when the scan is designed
    uris = [b.get("uri", "") for b in (doc.get("buffers") or []) + (doc.get("images") or [])
            if isinstance(b, dict)]
    if any(u and not u.startswith("data:") for u in uris):
        raise CaseError(f"scan {name} keeps its data in other files ({uris[0]!r}); export it "
                        f"as one .glb file and add that")


def _measure_scan(path: Path, units: str | None) -> dict:
    """Clean, align and measure a scan with the default settings (as report.json has it)."""
    from prosthetics.design.session import DesignSession

    session = DesignSession(path, units=units)
    session.update(until="measure")
    m = session.results["measure"].as_dict()
    m["source"] = "measured when added (default cleaning and alignment)"
    return m


# --------------------------------------------------------------------------------------------
# Revisions
# --------------------------------------------------------------------------------------------


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
            raise CaseError(f"{path.name} is not a binary STL; its header cannot be set")
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


def add_design(case: Case, design, *, author: str = "", note: str = "", progress=None,
               write=None, part: str = "socket", body: str = "limb") -> dict:
    """File a design (from :func:`prosthetics.design.session.run_design`) as the next revision.

    The print files and reports are written by ``write`` (default
    :func:`~prosthetics.design.session.write_design`) into a staging folder inside ``revisions/``;
    every STL header and the 3MF object name are set to the case ID, the record for the
    patient file is written, every file is hashed, the revision record (with the previous
    record's hash) is written, the folder is renamed to its number, and last case.json is
    replaced.

    Parameters
    ----------
    design
        Has ``report`` (with ``kind`` and ``input.sha256``), ``groups`` and the meshes named
        by ``part`` (the printed part) and ``body`` (the limb or foot, for the picture).
    write
        ``write(design, out_dir, stem=..., progress=...)`` writing the print files,
        report.json and report.html (another kind of design brings its own).

    Returns
    -------
    dict
        The revision record (as in revision.json).
    """
    if write is None:
        from prosthetics.design.socket_writer import write_design as write

    report = design.report
    sha = (report.get("input") or {}).get("sha256")
    scan = next((s for s in case.scans if s["sha256"] == sha), None)
    if scan is None:
        raise CaseError("the design was made from a scan that is not in this case; add the "
                        "scan first with 'prosthetics case add-scan'")
    leak = find_personal(f"{author}\n{note}".encode(), personal_values(case.personal()))
    if leak:
        raise CaseError(f"the note or author holds a personal field of the patient ({leak!r}); "
                        f"keep personal details in personal.json only")
    with locked(case):
        case.data = open_case(case.path).data
        number = len(case.revisions) + 1
        stem = case.file_stem(number)
        revs = case.path / "revisions"
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=revs))
        try:
            # The design is not changed: its report and socket are copied.  Only the case ID
            # names the part (the mesh's name becomes the 3MF object's name), and the scan is
            # named by its place in the case, not by the path it was read from.
            saved_input = dict(report.get("input") or {})
            mesh = getattr(design, part).copy()
            mesh.metadata = {"name": f"{case.case_id} revision {number}"}
            design = dataclasses.replace(design, report=copy.deepcopy(report), **{part: mesh})
            design.report["case"] = case.case_id
            design.report.setdefault("input", {})["path"] = scan["file"]
            write(design, staging / "out", stem=stem, progress=progress)
            out = staging / "out"
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
            write_json(staging / "report.json", filed)
            prev = case.revisions[-1]["sha256"] if case.revisions else None
            groups = design.groups
            record = {
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
                "units": (saved_input.get("units")
                          if saved_input.get("units_source") == "--units" else None),
                "settings": {g: groups[g].as_dict() for g in groups},
                "report": filed,
                "previous_sha256": prev,
            }
            checkpoint("outputs-written")
            from prosthetics.cases.record import write_record_html

            write_record_html(case, record, getattr(design, body, None), mesh,
                              staging / RECORD_FILE)
            record["files"] = {p.name: file_sha256(p) for p in sorted(staging.iterdir())
                               if p.is_file()}
            write_json(staging / REVISION_FILE, record)
            for p in staging.iterdir():
                os.chmod(p, 0o444)
            os.chmod(staging, 0o755)
            _fsync_tree(staging)
            final = case.revision_dir(number)
            if final.exists():                 # left by a save that was interrupted
                _remove_tree(final)
            os.rename(staging, final)
            _fsync_dir(revs)
            checkpoint("revision-renamed")
        except BaseException:
            _remove_tree(staging)
            raise
        case.revisions.append({"number": number, "sha256": record_sha256(record),
                               "kind": record["kind"], "scan": scan["id"],
                               "created_utc": record["created_utc"], "author": author,
                               "note": note})
        _commit_index(case)
    return record


def _remove_tree(path: Path) -> None:
    """rmtree that also removes read-only files."""
    if not path.exists():
        return
    for p in path.rglob("*"):
        with contextlib.suppress(OSError):
            os.chmod(p, stat.S_IWUSR | stat.S_IRUSR | (stat.S_IXUSR if p.is_dir() else 0))
    shutil.rmtree(path, ignore_errors=True)


def design_revision(case: Case, *, scan_id: str | None = None, template: str | None = None,
                    settings: dict | None = None, units: str | None = None, author: str = "",
                    note: str = "", progress=None) -> dict:
    """Run the design pipeline on a scan of the case and file it as the next revision.

    With no ``template`` and no ``units``, the latest revision's template, settings and
    units are the starting point (so a redesign changes only what is asked); ``settings``
    are applied on top.
    """
    from prosthetics.design.session import run_design

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
        from prosthetics.design.session import parameter_groups, resolve_template

        if hasattr(parameter_groups(resolve_template(template))["template"], "limb_side"):
            base["limb_side"] = side        # the case's side, unless asked otherwise
    design = run_design(case.path / scan["file"], template=template,
                        settings={**base, **(settings or {})}, units=units, progress=progress)
    return add_design(case, design, author=author, note=note, progress=progress)


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------


@dataclass
class Verification:
    """What :func:`verify_case` found.

    ``problems`` are in order, the first bad revision first; ``notes`` are harmless
    findings (e.g. what an interrupted save left behind).
    """

    case_id: str
    ok: bool
    problems: list[str]
    notes: list[str]
    revisions: int
    scans: int
    head_sha256: str | None


def verify_case(path: str | os.PathLike) -> Verification:
    """Check every scan, revision record, output file and the hash chain.

    Detects: a changed or missing scan; a revision whose record or files were edited; a
    removed revision; two revisions swapped (a folder holding another number); a chain link
    that does not match (a revision edited after the next one was made).
    """
    case = open_case(path)
    problems: list[str] = []
    notes: list[str] = []
    scans_by_id = {s["id"]: s for s in case.scans}
    for s in case.scans:
        p = case.path / s["file"]
        if not p.is_file():
            problems.append(f"scan {s['id']} ({s['file']}): removed")
        elif file_sha256(p) != s["sha256"]:
            problems.append(f"scan {s['id']} ({s['file']}): changed (its sha256 differs from "
                            f"the one recorded when it was added)")
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
                        head_sha256=case.revisions[-1]["sha256"] if case.revisions else None)


# --------------------------------------------------------------------------------------------
# Trends
# --------------------------------------------------------------------------------------------


def find_cases(root: str | os.PathLike) -> list[Case]:
    """Case folders directly in ``root`` (or ``root`` itself if it is one)."""
    r = Path(root)
    if is_case_folder(r):
        return [open_case(r)]
    if not r.is_dir():
        raise CaseError(f"folder {str(r)!r} does not exist; check the path")
    out = []
    for p in sorted(r.iterdir()):
        if is_case_folder(p):
            with contextlib.suppress(CaseError):
                out.append(open_case(p))
    return out


def import_legacy_case(legacy_file: str | os.PathLike, root: str | os.PathLike, *,
                       case_id: str | None = None, side: str | None = None,
                       amputation_level: str | None = None) -> Case:
    """Make a case folder from a single-file case (schema 1, ``*.case.json``): its scan is
    added (the sha256 it recorded must match), its settings are kept for the first design."""
    p = Path(legacy_file)
    data = _read_json(p, "case file")
    if not isinstance(data, dict) or data.get("schema") != f"{SCHEMA_PREFIX}1":
        raise CaseError(f"{p.name} is not a single-file case (schema prosthetics.case/1)")
    scan = data.get("scan") or {}
    src = (p.resolve().parent / scan.get("path", "")) if scan.get("path") else None
    if src is None or not src.is_file():
        src = Path(scan.get("absolute_path") or "")
    if not src.is_file():
        raise CaseError(f"{p.name}: its scan {scan.get('path')!r} cannot be found")
    if scan.get("sha256") and file_sha256(src) != scan["sha256"]:
        raise CaseError(f"{p.name}: its scan {src.name} has changed since the case was saved")
    case = new_case(root, case_id=case_id, side=side, amputation_level=amputation_level,
                    note=f"imported from a single-file case ({data.get('template')})")
    add_scan(case, src, units=data.get("units"), measure=False)
    with locked(case):
        case.data = open_case(case.path).data
        case.scans[-1]["legacy_settings"] = {"template": data.get("template"),
                                             "parameters": data.get("parameters") or {}}
        _commit_index(case)
    return case


__all__ = ["Case", "CaseError", "new_case", "open_case", "add_scan", "add_design",
           "design_revision", "verify_case", "Verification", "find_cases",
           "new_case_id", "check_case_id", "set_personal", "personal_values", "find_personal",
           "import_legacy_case", "is_case_folder", "SCHEMA"]
