"""Hand-off packages: one file holding a case, optionally encrypted with a passphrase.

A remote clinic packs a case and sends the file; the design centre unpacks it, designs, and
packs it back.  Layout of a package (``<case ID>.pcase``)::

    bytes 0-7     magic  b"PRCASE\\r\\n"  (the CR LF shows a text-mode transfer at once)
    bytes 8-11    n, the header's length, unsigned little-endian
    12 .. 12+n    header: UTF-8 JSON (format, case ID, sizes, cipher and KDF settings)
    the rest      payload: a zip of the case folder with PACKAGE-MANIFEST.json (the sha256
                  of every file); encrypted, it is AES-256-GCM ciphertext + 16-byte tag

Encryption uses the ``cryptography`` package: the key is derived from the passphrase with
scrypt (n = 2**17, r = 8, p = 1, a random 16-byte salt) and the zip is sealed with AES-GCM
(random 12-byte nonce); the magic, the length and the header are the associated data, so
changing any byte of the file makes the authentication fail.  Unencrypted packages carry
the payload's sha256 in the header instead (integrity against damage, not against a forger).

Unpacking trusts nothing in a package before it is checked: the scrypt settings must be the
format's own (so a forged header cannot make the key derivation slow or huge), every member
must be one the case lists, under its size limit (:func:`member_limit`), and is inflated in chunks
and counted, so a member that inflates past its declared size is refused after at most one
chunk too many.  The case is written in a temporary folder beside the destination, checked
(every file's sha256, then :func:`prosthetics.cases.verify.verify_case`) and renamed into
place only when all of it passed; otherwise nothing is left behind.  The package itself is
held in memory while it is made or opened (it is at most :data:`MAX_PACKAGE_BYTES`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import secrets
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from prosthetics.cases.ids import ID_RE, find_personal, personal_values
from prosthetics.cases.store import (
    CASE_FILE,
    PERSONAL_FILE,
    REVISION_FILE,
    CaseError,
    open_case,
    read_json,
    remove_tree,
    utc_now,
)
from prosthetics.cases.verify import scan_companions, verify_case
from prosthetics.errors import N_, OutputError
from prosthetics.fileio import atomic_write_bytes, rename_into_place, temp_dir_beside

MAGIC = b"PRCASE\r\n"
FORMAT = "prosthetics.case-package/1"
MANIFEST = "PACKAGE-MANIFEST.json"
SUFFIX = ".pcase"
#: The key derivation of the format, the only one accepted: the header is authenticated
#: only with the key, so settings read from it are not trusted (a forged n = 2**20 would
#: cost minutes and gigabytes before "wrong passphrase").  scrypt with these takes 128 MiB.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 17, 8, 1
SALT_BYTES, NONCE_BYTES = 16, 12
MIN_PASSPHRASE = 8
MB = 1024 ** 2
#: What a case in a package may hold (docs/case-format.md, "Limits"); packing refuses a case
#: over them, unpacking refuses a package over them before inflating anything.
MAX_SCAN_BYTES = 512 * MB             # each scan
MAX_REVISION_FILE_BYTES = 256 * MB    # each print file or report of a revision
MAX_RECORD_BYTES = 32 * MB            # case.json, personal.json, each revision.json, manifest
MAX_MEMBERS = 2000                    # files in a package
MAX_UNPACKED_BYTES = 2 * 1024 * MB    # all files together
MAX_PACKAGE_BYTES = MAX_UNPACKED_BYTES + 64 * MB   # the package file (never larger unpacked)
#: Members are inflated, hashed and written this many bytes at a time.
CHUNK_BYTES = MB

#: Names a package member may have: the case's own layout, nothing else.
_MEMBER_RE = re.compile(r"^(case\.json|personal\.json|scans/[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
                        r"|revisions/[0-9]{4}/[A-Za-z0-9][A-Za-z0-9._-]{0,127})$")


class PackageError(CaseError):
    """A package cannot be made or opened."""


@dataclass
class PackResult:
    path: Path
    case_id: str
    files: int
    bytes: int
    encrypted: bool
    personal_included: bool


def _derive_key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def member_limit(name: str) -> int:
    """The largest size (bytes) a package member of this name may have."""
    if name.startswith("scans/"):
        return MAX_SCAN_BYTES
    if name in (CASE_FILE, PERSONAL_FILE, MANIFEST) or name.endswith("/" + REVISION_FILE):
        return MAX_RECORD_BYTES
    return MAX_REVISION_FILE_BYTES


def _limit_text(name: str) -> str:
    return f"{member_limit(name) // MB} MB"


def _check_case_size(root: Path, files: list[Path]) -> None:
    """Refuse to pack a case that unpacking would refuse (see :data:`MAX_UNPACKED_BYTES`)."""
    if len(files) + 1 > MAX_MEMBERS:
        raise PackageError.of(N_("the case has %(count)s files; a package holds at most "
                                 "%(most)s: start a new case for later fittings"),
                              count=len(files), most=MAX_MEMBERS - 1)
    total = 0
    for f in files:
        rel = f.relative_to(root).as_posix()
        size = f.stat().st_size
        total += size
        if size > member_limit(rel):
            raise PackageError.of(N_("%(file)s is %(size)s MB; a package takes at most "
                                     "%(limit)s for such a file: decimate the scan or export a "
                                     "smaller print file"), file=rel, size=f"{size / MB:.0f}",
                                  limit=_limit_text(rel))
    if total > MAX_UNPACKED_BYTES:
        raise PackageError.of(N_("the case holds %(size)s MB; a package takes at most %(most)s "
                                 "MB: start a new case for later fittings"),
                              size=f"{total / MB:.0f}", most=MAX_UNPACKED_BYTES // MB)


def _case_files(case_path: Path, include_personal: bool) -> list[Path]:
    """The files that make the case: case.json, the indexed scans and revisions, and
    personal.json when asked; leftovers of interrupted saves are not packed."""
    case = open_case(case_path)
    files = [case_path / CASE_FILE]
    files += [case_path / s["file"] for s in case.scans]
    files += [case_path / c["file"] for s in case.scans for c in scan_companions(s)]
    for r in case.revisions:
        d = case.revision_dir(r["number"])
        files += sorted(p for p in d.iterdir() if p.is_file())
    if include_personal and (case_path / PERSONAL_FILE).exists():
        files.append(case_path / PERSONAL_FILE)
    return files


def _zip_bytes(root: Path, files: list[Path]) -> tuple[bytes, dict]:
    buf = io.BytesIO()
    manifest = {}
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for f in files:
            rel = f.relative_to(root).as_posix()
            data = f.read_bytes()
            manifest[rel] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            # A fixed time stamp: the package says nothing about when files were touched.
            info = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
        info = zipfile.ZipInfo(MANIFEST, date_time=(1980, 1, 1, 0, 0, 0))
        z.writestr(info, json.dumps({"files": manifest}, indent=1, sort_keys=True))
    return buf.getvalue(), manifest


def pack_case(case_path: str | os.PathLike, out: str | os.PathLike | None = None, *,
              passphrase: str | None = None, include_personal: bool = False) -> PackResult:
    """Pack a case folder into one file.

    The case must verify.  Without ``include_personal``, personal.json is left out and every
    packed byte (3MF and other zips decompressed) is searched for the personal fields: a
    match is an error naming the file.

    Parameters
    ----------
    out
        The package file (default ``<case ID>.pcase`` beside the case folder).
    passphrase
        Encrypt with this passphrase (at least 8 characters); None: not encrypted.
    """
    case_path = Path(case_path).resolve()
    v = verify_case(case_path)
    if not v.ok:
        raise PackageError.of(N_("case %(case)s does not verify (%(problem)s); a case is only "
                                 "packed when it verifies"), case=v.case_id, problem=v.problems[0])
    case = open_case(case_path)
    files = _case_files(case_path, include_personal)
    if not include_personal:
        values = personal_values(case.personal())
        for f in files:
            hit = find_personal(f.read_bytes(), values)
            if hit:
                raise PackageError.of(N_("%(file)s holds a personal field of the patient; it "
                                         "cannot leave in a package without --include-personal"),
                                      file=f.relative_to(case_path))
    if passphrase is not None and len(passphrase) < MIN_PASSPHRASE:
        raise PackageError.of(N_("the passphrase has %(count)s characters; use at least "
                                 "%(least)s (a few words are easiest to pass on by phone)"),
                              count=len(passphrase), least=MIN_PASSPHRASE)
    _check_case_size(case_path, files)
    payload, manifest = _zip_bytes(case_path, files)
    header = {"format": FORMAT, "case_id": case.case_id, "created_utc": utc_now(),
              "files": len(manifest), "personal_included": bool(include_personal)
              and (case_path / PERSONAL_FILE).exists(), "encrypted": passphrase is not None}
    if passphrase is not None:
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        header.update({"cipher": "AES-256-GCM", "nonce": base64.b64encode(nonce).decode(),
                       "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
                               "salt": base64.b64encode(salt).decode()},
                       "payload_bytes": len(payload) + 16})
        hbytes = json.dumps(header, sort_keys=True).encode("utf-8")
        prefix = MAGIC + struct.pack("<I", len(hbytes)) + hbytes
        key = _derive_key(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        body = AESGCM(key).encrypt(nonce, payload, prefix)
    else:
        header.update({"payload_bytes": len(payload),
                       "payload_sha256": hashlib.sha256(payload).hexdigest()})
        hbytes = json.dumps(header, sort_keys=True).encode("utf-8")
        prefix = MAGIC + struct.pack("<I", len(hbytes)) + hbytes
        body = payload
    dest = Path(out) if out else case_path.parent / f"{case.case_id}{SUFFIX}"
    if dest.is_dir() or (out and str(out).endswith(("/", os.sep))):
        dest = dest / f"{case.case_id}{SUFFIX}"      # a folder, existing or to be made
    try:
        atomic_write_bytes(dest, prefix + body, what="package", fix="choose another --out")
    except OutputError as exc:
        raise PackageError.carrying(exc) from None
    return PackResult(path=dest, case_id=case.case_id, files=len(manifest),
                      bytes=len(prefix) + len(body), encrypted=passphrase is not None,
                      personal_included=header["personal_included"])


def read_header(data: bytes, name: str = "package") -> tuple[dict, bytes, bytes]:
    """(header, prefix bytes, payload) of a package's bytes; a clear error when it is not
    one, or is truncated."""
    if len(data) < 12 or data[:8] != MAGIC:
        if data[:6] == MAGIC[:6]:
            raise PackageError.of(N_("%(name)s was changed in transfer (line endings "
                                     "converted?); send it again as a binary file"), name=name)
        raise PackageError.of(N_("%(name)s is not a prosthetics case package"), name=name)
    (n,) = struct.unpack("<I", data[8:12])
    if n > 1 << 20 or 12 + n > len(data):
        raise PackageError.of(N_("%(name)s is truncated or damaged (header of %(header)s bytes, "
                                 "file of %(size)s); ask for it again"), name=name, header=n,
                              size=len(data))
    try:
        header = json.loads(data[12:12 + n].decode("utf-8"))
        if not isinstance(header, dict):
            raise ValueError
    except (UnicodeDecodeError, ValueError):
        raise PackageError.of(N_("%(name)s is damaged (its header cannot be read); ask for it "
                                 "again"), name=name) from None
    if header.get("format") != FORMAT:
        raise PackageError.of(N_("%(name)s has format %(format)s; this version reads "
                                 "%(expected)s: update prosthetics"), name=name,
                              format=repr(header.get('format')), expected=repr(FORMAT))
    payload = data[12 + n:]
    want = header.get("payload_bytes")
    if not isinstance(want, int) or len(payload) != want:
        raise PackageError.of(N_("%(name)s is truncated or damaged (%(size)s bytes of content, "
                                 "%(expected)s expected); ask for it again"), name=name,
                              size=len(payload), expected=want)
    return header, data[:12 + n], payload


def _open_payload(header: dict, prefix: bytes, payload: bytes, passphrase: str | None,
                  name: str) -> bytes:
    if not header.get("encrypted"):
        if hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
            raise PackageError.of(N_("%(name)s is damaged (its content's sha256 does not "
                                     "match); ask for it again"), name=name)
        return payload
    if passphrase is None:
        raise PackageError.of(N_("%(name)s is encrypted; give the passphrase "
                                 "(--passphrase-file or the PROSTHETICS_PASSPHRASE variable)"),
                              name=name)
    try:
        kdf = header["kdf"]
        salt = base64.b64decode(kdf["salt"], validate=True)
        nonce = base64.b64decode(header["nonce"], validate=True)
        # Only the format's own settings: the header is not yet authenticated here.
        if kdf.get("name") != "scrypt" or header.get("cipher") != "AES-256-GCM" \
                or (kdf.get("n"), kdf.get("r"), kdf.get("p")) != (SCRYPT_N, SCRYPT_R, SCRYPT_P) \
                or len(nonce) != NONCE_BYTES or len(salt) != SALT_BYTES:
            raise ValueError
    except (KeyError, TypeError, ValueError, AttributeError):
        raise PackageError.of(N_("%(name)s is damaged or forged (its encryption settings are "
                                 "not this format's: scrypt n=%(n)s, r=%(r)s, p=%(p)s); ask "
                                 "for it again"), name=name, n=SCRYPT_N, r=SCRYPT_R,
                              p=SCRYPT_P) from None
    key = _derive_key(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    try:
        return AESGCM(key).decrypt(nonce, payload, prefix)
    except InvalidTag:
        raise PackageError.of(N_("cannot open %(name)s: wrong passphrase, or the file was "
                                 "changed or damaged on the way (authentication failed); "
                                 "nothing was unpacked"), name=name) from None


def _safe_name(name: str) -> bool:
    """A member name of the case's own layout: no absolute path, no "..", no other folder."""
    parts = name.split("/")
    return (bool(_MEMBER_RE.match(name)) and all(p not in ("", ".", "..") for p in parts))


