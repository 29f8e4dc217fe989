"""Trust in cases: signed revisions (who filed each one, and a chain recomputed without the
key found out), and hostile packages refused quickly, in bounded memory, with one line.

One case with three revisions of the shared sample design is filed per module: the first
signed by a clinic's key, the second by a clinician's passphrase-protected key, the third
unsigned.  Each test that tampers with it works on a copy.  The forged packages are made
from a real package of that case; the figures at full size (a 3 GiB member, a 1 GiB one)
are bench/bench_packages.py's.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from prosthetics.cases import CaseError, add_design, add_scan, new_case, open_case, verify_case
from prosthetics.cases.package import (
    MANIFEST,
    MAX_REVISION_FILE_BYTES,
    MB,
    SCRYPT_N,
    pack_case,
    read_header,
    unpack_case,
)
from prosthetics.cases.signing import (
    generate_key,
    load_public_keys,
    load_signing_key,
    sign_entry,
)
from prosthetics.cases.store import record_sha256
from prosthetics.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "scans" / "transtibial_phone.ply"
PASS = "correct horse battery staple"
KEY_PASS = "clinic key passphrase"
#: Bounds on refusing a forged package, in its own process (generous: the machine is shared;
#: bench/bench_packages.py measures the real figures).
MAX_REFUSAL_S = 15.0
MAX_REFUSAL_MB = 300.0


# -- forging packages -------------------------------------------------------------------------
def _zeros_member(z: zipfile.ZipFile, name: str, size: int) -> str:
    """Write ``size`` zero bytes as member ``name`` (deflated, a chunk at a time); its sha256."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    h = hashlib.sha256()
    chunk = bytes(MB)
    with z.open(info, "w", force_zip64=size > (1 << 31) - 1) as w:
        left = size
        while left:
            part = chunk[:min(left, MB)]
            w.write(part)
            h.update(part)
            left -= len(part)
    return h.hexdigest()


def set_zip_size(data: bytes, name: str, size: int) -> bytes:
    """The zip ``data`` with member ``name``'s inflated size set to ``size`` in the central
    directory (what readers go by), as a forger would."""
    buf = bytearray(data)
    eocd = buf.rindex(b"PK\x05\x06")
    (count,) = struct.unpack_from("<H", buf, eocd + 10)
    (pos,) = struct.unpack_from("<I", buf, eocd + 16)
    for _ in range(count):
        assert buf[pos:pos + 4] == b"PK\x01\x02"
        n_len, x_len, c_len = struct.unpack_from("<HHH", buf, pos + 28)
        if buf[pos + 46:pos + 46 + n_len].decode() == name:
            if struct.unpack_from("<I", buf, pos + 24)[0] == 0xFFFFFFFF:
                x, end = pos + 46 + n_len, pos + 46 + n_len + x_len
                while x < end:           # the zip64 extra field: its first value is the size
                    hid, hlen = struct.unpack_from("<HH", buf, x)
                    if hid == 1:
                        struct.pack_into("<Q", buf, x + 4, size)
                        break
                    x += 4 + hlen
            else:
                struct.pack_into("<I", buf, pos + 24, size)
            return bytes(buf)
        pos += 46 + n_len + x_len + c_len
    raise KeyError(name)


