"""Batch runs: manifests, failures that do not stop the others, skipping, crashes, Dask."""

from __future__ import annotations

import csv
import json
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from prosthetics.batch.runner import ManifestError, read_manifest, run_batch
from prosthetics.cli.main import main

from .conftest import ROOT

LIMB = ROOT / "scans" / "source" / "transtibial_scan_a.stl"
#: A quick socket: the clean limb (no reconstruction), a coarse grid, no slicing.
FAST = {"slice": "false", "grid_rows": "30", "grid_columns": "48"}


def write_manifest(folder: Path, rows: list[dict], name: str = "manifest.csv") -> Path:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    path = folder / name
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        for r in rows:
            w.writerow(r)
    return path


@pytest.fixture
def folder(tmp_path):
    shutil.copy(LIMB, tmp_path / "limb.stl")
    shutil.copy(ROOT / "scans" / "foot_phone.ply", tmp_path / "foot.ply")
    (tmp_path / "corrupt.stl").write_bytes(b"\x00" * 84 + b"\x01" * 10)
    return tmp_path


# -- manifests ---------------------------------------------------------------------------

@pytest.mark.parametrize("rows, phrase", [
    ([{"case_id": "a", "scan": "limb.stl"}], "column 'kind' is missing"),
    ([{"case_id": "a", "scan": "limb.stl", "kind": "socket", "wall_thickness": "5"}],
     "column 'wall_thickness' is neither"),
    ([{"case_id": "a", "scan": "limb.stl", "kind": "socket"},
      {"case_id": "a", "scan": "limb.stl", "kind": "socket"}],
     "row 3, column 'case_id': 'a' is repeated (also row 2)"),
    ([{"case_id": "a", "scan": "limb.stl", "kind": "sock"}],
     "row 2, column 'kind': 'sock' is not one of socket, insole"),
    ([{"case_id": "a b/c", "scan": "limb.stl", "kind": "socket"}],
     "row 2, column 'case_id': 'a b/c' is not a usable case ID"),
    ([{"case_id": "a", "scan": "", "kind": "socket"}], "row 2, column 'scan': is empty"),
], ids=["no-kind", "unknown-column", "repeated-id", "bad-kind", "bad-id", "empty-scan"])
def test_unusable_manifest_exits_2_naming_row_and_column(folder, capsys, rows, phrase):
    manifest = write_manifest(folder, rows)
    with pytest.raises(ManifestError, match=None) as err:
        read_manifest(manifest)
    assert phrase in str(err.value)
    rc = main(["batch", str(manifest), "--out", str(folder / "out")])
    captured = capsys.readouterr()
    assert rc == 2
    assert captured.err.startswith("prosthetics batch: error: ") and phrase in captured.err
    assert len(captured.err.splitlines()) == 1
    assert not (folder / "out").exists()


def test_json_manifest_and_paths_relative_to_it(folder):
    sub = folder / "lists"
    sub.mkdir()
    (sub / "m.json").write_text(json.dumps({"cases": [
        {"case_id": "j1", "scan": "../limb.stl", "kind": "socket", "wall_thickness_mm": 6,
         "side": "Left"}]}))
    (spec,) = read_manifest(sub / "m.json")
    assert spec.scan == str((folder / "limb.stl").resolve())
    assert spec.template == "transtibial" and spec.side == "left"
    assert spec.overrides == {"wall_thickness_mm": "6"} and spec.row == "case 1"


# -- running -----------------------------------------------------------------------------