class _Members:
    """The members of a package's zip, each read at most up to its limit.

    Every check that needs no inflating is made on creation: the number of members, their
    names, compression, and their sizes as the zip and the manifest declare them.  Reading
    a member then inflates it a chunk at a time, counting, and stops as soon as it passes
    its declared size.
    """

    def __init__(self, plain: bytes, name: str):
        self.name = name
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(plain))
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, ValueError, EOFError, OSError):
            raise PackageError.of(N_("%(name)s is damaged (its content cannot be read); ask "
                                     "for it again"), name=name) from None
        if len(infos) > MAX_MEMBERS:
            raise PackageError.of(N_("%(name)s holds %(count)s files; a case package holds at "
                                     "most %(most)s; refused"), name=name, count=len(infos),
                                  most=MAX_MEMBERS)
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            n = info.filename
            if n != MANIFEST and not _safe_name(n):
                raise PackageError.of(N_("%(name)s: unsafe file name %(file)s in the package "
                                         "(only the case's own files may be in it); refused"),
                                      name=name, file=repr(n))
            if n in self.infos:
                raise PackageError.of(N_("%(name)s: file %(file)s is in the package twice; "
                                         "refused"), name=name, file=repr(n))
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) \
                    or info.flag_bits & 0x1:
                raise PackageError.of(N_("%(name)s: %(file)s is stored in a way this format "
                                         "does not use (compression %(compression)s); refused"),
                                      name=name, file=n, compression=info.compress_type)
            self.infos[n] = info
        if MANIFEST not in self.infos:
            raise PackageError.of(N_("%(name)s is damaged (it has no %(manifest)s); ask for it "
                                     "again"), name=name, manifest=MANIFEST)
        self.declared = {MANIFEST: self.infos[MANIFEST].file_size}
        self.manifest = self._read_manifest()

    def _read_manifest(self) -> dict:
        try:
            files = json.loads(self.read(MANIFEST))["files"]
            if not isinstance(files, dict):
                raise TypeError
            for entry in files.values():
                if not (isinstance(entry, dict) and type(entry.get("bytes")) is int
                        and entry["bytes"] >= 0 and isinstance(entry.get("sha256"), str)):
                    raise TypeError
        except (KeyError, TypeError, ValueError):
            raise PackageError.of(N_("%(name)s is damaged (its manifest cannot be read); ask "
                                     "for it again"), name=self.name) from None
        names = set(self.infos) - {MANIFEST}
        if names != set(files):
            extra = sorted(names ^ set(files))[0]
            raise PackageError.of(N_("%(name)s: file %(file)s is not in both the package and "
                                     "its manifest; ask for it again"), name=self.name,
                                  file=repr(extra))
        total = 0
        for n, entry in sorted(files.items()):
            size = entry["bytes"]
            if size > member_limit(n):
                raise PackageError.of(N_("%(name)s: %(file)s would unpack to %(size)s MB; a "
                                         "case takes at most %(limit)s for such a file; refused"),
                                      name=self.name, file=n, size=f"{size / MB:.0f}",
                                      limit=_limit_text(n))
            if self.infos[n].file_size != size:
                raise PackageError.of(N_("%(name)s: %(file)s would unpack to %(size)s bytes "
                                         "but its manifest says %(expected)s (a forged or "
                                         "damaged package); refused"), name=self.name, file=n,
                                      size=self.infos[n].file_size, expected=size)
            total += size
            self.declared[n] = size
        if total > MAX_UNPACKED_BYTES:
            raise PackageError.of(N_("%(name)s would unpack to %(size)s MB; a case takes at "
                                     "most %(most)s MB; refused"), name=self.name,
                                  size=f"{total / MB:.0f}", most=MAX_UNPACKED_BYTES // MB)
        return files

    def _chunks(self, member: str):
        """Yield the inflated bytes of ``member`` a chunk at a time, refusing it as soon as
        it passes its declared size or its limit."""
        limit = min(self.declared[member], member_limit(member))
        count = 0
        try:
            with self.zf.open(self.infos[member]) as src:
                while True:
                    chunk = src.read(CHUNK_BYTES)
                    if not chunk:
                        break
                    count += len(chunk)
                    if count > limit:
                        raise PackageError.of(N_("%(name)s: %(file)s inflates past its "
                                                 "declared %(limit)s bytes (a forged package); "
                                                 "refused"), name=self.name, file=member,
                                              limit=limit)
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                NotImplementedError, RuntimeError) as exc:
            if isinstance(exc, PackageError):
                raise
            raise PackageError.of(N_("%(name)s: %(file)s cannot be read from the package "
                                     "(damaged or forged); ask for it again"), name=self.name,
                                  file=member) from None
        if count != self.declared[member]:
            raise PackageError.of(N_("%(name)s: %(file)s is %(size)s bytes, not the declared "
                                     "%(expected)s; ask for the package again"), name=self.name,
                                  file=member, size=count, expected=self.declared[member])

    def read(self, member: str) -> bytes:
        """A small member (a record), checked against the manifest."""
        data = b"".join(self._chunks(member))
        if member != MANIFEST:
            self._check_sha(member, hashlib.sha256(data).hexdigest())
        return data

    def extract(self, member: str, target: Path) -> None:
        """Write ``member`` to ``target`` a chunk at a time, checked against the manifest."""
        target.parent.mkdir(parents=True, exist_ok=True)
        h = hashlib.sha256()
        with open(target, "xb") as out:
            for chunk in self._chunks(member):
                h.update(chunk)
                out.write(chunk)
        self._check_sha(member, h.hexdigest())

    def _check_sha(self, member: str, sha: str) -> None:
        if sha != self.manifest[member]["sha256"]:
            raise PackageError.of(N_("%(name)s: %(file)s does not match the manifest; ask for "
                                     "the package again"), name=self.name, file=member)