def forge_package(base: Path, dest: Path, *, zeros: dict[str, int] | None = None,
                  manifest_bytes: dict[str, int] | None = None,
                  zip_bytes: dict[str, int] | None = None,
                  extra: dict[str, bytes] | None = None) -> Path:
    """A plain package made from the plain package ``base`` as a forger would, with a
    consistent header (sizes, payload sha256).

    zeros
        Members (new, or replacing the case's own) of that many zero bytes.
    manifest_bytes, zip_bytes
        Sizes to declare for members in the manifest, and in the zip's directory.
    extra
        Further members with these bytes, listed honestly in the manifest.
    """
    header, _, payload = read_header(base.read_bytes())
    assert not header["encrypted"]
    zeros, extra = dict(zeros or {}), dict(extra or {})
    src = zipfile.ZipFile(io.BytesIO(payload))
    manifest = json.loads(src.read(MANIFEST))["files"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != MANIFEST and info.filename not in zeros:
                z.writestr(info, src.read(info))
        for name, size in zeros.items():
            manifest[name] = {"sha256": _zeros_member(z, name, size), "bytes": size}
        for name, data in extra.items():
            z.writestr(name, data)
            manifest[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        for name, size in (manifest_bytes or {}).items():
            manifest[name]["bytes"] = size
        z.writestr(MANIFEST, json.dumps({"files": manifest}))
    data = out.getvalue()
    for name, size in (zip_bytes or {}).items():
        data = set_zip_size(data, name, size)
    header.update(payload_bytes=len(data), payload_sha256=hashlib.sha256(data).hexdigest(),
                  files=len(manifest))
    return _write_package(dest, header, data)


def _write_package(dest: Path, header: dict, payload: bytes) -> Path:
    from prosthetics.cases.package import MAGIC

    hb = json.dumps(header, sort_keys=True).encode("utf-8")
    dest.write_bytes(MAGIC + struct.pack("<I", len(hb)) + hb + payload)
    return dest


def forge_kdf(base: Path, dest: Path, **kdf) -> Path:
    """The encrypted package ``base`` with other scrypt settings in its header."""
    header, _, payload = read_header(base.read_bytes())
    header["kdf"].update(kdf)
    return _write_package(dest, header, payload)


# The unpack runs in a process forked from a fresh interpreter: a process started from the
# test's (large) one inherits its peak as its own ru_maxrss across exec, a fork of a small
# process does not.  The fork's peak is read as RUSAGE_CHILDREN once it has ended.
_UNPACK = """
import json, os, resource, sys, time
pid = os.fork()
if pid == 0:
    t = time.perf_counter()
    from prosthetics.cli.main import main
    rc = main(sys.argv[1:])
    print(json.dumps({"rc": rc, "s": time.perf_counter() - t}), flush=True)
    sys.stderr.flush()
    os._exit(0)
os.waitpid(pid, 0)
print(json.dumps({"rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def unpack_measured(pkg: Path, into: Path, passphrase: str | None = None) -> dict:
    """``prosthetics case unpack`` in its own process: rc, stderr, seconds, peak MB."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PROSTHETICS_PASSPHRASE", None)
    if passphrase is not None:
        env["PROSTHETICS_PASSPHRASE"] = passphrase
    into.mkdir(exist_ok=True)
    proc = subprocess.run([sys.executable, "-c", _UNPACK, "case", "unpack", str(pkg),
                           "--into", str(into)], env=env, capture_output=True, text=True,
                          timeout=300)
    lines = proc.stdout.strip().splitlines()
    out = {**json.loads(lines[-2]), **json.loads(lines[-1]), "err": proc.stderr}
    return out


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict:
    """A clinic's key (no passphrase) and a clinician's (with one), outside any case."""
    d = tmp_path_factory.mktemp("keys")
    generate_key("Lahore Limb Centre", d / "clinic.key")
    generate_key("Dr. Sana Iqbal", d / "sana.key", passphrase=KEY_PASS)
    return {"dir": d, "clinic": load_signing_key(d / "clinic.key"),
            "sana": load_signing_key(d / "sana.key", KEY_PASS)}


@pytest.fixture(scope="module")
def signed_case(tmp_path_factory, sample_design, keys):
    """Revision 1 signed by the clinic, 2 by the clinician, 3 unsigned."""
    root = tmp_path_factory.mktemp("signed")
    case = new_case(root, side="right", amputation_level="transtibial")
    add_scan(case, SAMPLE, measure=False)
    add_design(case, sample_design, author="R. Prosthetist", note="first fit",
               signing_key=keys["clinic"])
    add_design(case, sample_design, author="S. Iqbal", note="trim lowered",
               signing_key=keys["sana"])
    add_design(case, sample_design, author="R. Prosthetist", note="wall thicker")
    return open_case(case.path)


@pytest.fixture
def signed_copy(signed_case, tmp_path) -> Path:
    dest = tmp_path / signed_case.case_id
    shutil.copytree(signed_case.path, dest)
    for p in [dest, *dest.rglob("*")]:
        os.chmod(p, os.stat(p).st_mode | stat.S_IWUSR)
    return dest


@pytest.fixture(scope="module")
def plain_package(signed_case, tmp_path_factory) -> Path:
    return pack_case(signed_case.path, tmp_path_factory.mktemp("pkg") / "plain.pcase").path


@pytest.fixture(scope="module")
def encrypted_package(signed_case, tmp_path_factory) -> Path:
    return pack_case(signed_case.path, tmp_path_factory.mktemp("pkg") / "enc.pcase",
                     passphrase=PASS).path


# -- keys -------------------------------------------------------------------------------------
def test_keygen_keeps_the_private_key_private_and_out_of_cases(tmp_path, capsys):
    out = tmp_path / "keys" / "clinic.key"
    assert main(["case", "keygen", "--name", "Lahore Limb Centre", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    pub = json.loads(out.with_suffix(".pub").read_text(encoding="utf-8"))
    key = load_signing_key(out)
    assert pub["fingerprint"] == key.fingerprint and key.fingerprint in text
    assert "PRIVATE KEY" not in out.with_suffix(".pub").read_text(encoding="utf-8")
    assert set(load_public_keys([out.with_suffix(".pub")])) == {key.fingerprint}
    # Never overwritten; never inside a case folder, at any depth.
    assert main(["case", "keygen", "--name", "X", "--out", str(out)]) == 2
    assert "exists already" in capsys.readouterr().err
    case = new_case(tmp_path / "cases")
    for inside in (case.path / "k.key", case.path / "scans" / "k.key"):
        assert main(["case", "keygen", "--name", "X", "--out", str(inside)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "inside case folder" in err
        assert not inside.exists()
    # --trust takes public keys only: the private file is refused with the reason.
    with pytest.raises(CaseError, match="is a private key"):
        load_public_keys([out])


def test_a_passphrase_protected_key_needs_its_passphrase(keys, capsys, tmp_path):
    sana = keys["dir"] / "sana.key"
    assert "ENCRYPTED PRIVATE KEY" in json.loads(sana.read_text(encoding="utf-8"))["private_key"]
    with pytest.raises(CaseError, match="protected by a passphrase"):
        load_signing_key(sana)
    with pytest.raises(CaseError, match="wrong passphrase"):
        load_signing_key(sana, "not the passphrase")
    assert load_signing_key(sana, KEY_PASS).fingerprint == keys["sana"].fingerprint
    # The command line asks for it before designing: a wrong one costs nothing.
    case = new_case(tmp_path)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase\n")
    assert main(["case", "design", str(case.path), "--sign", str(sana),
                 "--key-passphrase-file", str(wrong)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "wrong passphrase" in err


def test_a_key_inside_the_case_is_not_used(signed_copy, sample_design, keys):
    inside = signed_copy / "clinic.key"
    shutil.copyfile(keys["dir"] / "clinic.key", inside)
    with pytest.raises(CaseError, match="inside case folder"):
        add_design(open_case(signed_copy), sample_design, signing_key=load_signing_key(inside))
    assert len(open_case(signed_copy).revisions) == 3


# -- signed revisions -------------------------------------------------------------------------
def test_signed_revisions_verify_and_name_their_signers(signed_case, keys, capsys):
    v = verify_case(signed_case.path)
    assert v.ok, v.problems
    assert [(s["status"], s["signer"], s["fingerprint"]) for s in v.signatures] == [
        ("signed", "Lahore Limb Centre", keys["clinic"].fingerprint),
        ("signed", "Dr. Sana Iqbal", keys["sana"].fingerprint),
        ("unsigned", None, None)]
    # The case keeps the public keys it has seen, never a private one.
    data = json.loads((signed_case.path / "case.json").read_text(encoding="utf-8"))
    assert set(data["keys"]) == {keys["clinic"].fingerprint, keys["sana"].fingerprint}
    assert "PRIVATE" not in (signed_case.path / "case.json").read_text(encoding="utf-8")
    # Each signature covers the entry: its hash, the previous hash, the signer.
    e2 = data["revisions"][1]
    assert e2["signature"] == sign_entry(keys["sana"], case_id=signed_case.case_id, number=2,
                                         sha256=e2["sha256"],
                                         previous_sha256=data["revisions"][0]["sha256"])
    assert main(["case", "verify", str(signed_case.path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ok ")
    assert out[1:] == [
        f"revision    1  signed by Lahore Limb Centre ({keys['clinic'].fingerprint})",
        f"revision    2  signed by Dr. Sana Iqbal ({keys['sana'].fingerprint})",
        "revision    3  unsigned"]
    # Trusting the clinic's public key: its revision is trusted, the clinician's unknown.
    clinic_pub = str(keys["dir"] / "clinic.pub")
    assert main(["case", "verify", str(signed_case.path), "--trust", clinic_pub]) == 0
    out = capsys.readouterr().out
    assert f"({keys['clinic'].fingerprint})  trusted" in out
    assert f"({keys['sana'].fingerprint})  unknown key" in out
    assert main(["case", "verify", str(signed_case.path), "--trust", clinic_pub,
                 "--require-trusted"]) == 1
    out = capsys.readouterr().out
    assert "FAILED    case" in out
    assert "revision 2: signed by Dr. Sana Iqbal with a key not among --trust" in out
    assert "revision 3: unsigned (--require-trusted" in out
    assert main(["case", "verify", str(signed_case.path), "--trust",
                 str(keys["dir"])]) == 0          # a folder of .pub files: both trusted
    assert capsys.readouterr().out.count("  trusted") == 2


def _recompute_chain_after_editing_revision_2(case_dir: Path) -> None:
    """Edit revision 2 and rehash everything after it consistently, without any key: the
    unsigned hash chain alone cannot tell."""
    idx = json.loads((case_dir / "case.json").read_text(encoding="utf-8"))
    prev = idx["revisions"][0]["sha256"]
    for n in (2, 3):
        p = case_dir / "revisions" / f"{n:04d}" / "revision.json"
        rec = json.loads(p.read_text(encoding="utf-8"))
        if n == 2:
            rec["settings"]["template"]["wall_thickness_mm"] = 3.0
        rec["previous_sha256"] = prev
        p.write_text(json.dumps(rec, indent=2), encoding="utf-8")
        prev = idx["revisions"][n - 1]["sha256"] = record_sha256(rec)
    (case_dir / "case.json").write_text(json.dumps(idx, indent=2), encoding="utf-8")


def test_a_chain_recomputed_without_the_key_fails_naming_the_revision(signed_copy, capsys):
    _recompute_chain_after_editing_revision_2(signed_copy)
    v = verify_case(signed_copy)
    assert not v.ok
    # Only the signature tells: every hash link holds.
    assert all("signature" in p for p in v.problems), v.problems
    assert v.problems[0].startswith("revision 2: its signature by Dr. Sana Iqbal")
    assert "does not match its entry in the chain" in v.problems[0]
    assert [s["status"] for s in v.signatures] == ["signed", "bad", "unsigned"]
    assert main(["case", "verify", str(signed_copy)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAILED    case") and "revision 2: its signature" in out
    assert "revision    2  BAD SIGNATURE claimed by Dr. Sana Iqbal" in out
    # Without the signatures the same history would pass: they are what caught it.
    idx = json.loads((signed_copy / "case.json").read_text(encoding="utf-8"))
    for e in idx["revisions"]:
        e.pop("signature", None)
    (signed_copy / "case.json").write_text(json.dumps(idx), encoding="utf-8")
    v = verify_case(signed_copy)
    assert v.ok and [s["status"] for s in v.signatures] == ["unsigned"] * 3


def test_a_forger_resigning_with_his_own_key_is_an_unknown_signer(signed_copy, keys,
                                                                  tmp_path, capsys):
    """Someone with write access may re-sign a rewritten history with a key of his own under
    the clinic's name: the case verifies, but the fingerprint is not the clinic's."""
    _recompute_chain_after_editing_revision_2(signed_copy)
    generate_key("Lahore Limb Centre", tmp_path / "forger.key")
    forger = load_signing_key(tmp_path / "forger.key")
    idx = json.loads((signed_copy / "case.json").read_text(encoding="utf-8"))
    for n, e in enumerate(idx["revisions"][:2], start=1):
        prev = idx["revisions"][n - 2]["sha256"] if n > 1 else None
        e["signature"] = sign_entry(forger, case_id=idx["case_id"], number=n,
                                    sha256=e["sha256"], previous_sha256=prev)
    idx["keys"][forger.fingerprint] = forger.public.as_dict()
    (signed_copy / "case.json").write_text(json.dumps(idx), encoding="utf-8")
    assert verify_case(signed_copy).ok
    clinic_pub = str(keys["dir"] / "clinic.pub")
    assert main(["case", "verify", str(signed_copy), "--trust", clinic_pub]) == 0
    out = capsys.readouterr().out
    assert f"signed by Lahore Limb Centre ({forger.fingerprint})  unknown key" in out
    assert "  trusted" not in out
    assert main(["case", "verify", str(signed_copy), "--trust", clinic_pub,
                 "--require-trusted"]) == 1
    # A signature whose key the case does not hold (and no --trust) cannot pass.
    del idx["keys"][forger.fingerprint]
    (signed_copy / "case.json").write_text(json.dumps(idx), encoding="utf-8")
    v = verify_case(signed_copy)
    assert not v.ok and "whose public key the case does not hold" in v.problems[0]
    # A public key in case.json swapped for another under the same fingerprint.
    idx["keys"][forger.fingerprint] = {**keys["clinic"].public.as_dict(),
                                       "fingerprint": forger.fingerprint}
    (signed_copy / "case.json").write_text(json.dumps(idx), encoding="utf-8")
    v = verify_case(signed_copy)
    assert not v.ok and "fingerprint does not match" in v.problems[0]


def test_package_round_trip_keeps_signatures(signed_case, encrypted_package, tmp_path, keys):
    back = unpack_case(encrypted_package, tmp_path / "u", passphrase=PASS)
    assert (back / "case.json").read_bytes() == (signed_case.path / "case.json").read_bytes()
    trusted = load_public_keys([keys["dir"]])
    v = verify_case(back, trusted=trusted)
    assert v.ok, v.problems
    assert [(s["status"], s["signer"], s["trusted"]) for s in v.signatures] == [
        ("signed", "Lahore Limb Centre", True), ("signed", "Dr. Sana Iqbal", True),
        ("unsigned", None, None)]


def test_an_unsigned_case_still_verifies_as_unsigned_without_cryptography(
        signed_case, tmp_path, sample_design, capsys):
    case = new_case(tmp_path, side="right", amputation_level="transtibial")
    add_scan(case, SAMPLE, measure=False)
    add_design(case, sample_design, note="before signatures")
    data = json.loads((case.path / "case.json").read_text(encoding="utf-8"))
    assert "keys" not in data and "signature" not in data["revisions"][0]
    assert main(["case", "verify", str(case.path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ok ") and out[1:] == ["revision    1  unsigned"]
    # Verifying an unsigned case loads no cryptography; a signed one needs it.
    code = ("import sys; from prosthetics.cases import verify_case; "
            "assert verify_case(sys.argv[1]).ok; "
            "print('cryptography' in sys.modules)")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for path, loaded in ((case.path, "False"), (signed_case.path, "True")):
        r = subprocess.run([sys.executable, "-c", code, str(path)], env=env,
                           capture_output=True, text=True, check=True)
        assert r.stdout.strip() == loaded


# -- hostile packages -------------------------------------------------------------------------
def _assert_refused(r: dict, into: Path, *words: str) -> None:
    err = r["err"]
    assert r["rc"] == 2, err
    assert err.count("\n") == 1 and err.startswith("prosthetics case: error: "), err
    for w in words:
        assert w in err, err
    assert r["s"] < MAX_REFUSAL_S, r
    assert r["rss_mb"] < MAX_REFUSAL_MB, r
    assert list(into.iterdir()) == []


def test_a_forged_plain_package_unpacks_when_honest(plain_package, tmp_path, signed_case):
    """The forging itself keeps a package valid: what the other tests change is what fails."""
    pkg = forge_package(plain_package, tmp_path / "same.pcase")
    r = unpack_measured(pkg, tmp_path / "into")
    assert r["rc"] == 0, r["err"]
    assert verify_case(tmp_path / "into" / signed_case.case_id).ok


@pytest.mark.parametrize("kind", ["manifest", "manifest and zip"])
def test_under_declared_member_is_refused_before_inflating(plain_package, tmp_path, kind):
    """A scan declared 1 MB that inflates to 200 MB of zeros (a few hundred kB packed)."""
    declared = {"scans/S01.ply": MB}
    pkg = forge_package(plain_package, tmp_path / "f.pcase", zeros={"scans/S01.ply": 200 * MB},
                        manifest_bytes=declared,
                        zip_bytes=declared if kind == "manifest and zip" else None)
    assert pkg.stat().st_size < plain_package.stat().st_size + MB
    r = unpack_measured(pkg, tmp_path / "into")
    _assert_refused(r, tmp_path / "into", "scans/S01.ply")
    assert r["rss_mb"] < 150, r            # never near the 200 MB it would inflate to


def test_member_over_its_limit_is_refused(plain_package, tmp_path):
    name = "revisions/0001/report.html"
    pkg = forge_package(plain_package, tmp_path / "f.pcase",
                        zeros={name: MAX_REVISION_FILE_BYTES + MB})
    r = unpack_measured(pkg, tmp_path / "into")
    _assert_refused(r, tmp_path / "into", name, "at most 256 MB")


@pytest.mark.parametrize(("name", "size"), [("scans/S09.ply", 50 * MB),
                                            ("revisions/0001/extra.stl", 50 * MB),
                                            ("revisions/0007/revision.json", 5 * MB)])
def test_member_the_case_does_not_list_is_refused(plain_package, tmp_path, name, size):
    """Honestly declared, within the limits, but not a file of the case."""
    pkg = forge_package(plain_package, tmp_path / "f.pcase", zeros={name: size})
    r = unpack_measured(pkg, tmp_path / "into")
    _assert_refused(r, tmp_path / "into", name, "is not a file of the case")


@pytest.mark.parametrize("name", ["../evil.sh", "/etc/cron.d/evil", "scans/../../evil",
                                  "revisions/0001/../../../evil", "scans\\..\\evil",
                                  "keys/evil", ".lock"])
def test_unsafe_member_names_are_refused(plain_package, tmp_path, name):
    pkg = forge_package(plain_package, tmp_path / "f.pcase", extra={name: b"echo owned\n"})
    r = unpack_measured(pkg, tmp_path / "into")
    _assert_refused(r, tmp_path / "into", "unsafe file name")
    assert not (tmp_path / "evil.sh").exists() and not (tmp_path / "evil").exists()


@pytest.mark.parametrize("kdf", [{"n": 2 ** 20}, {"n": 2 ** 20, "r": 32, "p": 16},
                                 {"n": 2 ** 10}, {"salt": base64.b64encode(b"x").decode()}])
def test_forged_key_derivation_settings_are_refused_at_once(encrypted_package, tmp_path, kdf):
    pkg = forge_kdf(encrypted_package, tmp_path / "f.pcase", **kdf)
    r = unpack_measured(pkg, tmp_path / "into", PASS)
    _assert_refused(r, tmp_path / "into", "encryption settings", f"n={SCRYPT_N}")
    assert r["s"] < 5.0, r                    # no key derivation was run at all


@pytest.mark.parametrize("damage", ["truncated", "flipped payload bit", "flipped tag bit",
                                    "flipped header bit"])
def test_truncated_or_flipped_encrypted_package_is_refused(encrypted_package, tmp_path,
                                                           damage):
    data = bytearray(encrypted_package.read_bytes())
    if damage == "truncated":
        data = data[: len(data) - 1000]
    elif damage == "flipped payload bit":
        data[len(data) // 2] ^= 0x01
    elif damage == "flipped tag bit":
        data[-1] ^= 0x80
    else:
        i = data.index(b'"created_utc"')
        data[i + 18] ^= 0x01                  # a digit of the date: still valid JSON
    pkg = tmp_path / "f.pcase"
    pkg.write_bytes(bytes(data))
    r = unpack_measured(pkg, tmp_path / "into", PASS)
    _assert_refused(r, tmp_path / "into",
                    "truncated" if damage == "truncated" else "wrong passphrase")


def test_pack_refuses_a_case_a_package_cannot_hold(tmp_path):
    case = new_case(tmp_path)
    add_scan(case, SAMPLE, measure=False)
    big = case.path / "scans" / "S01.ply"
    os.chmod(big, 0o644)
    with open(big, "r+b") as fh:          # sparse: the size is what is checked
        fh.truncate(513 * MB)
    data = json.loads((case.path / "case.json").read_text(encoding="utf-8"))
    data["scans"][0]["sha256"] = hashlib.sha256(big.read_bytes()).hexdigest()
    (case.path / "case.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CaseError, match="S01.ply is 513 MB; a package takes at most 512 MB"):
        pack_case(case.path, tmp_path / "p.pcase")
    assert not (tmp_path / "p.pcase").exists()