@pytest.mark.slow
def test_broken_rows_fail_alone_and_reruns_redo_only_what_changed(folder, capsys):
    """12 cases, sockets and insoles, 3 of them broken: 9 outputs, 3 clear failures."""
    sockets = [("right", "transtibial"), ("left", "transtibial_ptb"),
               ("right", "transtibial_active"), ("left", "transtibial_skin"),
               ("right", "transtibial")]
    rows = [{"case_id": f"s{i}", "scan": "limb.stl", "kind": "socket", "side": side,
             "template": tpl, **FAST} for i, (side, tpl) in enumerate(sockets, start=1)]
    insoles = [("right", "insole", ""), ("left", "insole", "18"),
               ("right", "insole_supportive", ""), ("left", "insole_three_quarter_petg", "")]
    rows += [{"case_id": f"i{i}", "scan": "foot.ply", "kind": "insole", "side": side,
              "template": tpl, "slice": "false", "heel_cup_depth_mm": cup}
             for i, (side, tpl, cup) in enumerate(insoles, start=1)]
    rows += [{"case_id": "missing", "scan": "nowhere.stl", "kind": "socket", **FAST},
             {"case_id": "corrupt", "scan": "corrupt.stl", "kind": "socket", **FAST},
             {"case_id": "impossible", "scan": "foot.ply", "kind": "insole", "slice": "false",
              "heel_cup_depth_mm": "45"}]
    manifest = write_manifest(folder, rows)
    out = folder / "out"

    rc = main(["batch", str(manifest), "--out", str(out), "--workers", "2"])
    printed = capsys.readouterr()
    assert rc == 1
    summary = json.loads((out / "summary.json").read_text())
    status = {c["case_id"]: c for c in summary["cases"]}
    assert [c["case_id"] for c in summary["cases"]] == [r["case_id"] for r in rows]
    good = [r["case_id"] for r in rows[:9]]
    assert {k for k, v in status.items() if v["status"] == "ok"} == set(good)
    assert summary["counts"] == {"ok": 9, "failed": 3, "skipped": 0}
    assert "nowhere.stl' does not exist" in status["missing"]["error"]
    assert "corrupt.stl" in status["corrupt"]["error"]
    assert "heel_cup_depth_mm = 45 mm is outside its range" in status["impossible"]["error"]
    for cid in good:
        files = sorted(p.name for p in (out / cid).iterdir())
        assert files == sorted([f"{cid}.stl", f"{cid}.3mf", "report.json", "report.html",
                                "report.pdf"])
        assert sorted(o.split("/")[1] for o in status[cid]["outputs"]) == files
        report = json.loads((out / cid / "report.json").read_text())
        assert report["checks"]["watertight"] and report["batch"]["case_id"] == cid
        assert status[cid]["outputs"][0] == f"{cid}/{cid}.stl"
    params = json.loads((out / "s2" / "report.json").read_text())["template"]["parameters"]
    assert params["limb_side"] == "left"
    i2 = json.loads((out / "i2" / "report.json").read_text())
    assert i2["template"]["parameters"]["heel_cup_depth_mm"] == 18.0
    for cid in ("missing", "corrupt", "impossible"):
        assert not (out / cid).exists()
    assert not [p for p in out.iterdir() if ".staging-" in p.name or ".old-" in p.name]
    with open(out / "summary.csv") as fh:
        assert [r["status"] for r in csv.DictReader(fh)] == ["ok"] * 9 + ["failed"] * 3
    assert "9 ok, 3 failed, 0 skipped" in printed.out
    # Not a terminal: one plain line per finished case, no bar.
    lines = printed.err.splitlines()
    assert len(lines) == 12 and all(ln.startswith("[") for ln in lines)
    assert "\r" not in printed.err

    # The same manifest again: nothing is redone (failed cases are tried again).
    stamp = (out / "s1" / "s1.stl").stat().st_mtime_ns
    result = run_batch(manifest, out, workers=2)
    assert [e["status"] for e in result.entries[:9]] == ["skipped"] * 9
    assert (out / "s1" / "s1.stl").stat().st_mtime_ns == stamp
    assert result.exit_code == 1

    # One row edited: only that case is redone.
    rows[6]["heel_cup_depth_mm"] = "20"
    write_manifest(folder, rows)
    result = run_batch(manifest, out, workers=2)
    assert [e["case_id"] for e in result.entries if e["status"] == "ok"] == ["i2"]
    i2 = json.loads((out / "i2" / "report.json").read_text())
    assert i2["template"]["parameters"]["heel_cup_depth_mm"] == 20.0


CRASHING_WORKER = textwrap.dedent("""
    import json, os, sys, time
    from prosthetics import batch

    def runner(spec, out_dir, info):
        # Stands in for a design: the pool, not the geometry, is under test here.
        if spec.case_id == "crash":
            os.abort()
        if spec.case_id == "hang":
            time.sleep(600)
        out_dir.mkdir()
        (out_dir / "part.stl").write_text("solid x endsolid x")
        report = {"outputs": [{"path": str(out_dir / "part.stl")}], "warnings": [],
                  "batch": info}
        (out_dir / "report.json").write_text(json.dumps(report))
        return report

    batch.RUNNERS["socket"] = runner
    sys.exit(batch.worker_main())
""")


