"""Signed revisions: a clinic's or clinician's Ed25519 key pair, and the signature each
revision's entry in the hash chain may carry.

A signature covers the revision's hash-chain entry (the case ID, the revision's number, the
sha256 of its record and the sha256 of the previous record) and the signer's name and key
fingerprint, as canonical JSON (:func:`signed_message`).  The record holds the sha256 of
every file of the revision and of the scan it was designed from, so the signature vouches
for all of them.  The signature lives in the revision's entry in case.json (a record cannot
hold a signature over its own hash); the public keys the case has seen are kept in
case.json's ``keys``, by fingerprint.  What a signature proves, and what it does not, is in
docs/case-format.md ("Signed revisions").

Key files are small JSON files: the private key (``prosthetics.signing-key/1``, mode 0600,
its PKCS#8 PEM optionally encrypted with a passphrase) and the public key
(``prosthetics.public-key/1``), which a clinic hands to whoever checks its revisions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from prosthetics.cases.store import canonical_json, is_case_folder
from prosthetics.errors import N_, CaseError, OutputError
from prosthetics.fileio import atomic_write_text

KEY_FORMAT = "prosthetics.signing-key/1"
PUBLIC_FORMAT = "prosthetics.public-key/1"
SIGNATURE_FORMAT = "prosthetics.case.signature/1"
ALGORITHM = "Ed25519"
#: The signing key used when none is given (a path), and its passphrase when it has one.
KEY_ENV = "PROSTHETICS_SIGNING_KEY"
KEY_PASSPHRASE_ENV = "PROSTHETICS_KEY_PASSPHRASE"
MIN_KEY_PASSPHRASE = 8
PUBLIC_SUFFIX = ".pub"


@dataclass(frozen=True, kw_only=True)
class PublicKey:
    """A signer's public key: ``raw`` (32 bytes), its ``fingerprint`` and the signer's name."""

    name: str
    raw: bytes

    def __post_init__(self):
        if len(self.raw) != 32:
            raise CaseError.of(N_("an %(algorithm)s public key has 32 bytes, not %(count)s"),
                               algorithm=ALGORITHM, count=len(self.raw))

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.raw)

    def as_dict(self) -> dict:
        """The key as kept in case.json's ``keys`` and in a ``.pub`` file."""
        return {"name": self.name, "algorithm": ALGORITHM,
                "public_key": base64.b64encode(self.raw).decode("ascii"),
                "fingerprint": self.fingerprint}


@dataclass(frozen=True, kw_only=True)
class SigningKey:
    """A loaded private key with its signer's name (and the file it came from)."""

    name: str
    private: Ed25519PrivateKey
    path: Path | None = None

    @property
    def public(self) -> PublicKey:
        raw = self.private.public_key().public_bytes(serialization.Encoding.Raw,
                                                     serialization.PublicFormat.Raw)
        return PublicKey(name=self.name, raw=raw)

    @property
    def fingerprint(self) -> str:
        return self.public.fingerprint


def fingerprint(raw: bytes) -> str:
    """``ed25519:`` and the first 128 bits of the key's sha256 in hex (32 characters), to be
    compared by eye or read over the phone."""
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:32]


def check_signer_name(name: str) -> str:
    n = " ".join(str(name).split())
    if not 1 <= len(n) <= 100:
        raise CaseError.of(N_("signer name %(name)s must have 1 to 100 characters; give the "
                              "clinic's or clinician's name with --name"), name=repr(name))
    return n


def case_folder_holding(path: Path) -> Path | None:
    """The case folder that ``path`` is in (at any depth), or None."""
    p = Path(path).resolve()
    for folder in (p, *p.parents):
        if is_case_folder(folder):
            return folder
    return None


