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

Unpacking checks everything (authentication, sizes, names, every file's sha256, then
:func:`prosthetics.cases.verify.verify_case`) in a temporary folder beside the destination and
renames it into place only when all of it passed; otherwise nothing is left behind.
The whole package is held in memory (fine for cases of a few hundred MB).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import secrets
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from prosthetics.cases.ids import ID_RE, find_personal, personal_values
from prosthetics.cases.store import (
    CASE_FILE,
    LOCK_FILE,
    PERSONAL_FILE,
    CaseError,
    open_case,
    remove_tree,
    utc_now,
)
from prosthetics.cases.verify import verify_case
from prosthetics.errors import OutputError
from prosthetics.fileio import atomic_write_bytes, rename_into_place, temp_dir_beside

MAGIC = b"PRCASE\r\n"
FORMAT = "prosthetics.case-package/1"
MANIFEST = "PACKAGE-MANIFEST.json"
SUFFIX = ".pcase"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 17, 8, 1
MAX_SCRYPT_N = 2 ** 20
MIN_PASSPHRASE = 8
#: Largest total size of the files in a package that unpacking accepts (a zip bomb guard).
MAX_UNPACKED_BYTES = 8 * 1024 ** 3


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


def _case_files(case_path: Path, include_personal: bool) -> list[Path]:
    """The files that make the case: case.json, the indexed scans and revisions, and
    personal.json when asked; leftovers of interrupted saves are not packed."""
    case = open_case(case_path)
    files = [case_path / CASE_FILE]
    files += [case_path / s["file"] for s in case.scans]
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
        raise PackageError(f"case {v.case_id} does not verify ({v.problems[0]}); a case is "
                           f"only packed when it verifies")
    case = open_case(case_path)
    files = _case_files(case_path, include_personal)
    if not include_personal:
        values = personal_values(case.personal())
        for f in files:
            hit = find_personal(f.read_bytes(), values)
            if hit:
                raise PackageError(f"{f.relative_to(case_path)} holds a personal field of the "
                                   f"patient; it cannot leave in a package without "
                                   f"--include-personal")
    if passphrase is not None and len(passphrase) < MIN_PASSPHRASE:
        raise PackageError(f"the passphrase has {len(passphrase)} characters; use at least "
                           f"{MIN_PASSPHRASE} (a few words are easiest to pass on by phone)")
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
    if dest.exists() and dest.is_dir():
        dest = dest / f"{case.case_id}{SUFFIX}"
    try:
        atomic_write_bytes(dest, prefix + body, what="package", fix="choose another --out")
    except OutputError as exc:
        raise PackageError(str(exc)) from None
    return PackResult(path=dest, case_id=case.case_id, files=len(manifest),
                      bytes=len(prefix) + len(body), encrypted=passphrase is not None,
                      personal_included=header["personal_included"])


def read_header(data: bytes, name: str = "package") -> tuple[dict, bytes, bytes]:
    """(header, prefix bytes, payload) of a package's bytes; a clear error when it is not
    one, or is truncated."""
    if len(data) < 12 or data[:8] != MAGIC:
        if data[:6] == MAGIC[:6]:
            raise PackageError(f"{name} was changed in transfer (line endings converted?); "
                               f"send it again as a binary file")
        raise PackageError(f"{name} is not a prosthetics case package")
    (n,) = struct.unpack("<I", data[8:12])
    if n > 1 << 20 or 12 + n > len(data):
        raise PackageError(f"{name} is truncated or damaged (header of {n} bytes, file of "
                           f"{len(data)}); ask for it again")
    try:
        header = json.loads(data[12:12 + n].decode("utf-8"))
        if not isinstance(header, dict):
            raise ValueError
    except (UnicodeDecodeError, ValueError):
        raise PackageError(f"{name} is damaged (its header cannot be read); ask for it "
                           f"again") from None
    if header.get("format") != FORMAT:
        raise PackageError(f"{name} has format {header.get('format')!r}; this version reads "
                           f"{FORMAT!r}: update prosthetics")
    payload = data[12 + n:]
    want = header.get("payload_bytes")
    if not isinstance(want, int) or len(payload) != want:
        raise PackageError(f"{name} is truncated or damaged ({len(payload)} bytes of content, "
                           f"{want} expected); ask for it again")
    return header, data[:12 + n], payload