def _listed_members(members: _Members, tmp: Path) -> set[str]:
    """The files the case in the package lists (its index, scans, revisions and their
    files), reading case.json and each revision.json into ``tmp`` on the way."""
    name = members.name
    if CASE_FILE not in members.manifest:
        raise PackageError.of(N_("%(name)s holds no %(case_file)s; it is not a case package"),
                              name=name, case_file=CASE_FILE)
    members.extract(CASE_FILE, tmp / CASE_FILE)
    case = open_case(tmp)
    listed = {CASE_FILE, PERSONAL_FILE}
    listed |= {s["file"] for s in case.scans
               if isinstance(s, dict) and isinstance(s.get("file"), str)}
    listed |= {c["file"] for s in case.scans for c in scan_companions(s)}
    for i in range(1, len(case.revisions) + 1):
        folder = case.revision_dir(i).relative_to(tmp).as_posix()
        rec_name = f"{folder}/{REVISION_FILE}"
        listed.add(rec_name)
        if rec_name not in members.manifest:
            continue                # verify names the revision that is missing
        members.extract(rec_name, tmp / rec_name)
        rec = read_json(tmp / rec_name, "revision record")
        files = rec.get("files") if isinstance(rec, dict) else None
        if isinstance(files, dict):
            listed |= {f"{folder}/{f}" for f in files if isinstance(f, str)}
    return listed


