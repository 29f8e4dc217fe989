"""Patient cases: format, tamper-evident history, hand-off packages, privacy, atomic saves.

One case with three revisions of the shared sample design is filed once per session; each
test that tampers with it works on a copy.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import trimesh

from prosthetics import __version__
from prosthetics.cases import (
    CaseError,
    add_design,
    add_scan,
    check_case_id,
    new_case,
    new_case_id,
    open_case,
    verify_case,
)
from prosthetics.cases.package import MAGIC, pack_case, read_header, unpack_case
from prosthetics.cases.store import locked, record_sha256
from prosthetics.cases.trends import circumference_change, trends
from prosthetics.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "scans" / "transtibial_phone.ply"
TRUTH_STL = ROOT / "scans" / "source" / "transtibial_scan_a.stl"
PERSONAL = {"name": "Ayesha Khan", "date_of_birth": "1971-03-04", "contact": "+92 300 1234567"}
#: What must never appear in an exported file (the DOB and phone in other spellings too).
FORBIDDEN = [b"ayesha", b"khan", b"1971-03-04", b"04/03/1971", b"03/04/1971", b"04.03.1971",
             b"19710304", b"+92 300 1234567", b"923001234567", b"300 1234567"]
PASS = "correct horse battery staple"
SHRINK = 0.97      # the second scan: the limb 3 % thinner (x and y), months later


def _blobs(data: bytes) -> list[bytes]:
    """``data`` and, for a zip (3MF) or a package, every member decompressed.  Pictures
    embedded in HTML are dropped: their base64 matches short words by chance."""
    out = [re.sub(rb"data:image/png;base64,[A-Za-z0-9+/=]+", b"", data)]
    if data[:8] == MAGIC:
        header, prefix, payload = read_header(data)
        assert not header["encrypted"]
        return [prefix, *_blobs(payload)]
    if data[:4] == b"PK\x03\x04":
        out = []
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for n in z.namelist():
                out += _blobs(z.read(n))
                out.append(n.encode())
    return out


def personal_hits(data: bytes) -> list[bytes]:
    hits = []
    for blob in _blobs(data):
        low = blob.lower()
        for word in FORBIDDEN:
            for enc in (word, word.decode().encode("utf-16-le")):
                if enc in low:
                    hits.append(word)
    return hits


def tree_hashes(folder: Path, skip=(".lock",)) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in skip}


def writable(path: Path) -> None:
    for p in [path, *path.rglob("*")]:
        os.chmod(p, os.stat(p).st_mode | stat.S_IWUSR)


@pytest.fixture(scope="session")
def thinner_scan(tmp_path_factory) -> Path:
    """The clean limb 3 % thinner across (x, y), as a later scan of the same limb."""
    m = trimesh.load(TRUTH_STL, process=False)
    m.vertices[:, :2] = (m.vertices[:, :2] - m.vertices[:, :2].mean(axis=0)) * SHRINK
    p = tmp_path_factory.mktemp("scans") / "later.stl"
    m.export(p)
    return p


@pytest.fixture(scope="session")
def filed_case(tmp_path_factory, sample_design, thinner_scan):
    """A case with personal fields, two scans and three revisions of the sample design."""
    root = tmp_path_factory.mktemp("cases")
    case = new_case(root, side="right", amputation_level="transtibial", personal=PERSONAL)
    add_scan(case, SAMPLE, measure=False, captured_on="2026-03-01")
    for i, note in enumerate(("first fit", "trim lowered after the check socket",
                              "wall thicker at the patellar tendon")):
        add_design(case, sample_design, author="R. Prosthetist", note=note)
    add_scan(case, thinner_scan, captured_on="2026-06-01")
    return open_case(case.path)


@pytest.fixture
def case_copy(filed_case, tmp_path) -> Path:
    dest = tmp_path / filed_case.case_id
    shutil.copytree(filed_case.path, dest)
    writable(dest)
    return dest


def first_problem(path: Path) -> str:
    v = verify_case(path)
    assert not v.ok
    return v.problems[0]


# -- IDs and format ---------------------------------------------------------------------------
def test_case_ids_are_pseudonymous():
    ids = {new_case_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) == 10 and i.startswith("C-") and not set(i[2:]) & set("ILOU") for i in ids)
    assert check_case_id("pk-lhr-0042") == "PK-LHR-0042"
    for bad in ("JANE-DOE", "Ali", "Ayesha Khan", "C-12/3", "X1"):
        with pytest.raises(CaseError):
            check_case_id(bad)


def test_filed_case_layout_and_chain(filed_case):
    c = filed_case
    v = verify_case(c.path)
    assert v.ok, v.problems
    assert (v.revisions, v.scans, v.notes) == (3, 2, [])
    assert v.head_sha256 == record_sha256(c.revision(3))
    for n in (2, 3):
        assert c.revision(n)["previous_sha256"] == record_sha256(c.revision(n - 1))
    assert c.revision(1)["previous_sha256"] is None
    # Scans are stored as received (same bytes), read-only, under neutral names.
    s1 = c.path / c.scans[0]["file"]
    assert s1.name == "S01.ply" and s1.read_bytes() == SAMPLE.read_bytes()
    assert not os.stat(s1).st_mode & 0o222
    rec = c.revision(2)
    assert rec["kind"] == "transtibial_socket" and rec["note"].startswith("trim lowered")
    assert rec["report"]["input"]["path"] == "scans/S01.ply"
    assert rec["report"]["case"] == c.case_id
    assert rec["settings"]["template"]["wall_thickness_mm"] == 5.0
    assert set(rec["files"]) == {f"{c.case_id}-r0002.stl", f"{c.case_id}-r0002.3mf",
                                 "report.json", "report.html", "report.pdf", "record.html",
                                 "record.pdf"}
    # The print files carry the case ID only: the STL header and the 3MF object's name.
    stl = (c.revision_dir(2) / f"{c.case_id}-r0002.stl").read_bytes()
    header = f"prosthetics {__version__} case {c.case_id} revision 2 mm"
    assert stl[:80].rstrip() == header.encode()
    back = trimesh.load(c.revision_dir(2) / f"{c.case_id}-r0002.stl")
    assert back.is_watertight and back.volume > 0
    with zipfile.ZipFile(c.revision_dir(2) / f"{c.case_id}-r0002.3mf") as z:
        model = z.read("3D/3dmodel.model").decode()
    assert f'name="{c.case_id} revision 2"' in model
    # Personal fields in one place only, not readable by others.
    assert json.loads((c.path / "personal.json").read_text(encoding="utf-8"))["name"] == "Ayesha Khan"
    assert os.stat(c.path / "personal.json").st_mode & 0o077 == 0


def test_measurement_history(filed_case, aligned_truth):
    from prosthetics.limb.measure import measure_limb

    t = trends(filed_case)
    assert [e["scan"] for e in t] == ["S01", "S02"]
    assert t[0]["source"] == "revision 3" and t[1]["source"] == "when added"
    change = circumference_change(t)
    assert change[0]["mean_change_percent"] == 0.0
    assert change[1]["levels"] >= 15
    # S01 is the phone scan, S02 the clean limb 3 % thinner: the expected change per level is
    # 0.97 x (clean limb) / (phone scan) - 1, with the clean limb measured on its own.
    truth = {round(c["z_mm"]): c["mm"]
             for c in measure_limb(aligned_truth.mesh).as_dict()["circumferences"]}
    phone = {round(c["z_mm"]): c["mm"] for c in t[0]["circumferences"]}
    s2 = {round(c["z_mm"]) for c in t[1]["circumferences"]}
    common = sorted(set(truth) & set(phone) & s2)
    expected = np.mean([100 * (SHRINK * truth[z] / phone[z] - 1) for z in common])
    assert change[1]["mean_change_percent"] == pytest.approx(expected, abs=0.3)
    assert t[1]["volume_ml"] < t[0]["volume_ml"]
    html = (filed_case.revision_dir(3) / "record.html").read_text(encoding="utf-8")
    for text in (filed_case.case_id, "Revision 3", "Sign-off", "Measurement history",
                 record_sha256(filed_case.revision(2)), "Rectification", "Landmarks",
                 "@media print"):
        assert text in html, text
    assert html.count("data:image/png;base64,") == 2


def test_cli_show_list_and_verify(filed_case, capsys):
    assert main(["case", "show", str(filed_case.path)]) == 0
    out = capsys.readouterr().out
    assert "S02" in out and "revision    3" in out and "Ayesha" not in out
    assert "on file" in out
    assert main(["case", "show", str(filed_case.path), "--revision", "2"]) == 0
    assert "trim lowered" in capsys.readouterr().out
    assert main(["case", "list", str(filed_case.path.parent), "--verify"]) == 0
    assert f"{filed_case.case_id}" in capsys.readouterr().out
    assert main(["case", "verify", str(filed_case.path)]) == 0
    assert capsys.readouterr().out.startswith("ok ")
    assert main(["case", "show", str(filed_case.path), "--revision", "9"]) == 2
    assert "no revision 9" in capsys.readouterr().err


# -- tamper evidence --------------------------------------------------------------------------
def test_verify_names_an_edited_revision(case_copy, capsys):
    p = case_copy / "revisions" / "0002" / "revision.json"
    rec = json.loads(p.read_text(encoding="utf-8"))
    rec["report"]["template"]["parameters"]["wall_thickness_mm"] = 3.0
    p.write_text(json.dumps(rec, indent=2))
    assert first_problem(case_copy).startswith("revision 2: edited")
    assert main(["case", "verify", str(case_copy)]) == 1
    assert "FAILED    case" in capsys.readouterr().out


def test_verify_names_an_edit_hidden_in_the_index(case_copy):
    """Editing revision 2 and its hash in the index still breaks revision 3's link."""
    p = case_copy / "revisions" / "0002" / "revision.json"
    rec = json.loads(p.read_text(encoding="utf-8"))
    rec["note"] = "something else"
    p.write_text(json.dumps(rec))
    idx = json.loads((case_copy / "case.json").read_text(encoding="utf-8"))
    idx["revisions"][1]["sha256"] = record_sha256(rec)
    (case_copy / "case.json").write_text(json.dumps(idx))
    prob = first_problem(case_copy)
    assert prob.startswith("revision 3: chain broken") and "revision 2 was edited" in prob