def generate_key(name: str, out: str | os.PathLike, *,
                 passphrase: str | None = None) -> tuple[Path, Path]:
    """Make a key pair: the private key file ``out`` (mode 0600) and the public key beside
    it (``out`` with the suffix ``.pub``).

    Raises
    ------
    CaseError
        ``out`` or the public file exists, ``out`` is inside a case folder (a private key must
        never travel with a case), or the passphrase is too short.
    """
    name = check_signer_name(name)
    priv_path = Path(out)
    if priv_path.suffix == PUBLIC_SUFFIX:
        raise CaseError.of(N_("%(name)s ends in %(suffix)s, the public key's suffix; name the "
                              "private key e.g. clinic.key"), name=priv_path.name,
                           suffix=PUBLIC_SUFFIX)
    pub_path = priv_path.with_suffix(PUBLIC_SUFFIX)
    inside = case_folder_holding(priv_path.parent)
    if inside is not None:
        raise CaseError.of(N_("%(path)s is inside case folder %(case)s; keep the private key "
                              "outside every case folder (e.g. in your home folder)"),
                           path=priv_path, case=inside.name)
    for p in (priv_path, pub_path):
        if p.exists():
            raise CaseError.of(N_("%(path)s exists already; choose another --out (a key is "
                                  "never overwritten)"), path=p)
    if passphrase is not None and len(passphrase) < MIN_KEY_PASSPHRASE:
        raise CaseError.of(N_("the key's passphrase has %(count)s characters; use at least "
                              "%(least)s"), count=len(passphrase), least=MIN_KEY_PASSPHRASE)
    private = Ed25519PrivateKey.generate()
    key = SigningKey(name=name, private=private)
    enc = (serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
           if passphrase is not None else serialization.NoEncryption())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                enc).decode("ascii")
    body = {"format": KEY_FORMAT, "name": name, "algorithm": ALGORITHM,
            "fingerprint": key.fingerprint, "encrypted": passphrase is not None,
            "private_key": pem}
    public = {"format": PUBLIC_FORMAT, **key.public.as_dict()}
    try:
        atomic_write_text(priv_path, json.dumps(body, indent=2) + "\n", mode=0o600,
                          what="private key", fix="choose another --out")
        atomic_write_text(pub_path, json.dumps(public, indent=2) + "\n", mode=0o644,
                          what="public key", fix="choose another --out")
    except OutputError as exc:
        raise CaseError.carrying(exc) from None
    return priv_path, pub_path