def _open_payload(header: dict, prefix: bytes, payload: bytes, passphrase: str | None,
                  name: str) -> bytes:
    if not header.get("encrypted"):
        if hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
            raise PackageError(f"{name} is damaged (its content's sha256 does not match); "
                               f"ask for it again")
        return payload
    if passphrase is None:
        raise PackageError(f"{name} is encrypted; give the passphrase (--passphrase-file or "
                           f"the PROSTHETICS_PASSPHRASE variable)")
    try:
        kdf = header["kdf"]
        salt = base64.b64decode(kdf["salt"], validate=True)
        nonce = base64.b64decode(header["nonce"], validate=True)
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        if kdf.get("name") != "scrypt" or header.get("cipher") != "AES-256-GCM" \
                or not (2 <= n <= MAX_SCRYPT_N and n & (n - 1) == 0 and 1 <= r <= 32
                        and 1 <= p <= 16) \
                or len(nonce) != 12 or len(salt) < 16:
            raise ValueError
    except (KeyError, TypeError, ValueError):
        raise PackageError(f"{name} is damaged (its encryption settings cannot be read); ask "
                           f"for it again") from None
    key = _derive_key(passphrase, salt, n, r, p)
    try:
        return AESGCM(key).decrypt(nonce, payload, prefix)
    except InvalidTag:
        raise PackageError(f"cannot open {name}: wrong passphrase, or the file was changed "
                           f"or damaged on the way (authentication failed); nothing was "
                           f"unpacked") from None


def _safe_name(name: str) -> bool:
    parts = name.split("/")
    return (bool(name) and not name.startswith("/") and "\\" not in name and ":" not in name
            and all(p not in ("", ".", "..") for p in parts))


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
        Not a package, truncated or damaged, wrong passphrase, an unsafe or unexpected
        file name, a file whose sha256 differs from the manifest, a case that does not
        verify, or a destination that exists already.  Nothing is left behind.
    """
    pkg = Path(package)
    name = pkg.name
    try:
        data = pkg.read_bytes()
    except FileNotFoundError:
        raise PackageError(f"package {str(pkg)!r} does not exist; check the path") from None
    except OSError as exc:
        raise PackageError(f"cannot read {name} ({exc.strerror})") from None
    header, prefix, payload = read_header(data, name)
    cid = header.get("case_id")
    if not isinstance(cid, str) or not ID_RE.match(cid):
        raise PackageError(f"{name} is damaged (case ID {cid!r})")
    plain = _open_payload(header, prefix, payload, passphrase, name)
    root = Path(into)
    dest = root / cid
    if dest.exists():
        raise PackageError(f"{dest} exists already; unpack into another folder (--into) or "
                           f"move the existing case away first")
    try:
        zf = zipfile.ZipFile(io.BytesIO(plain))
        infos = zf.infolist()
        manifest = json.loads(zf.read(MANIFEST))["files"]
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError):
        raise PackageError(f"{name} is damaged (its content cannot be read); ask for it "
                           f"again") from None
    names = {i.filename for i in infos} - {MANIFEST}
    if names != set(manifest):
        extra = sorted(names ^ set(manifest))[0]
        raise PackageError(f"{name}: file {extra!r} is not in both the package and its "
                           f"manifest; ask for it again")
    if sum(int(m["bytes"]) for m in manifest.values()) > MAX_UNPACKED_BYTES:
        raise PackageError(f"{name} would unpack to more than 8 GB; refused")
    for n_ in names:
        if not _safe_name(n_) or n_ in (LOCK_FILE,):
            raise PackageError(f"{name}: unsafe file name {n_!r} in the package; refused")
    tmp = temp_dir_beside(dest, option="--into", prefix=f".{cid}.unpack-")
    try:
        for info in infos:
            if info.filename == MANIFEST:
                continue
            content = zf.read(info)                 # checks the zip's CRC
            m = manifest[info.filename]
            if len(content) != int(m["bytes"]) or \
                    hashlib.sha256(content).hexdigest() != m["sha256"]:
                raise PackageError(f"{name}: {info.filename} does not match the manifest; ask "
                                   f"for the package again")
            target = tmp / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            mode = 0o600 if info.filename == PERSONAL_FILE else (
                0o444 if info.filename.startswith(("scans/", "revisions/")) else 0o644)
            os.chmod(target, mode)
        (tmp / "scans").mkdir(exist_ok=True)
        (tmp / "revisions").mkdir(exist_ok=True)
        v = verify_case(tmp)
        if not v.ok:
            raise PackageError(f"{name}: the case inside does not verify ({v.problems[0]})")
        if v.case_id != cid:
            raise PackageError(f"{name}: the header names case {cid} but it holds {v.case_id}")
        os.chmod(tmp, 0o755)
        rename_into_place(tmp, dest, what="case folder")
    except CaseError as exc:
        remove_tree(tmp)
        if isinstance(exc, PackageError):
            raise
        raise PackageError(f"{name}: {exc}") from None
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