def unpack_case(package: str | os.PathLike, into: str | os.PathLike = ".", *,
                passphrase: str | None = None) -> Path:
    """Unpack a package into ``into/<case ID>``, all or nothing.

    Returns
    -------
    Path
        The case folder.

    Raises
    ------
    PackageError
        Not a package, truncated or damaged, wrong passphrase or forged encryption settings,
        an unsafe or unexpected file name, a file the case does not list, a file over its
        limit or inflating past its declared size, a file whose sha256 differs from the
        manifest, a case that does not verify, or a destination that exists already.
        Nothing is left behind.
    """
    pkg = Path(package)
    name = pkg.name
    try:
        size = pkg.stat().st_size
        if size > MAX_PACKAGE_BYTES:
            raise PackageError.of(N_("%(name)s is %(size)s MB; a case package is at most "
                                     "%(most)s MB; refused"), name=name, size=f"{size / MB:.0f}",
                                  most=MAX_PACKAGE_BYTES // MB)
        data = pkg.read_bytes()
    except FileNotFoundError:
        raise PackageError.of(N_("package %(path)s does not exist; check the path"),
                              path=repr(str(pkg))) from None
    except OSError as exc:
        raise PackageError.of(N_("cannot read %(name)s (%(reason)s)"), name=name,
                              reason=exc.strerror) from None
    header, prefix, payload = read_header(data, name)
    del data
    cid = header.get("case_id")
    if not isinstance(cid, str) or not ID_RE.match(cid):
        raise PackageError.of(N_("%(name)s is damaged (case ID %(case)s)"), name=name,
                              case=repr(cid))
    plain = _open_payload(header, prefix, payload, passphrase, name)
    del payload
    root = Path(into)
    dest = root / cid
    if dest.exists():
        raise PackageError.of(N_("%(folder)s exists already; unpack into another folder "
                                 "(--into) or move the existing case away first"), folder=dest)
    members = _Members(plain, name)
    tmp = temp_dir_beside(dest, option="--into", prefix=f".{cid}.unpack-")
    try:
        listed = _listed_members(members, tmp)
        unlisted = sorted(set(members.manifest) - listed)
        if unlisted:
            raise PackageError.of(N_("%(name)s: %(file)s is not a file of the case (case.json "
                                     "and the revision records do not list it); refused"),
                                  name=name, file=unlisted[0])
        for member in sorted(members.manifest):
            target = tmp / member
            if not target.exists():
                members.extract(member, target)
            mode = 0o600 if member == PERSONAL_FILE else (
                0o444 if member.startswith(("scans/", "revisions/")) else 0o644)
            os.chmod(target, mode)
        (tmp / "scans").mkdir(exist_ok=True)
        (tmp / "revisions").mkdir(exist_ok=True)
        v = verify_case(tmp)
        if not v.ok:
            raise PackageError.of(N_("%(name)s: the case inside does not verify (%(problem)s)"),
                                  name=name, problem=v.problems[0])
        if v.case_id != cid:
            raise PackageError.of(N_("%(name)s: the header names case %(case)s but it holds "
                                     "%(held)s"), name=name, case=cid, held=v.case_id)
        os.chmod(tmp, 0o755)
        rename_into_place(tmp, dest, what="case folder")
    except CaseError as exc:
        remove_tree(tmp)
        if isinstance(exc, PackageError):
            raise
        raise PackageError.of(N_("%(name)s: %(reason)s"), name=name, reason=exc) from None
    except (TypeError, AttributeError, KeyError, IndexError):
        # A forged case.json or record of the wrong shape.
        remove_tree(tmp)
        raise PackageError.of(N_("%(name)s is damaged or forged (a case file inside has the "
                                 "wrong shape); ask for it again"), name=name) from None
    except BaseException:
        remove_tree(tmp)
        raise
    return dest


def package_info(package: str | os.PathLike) -> dict:
    """The header of a package (readable without the passphrase)."""
    pkg = Path(package)
    header, _, _ = read_header(pkg.read_bytes(), pkg.name)
    return header


__all__ = ["pack_case", "unpack_case", "package_info", "PackageError", "PackResult", "SUFFIX"]