@pytest.mark.slow
def test_a_crash_or_a_hang_fails_that_case_only_and_force_redoes_all(folder):
    script = folder / "worker.py"
    script.write_text(CRASHING_WORKER)
    rows = [{"case_id": cid, "scan": "limb.stl", "kind": "socket"}
            for cid in ("crash", "ok1", "hang", "ok2", "ok3")]
    manifest = write_manifest(folder, rows)
    cmd = [sys.executable, str(script)]
    result = run_batch(manifest, folder / "out", workers=2, timeout_s=4, worker_cmd=cmd)
    by = {e["case_id"]: e for e in result.entries}
    assert by["crash"]["status"] == "failed"
    assert "worker process crashed (signal SIGABRT)" in by["crash"]["error"]
    assert by["hang"]["status"] == "failed"
    assert "ran past the per-case time limit of 4 s" in by["hang"]["error"]
    assert [by[c]["status"] for c in ("ok1", "ok2", "ok3")] == ["ok"] * 3
    assert (folder / "out" / "ok3" / "part.stl").is_file()
    # Again: the finished cases are skipped, the failed ones tried again; --force redoes all.
    again = run_batch(manifest, folder / "out", workers=2, timeout_s=4, worker_cmd=cmd)
    assert {e["case_id"]: e["status"] for e in again.entries} == {
        "crash": "failed", "ok1": "skipped", "hang": "failed", "ok2": "skipped",
        "ok3": "skipped"}
    forced = run_batch(manifest, folder / "out", workers=2, timeout_s=4, worker_cmd=cmd,
                       force=True)
    assert [e["status"] for e in forced.entries if e["case_id"].startswith("ok")] == ["ok"] * 3
    assert result.exit_code == 1
    assert not [p for p in (folder / "out").iterdir() if ".staging-" in p.name]


@pytest.mark.slow
def test_dask_cluster_gives_the_same_reports(folder):
    distributed = pytest.importorskip("distributed")
    rows = [{"case_id": "d1", "scan": "limb.stl", "kind": "socket", **FAST},
            {"case_id": "d2", "scan": "limb.stl", "kind": "socket", "side": "left", **FAST},
            {"case_id": "bad", "scan": "corrupt.stl", "kind": "socket", **FAST}]
    manifest = write_manifest(folder, rows)
    local = run_batch(manifest, folder / "local", workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = run_batch(manifest, folder / "dask", scheduler=cluster.scheduler_address)
    assert [e["status"] for e in remote.entries] == [e["status"] for e in local.entries] == [
        "ok", "ok", "failed"]
    assert remote.entries[2]["error"] == local.entries[2]["error"]
    for cid in ("d1", "d2"):
        a = json.loads((folder / "local" / cid / "report.json").read_text())
        b = json.loads((folder / "dask" / cid / "report.json").read_text())
        for key in ("measurements", "checks", "transform_scan_to_design", "rectification"):
            if key == "checks":
                for k in ("slicer",):
                    a[key].pop(k, None), b[key].pop(k, None)
            assert a[key] == b[key], key
        assert a["batch"]["input_hash"] == b["batch"]["input_hash"]
    summary = json.loads((folder / "dask" / "summary.json").read_text())
    assert summary["scheduler"] == cluster.scheduler_address


def test_unreachable_scheduler_is_a_clear_error(folder):
    pytest.importorskip("distributed")
    manifest = write_manifest(folder, [{"case_id": "a", "scan": "limb.stl", "kind": "socket"}])
    with pytest.raises(ManifestError, match="cannot reach the Dask scheduler at "
                                            "'tcp://127.0.0.1:9'"):
        run_batch(manifest, folder / "out", scheduler="tcp://127.0.0.1:9", connect_timeout_s=2)


def test_example_manifest_in_scans_is_usable():
    cases = read_manifest(ROOT / "scans" / "batch_example.csv")
    assert len(cases) >= 3 and all(Path(c.scan).is_file() for c in cases)
    assert {c.kind for c in cases} <= {"socket", "insole"}


def test_terminal_progress_bar_shows_counts_and_eta():
    import io

    from prosthetics.cli.main import _BatchProgress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    bar = _BatchProgress(out)
    bar({"case_id": "a", "status": "ok", "time_s": 1.0, "error": ""}, 1, 4)
    bar({"case_id": "b", "status": "failed", "time_s": 1.0, "error": "x"}, 2, 4)
    bar.close()
    text = out.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    assert "2/4" in text and "ok 1 failed 1 skipped 0" in text and "ETA " in text