def test_verify_names_a_removed_revision(case_copy):
    shutil.rmtree(case_copy / "revisions" / "0002")
    assert first_problem(case_copy).startswith("revision 2: removed")


def test_verify_names_swapped_revisions(case_copy):
    r = case_copy / "revisions"
    os.rename(r / "0002", r / "tmp")
    os.rename(r / "0003", r / "0002")
    os.rename(r / "tmp", r / "0003")
    assert first_problem(case_copy).startswith("revision 2: reordered (folder 0002 holds "
                                               "revision 3)")


def test_verify_names_a_changed_scan_and_an_edited_print_file(case_copy, filed_case):
    scan = case_copy / "scans" / "S01.ply"
    data = bytearray(scan.read_bytes())
    data[len(data) // 2] ^= 0x01
    scan.write_bytes(bytes(data))
    assert first_problem(case_copy).startswith("scan S01 (scans/S01.ply): changed")
    shutil.copyfile(filed_case.path / "scans" / "S01.ply", scan)
    assert verify_case(case_copy).ok
    stl = case_copy / "revisions" / "0001" / f"{filed_case.case_id}-r0001.stl"
    data = bytearray(stl.read_bytes())
    data[1000] ^= 0x10
    stl.write_bytes(bytes(data))
    assert first_problem(case_copy) == (f"revision 1: file {filed_case.case_id}-r0001.stl "
                                        f"edited")


# -- packages ---------------------------------------------------------------------------------
def test_pack_unpack_round_trip_plain_and_encrypted(filed_case, tmp_path, capsys):
    original = tree_hashes(filed_case.path)
    plain = pack_case(filed_case.path, tmp_path / "plain.pcase")
    assert not plain.encrypted and not plain.personal_included
    a = unpack_case(plain.path, tmp_path / "a")
    expected = {k: v for k, v in original.items() if k != "personal.json"}
    assert tree_hashes(a) == expected and verify_case(a).ok
    assert not os.stat(a / "scans" / "S01.ply").st_mode & 0o222

    pw = tmp_path / "pw.txt"
    pw.write_text(PASS + "\n")
    assert main(["case", "pack", str(filed_case.path), "--encrypt", "--include-personal",
                 "--passphrase-file", str(pw), "--out", str(tmp_path / "enc.pcase")]) == 0
    assert "personal fields included" in capsys.readouterr().out
    enc = (tmp_path / "enc.pcase").read_bytes()
    assert b"scans/S01.ply" not in enc and b"revision.json" not in enc
    assert main(["case", "unpack", str(tmp_path / "enc.pcase"), "--into", str(tmp_path / "b"),
                 "--passphrase-file", str(pw)]) == 0
    b = tmp_path / "b" / filed_case.case_id
    assert tree_hashes(b) == original


@pytest.mark.parametrize("damage", ["wrong passphrase", "truncated", "flipped byte",
                                    "flipped header byte", "flipped key setting",
                                    "plain truncated", "plain flipped"])
def test_bad_packages_fail_cleanly_and_leave_nothing(filed_case, tmp_path, capsys, damage):
    enc = "plain" not in damage
    pkg = tmp_path / "p.pcase"
    pack_case(filed_case.path, pkg, passphrase=PASS if enc else None)
    data = bytearray(pkg.read_bytes())
    pw = tmp_path / "pw.txt"
    pw.write_text("wrong" + PASS if damage == "wrong passphrase" else PASS)
    if "truncated" in damage:
        data = data[: len(data) * 2 // 3]
    elif damage == "flipped header byte":
        i = data.index(b'"case_id"')
        data[i + 14] = ord("Q") if data[i + 14] != ord("Q") else ord("R")
    elif damage == "flipped key setting":
        i = data.index(b'"n": 131072')
        data[i + 10] = ord("3")             # 131073: not a power of two
    elif "flipped" in damage:
        data[len(data) // 2] ^= 0x04
    pkg.write_bytes(bytes(data))
    into = tmp_path / "into"
    into.mkdir()
    argv = ["case", "unpack", str(pkg), "--into", str(into)]
    rc = main(argv + (["--passphrase-file", str(pw)] if enc else []))
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("prosthetics case: error: ")
    assert ("wrong passphrase" in err) if damage in ("wrong passphrase", "flipped byte",
                                                     "flipped header byte") else True
    assert ("encryption settings" in err) if damage == "flipped key setting" else True
    assert ("truncated" in err) if "truncated" in damage else True
    assert list(into.iterdir()) == []


def test_no_personal_field_in_any_export(filed_case, tmp_path):
    # The grep finds the fields where they are, so finding none elsewhere means something.
    assert personal_hits((filed_case.path / "personal.json").read_bytes())
    exported = [p for p in filed_case.path.rglob("*")
                if p.is_file() and p.name not in ("personal.json", ".lock")]
    assert len(exported) >= 20
    for p in exported:
        assert not personal_hits(p.read_bytes()), p
        assert not personal_hits(str(p.relative_to(filed_case.path.parent)).encode()), p
    pkg = pack_case(filed_case.path, tmp_path / "x.pcase")
    assert not personal_hits(pkg.path.read_bytes())
    with_personal = pack_case(filed_case.path, tmp_path / "y.pcase", include_personal=True)
    assert personal_hits(with_personal.path.read_bytes())


def test_personal_fields_are_kept_out_of_notes_and_scans(filed_case, case_copy, sample_design,
                                                         tmp_path):
    case = open_case(case_copy)
    with pytest.raises(CaseError, match="personal field"):
        add_design(case, sample_design, note="fitted for Ayesha today")
    text = TRUTH_STL.read_bytes()
    tagged = tmp_path / "scan.ply"
    trimesh.load(TRUTH_STL).export(tagged)
    raw = tagged.read_bytes().replace(b"end_header", b"comment Ayesha Khan\nend_header", 1)
    tagged.write_bytes(raw)
    with pytest.raises(CaseError, match="personal field"):
        add_scan(case, tagged, measure=False)
    assert len(open_case(case_copy).scans) == 2 and text


# -- atomic saves -----------------------------------------------------------------------------
def _env(**extra) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.update(extra)
    return env


def _kill_at(argv: list[str], step: str, timeout: float = 120.0) -> float:
    """Run the CLI until it reaches ``step``, then SIGKILL it; returns the seconds it took."""
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "prosthetics", *argv],
                            env=_env(PROSTHETICS_CASE_PAUSE_AT=step), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + timeout
    try:
        for line in proc.stderr:
            if f"case checkpoint {step}" in line:
                break
            assert time.monotonic() < end, f"never reached {step}"
        else:
            pytest.fail(f"the process ended before {step}: rc {proc.wait()}")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return time.monotonic() - t0


def test_killed_add_scan_leaves_the_old_or_the_new_case(tmp_path, thinner_scan):
    case = new_case(tmp_path, side="left")
    add_scan(case, TRUTH_STL, measure=False)
    before = (case.path / "case.json").read_bytes()
    for step in ("scan-written", "before-index"):
        _kill_at(["case", "add-scan", str(case.path), str(thinner_scan), "--no-measure"], step)
        assert (case.path / "case.json").read_bytes() == before
        assert verify_case(case.path).ok
    run_s = _kill_at(["case", "add-scan", str(case.path), str(thinner_scan), "--no-measure"],
                     "after-index")
    assert [s["id"] for s in open_case(case.path).scans] == ["S01", "S02"]
    assert verify_case(case.path).ok
    # Killed at random moments over a whole run: always one of the two states, and it always
    # verifies.
    rng = random.Random(7)
    scans = []
    for i in range(5):
        s = tmp_path / f"scan{i}.stl"
        m = trimesh.load(TRUTH_STL, process=False)
        m.vertices *= 1.0 + 0.01 * (i + 1)
        m.export(s)
        scans.append(s)
    states = set()
    for s in scans:
        n0 = len(open_case(case.path).scans)
        proc = subprocess.Popen([sys.executable, "-m", "prosthetics", "case", "add-scan",
                                 str(case.path), str(s), "--no-measure"], env=_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.8, 1.6) * run_s)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        n1 = len(open_case(case.path).scans)
        assert n1 in (n0, n0 + 1)
        states.add(n1 - n0)
        v = verify_case(case.path)
        assert v.ok, v.problems
    print(f"random kills: {sorted(states)} (0 = old state, 1 = new state)")


@pytest.mark.slow
def test_killed_design_leaves_the_old_case(tmp_path):
    case = new_case(tmp_path, side="left", amputation_level="transtibial")
    add_scan(case, TRUTH_STL, measure=False)
    before = (case.path / "case.json").read_bytes()
    _kill_at(["case", "design", str(case.path), "--set", "slice=false", "--set",
              "grid_rows=40", "--set", "grid_columns=48"], "revision-renamed")
    assert (case.path / "case.json").read_bytes() == before
    v = verify_case(case.path)
    assert v.ok and v.revisions == 0
    assert v.notes and "interrupted" in v.notes[0]
    # The leftover is not part of the case: it is not packed (the next save replaces it).
    assert (case.path / "revisions" / "0001" / "revision.json").exists()
    packed = pack_case(case.path, tmp_path / "p.pcase")
    assert packed.files == 2                # case.json and the scan
    assert tree_hashes(unpack_case(packed.path, tmp_path / "u")) == {
        k: v for k, v in tree_hashes(case.path).items() if not k.startswith("revisions/")}


# -- migration, legacy files, locking ---------------------------------------------------------
def test_schema_versions_and_legacy_case_files(tmp_path):
    case = new_case(tmp_path / "a")
    data = json.loads((case.path / "case.json").read_text(encoding="utf-8"))
    assert data["schema"] == "prosthetics.case/2"
    data["schema"] = "prosthetics.case/3"
    (case.path / "case.json").write_text(json.dumps(data))
    with pytest.raises(CaseError, match="newer prosthetics"):
        open_case(case.path)
    legacy = tmp_path / "limb.case.json"
    legacy.write_text(json.dumps({
        "schema": "prosthetics.case/1",
        "scan": {"path": os.path.relpath(TRUTH_STL, tmp_path),
                 "sha256": hashlib.sha256(TRUTH_STL.read_bytes()).hexdigest()},
        "template": "transtibial_ptb", "units": None,
        "parameters": {"template": {"wall_thickness_mm": 6.0}}, "landmarks": {}}))
    assert main(["case", "new", "--from-legacy", str(legacy), "--root", str(tmp_path / "b"),
                 "--side", "left"]) == 0
    (c,) = [open_case(p) for p in (tmp_path / "b").iterdir()]
    assert c.scans[0]["legacy_settings"]["template"] == "transtibial_ptb"
    assert verify_case(c.path).ok


def test_bad_dates_and_ids_are_one_line_errors(tmp_path, capsys):
    assert main(["case", "new", "--root", str(tmp_path), "--dob", "4 March 1971"]) == 2
    assert "--dob '4 March 1971' is not a date" in capsys.readouterr().err
    assert main(["case", "new", "--root", str(tmp_path), "--dob", "1971"]) == 0
    folder = capsys.readouterr().out.split("\t")[1].strip()
    assert main(["case", "add-scan", folder, str(TRUTH_STL), "--date", "2026-13-01"]) == 2
    assert "is not a date" in capsys.readouterr().err
    assert main(["case", "verify", str(tmp_path / "nothing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["case", "design", folder]) == 2
    assert "has no scan yet" in capsys.readouterr().err


def test_one_writer_at_a_time(tmp_path):
    case = new_case(tmp_path)
    with locked(case):
        with pytest.raises(CaseError, match="being saved by another program"):
            add_scan(case, TRUTH_STL, measure=False)
    add_scan(case, TRUTH_STL, measure=False)
    with pytest.raises(CaseError, match="already in the case as S01"):
        add_scan(case, TRUTH_STL, measure=False)
    gltf = tmp_path / "limb.gltf"
    gltf.write_text(json.dumps({"buffers": [{"uri": "limb.bin", "byteLength": 12}]}))
    with pytest.raises(CaseError, match="export it as one .glb file"):
        add_scan(case, gltf, measure=False)
    assert np.isclose(len(open_case(case.path).scans), 1)


def test_a_revision_reports_the_clinic_and_the_scan_capture_date(tmp_path, sample_design):
    """Filed with the clinic's configuration, the revision's report.json, record and PDFs
    name the clinic and clinician, and the scan date is the case's capture date."""
    case = new_case(tmp_path, side="right", amputation_level="transtibial")
    add_scan(case, SAMPLE, measure=False, captured_on="2026-03-01")
    record = add_design(case, sample_design, author="R. Prosthetist",
                        reports={"record": {"clinic": "Clinic of Lahore", "clinician": "A. Khan",
                                            "language": "en"}, "lang": "en"})
    folder = case.revision_dir(record["number"])
    rep = json.loads((folder / "report.json").read_text())
    assert rep["record"]["clinic"] == "Clinic of Lahore"
    assert rep["record"]["clinician"] == "A. Khan"
    assert rep["record"]["scan_date"] == "2026-03-01" and "scan_date_source" not in rep["record"]
    html = (folder / "record.html").read_text()
    assert "Clinic of Lahore" in html and "A. Khan" in html
    assert "record.pdf" in record["files"] and "report.pdf" in record["files"]