def _read_key_json(path: Path, what: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError
        return data
    except FileNotFoundError:
        raise CaseError.of(N_("%(what)s %(path)s does not exist; check the path"), what=what,
                           path=repr(str(path))) from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise CaseError.of(N_("%(name)s is not a %(what)s file of prosthetics (make one with "
                              "'prosthetics case keygen')"), name=path.name, what=what) from None


def key_is_encrypted(path: str | os.PathLike) -> bool:
    """Whether a private key file needs a passphrase."""
    return bool(_read_key_json(Path(path), "signing key").get("encrypted"))


def load_signing_key(path: str | os.PathLike, passphrase: str | None = None) -> SigningKey:
    """Read a private key file made by :func:`generate_key`."""
    p = Path(path)
    data = _read_key_json(p, "signing key")
    if data.get("format") != KEY_FORMAT:
        if data.get("format") == PUBLIC_FORMAT:
            raise CaseError.of(N_("%(name)s is a public key; signing needs the private key "
                                  "file made with it by 'prosthetics case keygen'"), name=p.name)
        raise CaseError.of(N_("%(name)s is not a signing key (format %(format)s)"), name=p.name,
                           format=repr(data.get('format')))
    if data.get("encrypted") and not passphrase:
        raise CaseError.of(N_("signing key %(name)s is protected by a passphrase; give it with "
                              "--key-passphrase-file or %(variable)s"), name=p.name,
                           variable=KEY_PASSPHRASE_ENV)
    try:
        private = serialization.load_pem_private_key(
            str(data["private_key"]).encode("ascii"),
            password=passphrase.encode("utf-8") if data.get("encrypted") else None)
    except (KeyError, ValueError, TypeError, UnicodeEncodeError):
        raise CaseError.of(N_("cannot read signing key %(name)s: wrong passphrase, or the file "
                              "is damaged"), name=p.name) from None
    if not isinstance(private, Ed25519PrivateKey):
        raise CaseError.of(N_("signing key %(name)s is not an %(algorithm)s key"), name=p.name,
                           algorithm=ALGORITHM)
    key = SigningKey(name=check_signer_name(data.get("name", "")), private=private, path=p)
    if data.get("fingerprint") not in (None, key.fingerprint):
        raise CaseError.of(N_("signing key %(name)s is damaged (its fingerprint does not match "
                              "its key)"), name=p.name)
    return key


def public_key_from_dict(data: dict, where: str) -> PublicKey:
    """A public key from a ``.pub`` file or from case.json's ``keys``."""
    try:
        raw = base64.b64decode(data["public_key"], validate=True)
        if data.get("algorithm") != ALGORITHM:
            raise ValueError
        key = PublicKey(name=str(data.get("name") or "?"), raw=raw)
    except (KeyError, TypeError, ValueError, CaseError):
        raise CaseError.of(N_("%(where)s: not an %(algorithm)s public key"), where=where,
                           algorithm=ALGORITHM) from None
    if data.get("fingerprint") not in (None, key.fingerprint):
        raise CaseError.of(N_("%(where)s: the fingerprint does not match the key (the file was "
                              "changed)"), where=where)
    return key


def load_public_keys(paths) -> dict[str, PublicKey]:
    """Public keys by fingerprint from ``.pub`` files, or folders of them (for ``--trust``).

    A private key file is accepted too (its public half is used).
    """
    out: dict[str, PublicKey] = {}
    for path in paths:
        p = Path(path)
        files = sorted(p.glob(f"*{PUBLIC_SUFFIX}")) if p.is_dir() else [p]
        if p.is_dir() and not files:
            raise CaseError.of(N_("folder %(path)s holds no %(suffix)s file; give the public "
                                  "key files to trust"), path=repr(str(p)), suffix=PUBLIC_SUFFIX)
        for f in files:
            data = _read_key_json(f, "public key")
            if data.get("format") == KEY_FORMAT:
                raise CaseError.of(N_("%(name)s is a private key; --trust takes the public key "
                                      "(%(public)s): never hand the private key around"),
                                   name=f.name, public=f.with_suffix(PUBLIC_SUFFIX).name)
            if data.get("format") != PUBLIC_FORMAT:
                raise CaseError.of(N_("%(name)s is not a public key (format %(format)s); give "
                                      "a .pub file made by 'prosthetics case keygen'"),
                                   name=f.name, format=repr(data.get('format')))
            key = public_key_from_dict(data, f.name)
            out[key.fingerprint] = key
    return out


def signed_message(*, case_id: str, number: int, sha256: str, previous_sha256: str | None,
                   signer: str, key_fingerprint: str) -> bytes:
    """The bytes a revision's signature is made over (canonical JSON)."""
    return canonical_json({"format": SIGNATURE_FORMAT, "case_id": case_id, "revision": number,
                           "sha256": sha256, "previous_sha256": previous_sha256,
                           "signer": {"name": signer, "fingerprint": key_fingerprint}})


def sign_entry(key: SigningKey, *, case_id: str, number: int, sha256: str,
               previous_sha256: str | None) -> dict:
    """The ``signature`` of a revision's entry in case.json."""
    msg = signed_message(case_id=case_id, number=number, sha256=sha256,
                         previous_sha256=previous_sha256, signer=key.name,
                         key_fingerprint=key.fingerprint)
    return {"format": SIGNATURE_FORMAT, "algorithm": ALGORITHM, "signer": key.name,
            "fingerprint": key.fingerprint,
            "value": base64.b64encode(key.private.sign(msg)).decode("ascii")}


def check_signature(signature: dict, *, case_keys: dict, trusted: dict[str, PublicKey] | None,
                    case_id: str, number: int, sha256: str,
                    previous_sha256: str | None) -> tuple[dict, str | None]:
    """Check one revision's signature.

    Parameters
    ----------
    case_keys
        case.json's ``keys``: fingerprint -> public key entry.
    trusted
        Keys given with ``--trust`` (fingerprint -> key), or None when none were given.

    Returns
    -------
    (dict, str or None)
        ``{"signer", "fingerprint", "trusted"}`` (``trusted`` None when no keys were
        given), and the problem, or None when the signature matches the entry.
    """
    if not (isinstance(signature, dict) and isinstance(signature.get("fingerprint"), str)
            and isinstance(signature.get("signer"), str)):
        return {"signer": None, "fingerprint": None, "trusted": None}, \
            "its signature cannot be read (case.json was changed)"
    if not isinstance(case_keys, dict):
        case_keys = {}
    name, fp = signature["signer"], signature["fingerprint"]
    info = {"signer": name, "fingerprint": fp,
            "trusted": None if trusted is None else fp in trusted}
    key = (trusted or {}).get(fp)
    if key is None:
        entry = (case_keys or {}).get(fp)
        if not isinstance(entry, dict):
            return info, (f"signed with key {fp}, whose public key the case does not hold; "
                          f"pass the signer's public key with --trust")
        try:
            key = public_key_from_dict(entry, f"case.json key {fp}")
        except CaseError as exc:
            return info, str(exc)
        if key.fingerprint != fp:
            return info, (f"the public key case.json keeps for {fp} has another fingerprint "
                          f"({key.fingerprint}): case.json was changed")
    msg = signed_message(case_id=case_id, number=number, sha256=sha256,
                         previous_sha256=previous_sha256, signer=name, key_fingerprint=fp)
    try:
        value = base64.b64decode(signature.get("value") or "", validate=True)
        Ed25519PublicKey.from_public_bytes(key.raw).verify(value, msg)
    except (InvalidSignature, ValueError, TypeError):
        return info, (f"its signature by {name} ({fp}) does not match its entry in the chain "
                      f"(the revision, or the chain before it, was changed after it was "
                      f"signed)")
    return info, None


__all__ = ["ALGORITHM", "KEY_ENV", "KEY_PASSPHRASE_ENV", "PublicKey", "SigningKey",
           "case_folder_holding", "check_signature", "fingerprint", "generate_key",
           "key_is_encrypted", "load_public_keys", "load_signing_key", "sign_entry",
           "signed_message"]
