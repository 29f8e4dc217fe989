"""Slicing after the files are out: the print files and reports are published first, the
slicer's progress is reported while it runs, and its result (figures, a failure, a cancel,
Ctrl+C) is then written into both reports, atomically; a case revision files the reports
with the slicer's figures in.

Most tests use a stand-in for PrusaSlicer (:mod:`tests.fake_slicer`): quick, and able to
fail or hang on purpose.  Those with the real one are marked ``slicer``.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import os
import re
import signal
from pathlib import Path

import pytest
import trimesh

from prosthetics.cli.main import main
from prosthetics.cli.progress import StagePrinter
from prosthetics.design.output import SliceInterrupted
from prosthetics.design.socket_writer import write_design
from prosthetics.errors import ParameterError
from prosthetics.fileio import sha256_file
from prosthetics.printing.slicer import SliceProgress, find_slicer, slice_stl
from prosthetics.printing.slicer_output import parse_progress

from . import fake_slicer

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "scans" / "transtibial_phone.ply"


def with_slicing(design, **export):
    """A copy of ``design`` (its report copied too) with slicing on."""
    groups = dict(design.groups)
    groups["export"] = groups["export"].replace(slice=True, **export)
    return dataclasses.replace(design, report=copy.deepcopy(design.report), groups=groups)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def _no_leftovers(parent: Path, out: Path) -> None:
    assert sorted(p.name for p in parent.iterdir()) == [out.name]


# -- reading PrusaSlicer's progress ----------------------------------------------------------
def test_progress_lines_are_read():
    assert parse_progress("20 => Generating perimeters") == (20, "Generating perimeters")
    assert parse_progress("  90 => Exporting G-code to /tmp/a b/part.gcode\r") == \
        (90, "Exporting G-code")
    for other in ("manifold = yes", "[socket.stl]", "Slicing result exported to x.gcode",
                  "[2026-12-07 03:31:44.484117] [0x00007fe88f70ed80] [trace]   Initializing",
                  "=> 20", ""):
        assert parse_progress(other) is None
    assert SliceProgress(23.4, 20, "Generating perimeters").describe() == \
        "23 s, 20 %: Generating perimeters"
    assert SliceProgress(0.2).describe() == "0 s"


def test_stage_printer_shows_the_slicer_on_one_line():
    stream = io.StringIO()
    show = StagePrinter(stream, live=True, on_slice="written   /tmp/x")
    show("report", 0.86)
    show("slice", 0.9)
    show.slicer(SliceProgress(1.0, 10, "Processing triangulated mesh"))
    show.slicer(SliceProgress(2.0, 20, "Generating perimeters"))
    show("slice", 0.92)
    show("done", 1.0)
    text = stream.getvalue()
    lines = text.split("\n")
    assert re.fullmatch(r"  report\s+\d+\.\d s", lines[0])
    assert lines[1] == "  written   /tmp/x"
    # The slicing line is rewritten in place (carriage returns, no new lines) and the
    # finished stage then gets its own line, the longer text before it blanked out.
    live = lines[2]
    assert live.count("\r") >= 4 and "20 %  Generating perimeters" in live
    assert re.search(r"\r\s+\r  slice\s+\d+\.\d s$", live)
    assert lines[3] == ""

    quiet = io.StringIO()
    show = StagePrinter(quiet, live=False)
    show("slice", 0.9)
    for i, step in enumerate(["Generating perimeters", "Generating perimeters",
                              "Infilling layers"]):
        show.slicer(SliceProgress(float(i), 20 + 50 * (i == 2), step))
        show("slice", 0.9)
    show("done", 1.0)
    lines = quiet.getvalue().splitlines()
    assert "\r" not in quiet.getvalue()
    assert len(lines) == 3               # one line per new step, then the stage's time
    assert lines[0].endswith("20 %  Generating perimeters")
    assert lines[1].endswith("70 %  Infilling layers")

    # Stopped part way (Ctrl+C): the slicing line is closed with its time.
    stopped = io.StringIO()
    show = StagePrinter(stopped, live=True)
    show("slice", 0.9)
    show.slicer(SliceProgress(3.0, 20, "Generating perimeters"))
    show.end()
    show.end()                                   # nothing more to close
    assert re.fullmatch(r"\r  slice\s+0 s\r  slice\s+0 s   20 %  Generating perimeters"
                        r"\r\s+\r  slice\s+\d+\.\d s\n", stopped.getvalue())


# -- the real PrusaSlicer ---------------------------------------------------------------------
@pytest.mark.slicer
@pytest.mark.skipif(find_slicer() is None, reason="PrusaSlicer is not installed")
def test_prusaslicer_reports_progress_and_can_be_cancelled(tmp_path):
    stl = tmp_path / "cup.stl"
    outer = trimesh.creation.cylinder(radius=20.0, height=30.0, sections=64)
    outer.apply_translation([0, 0, 15.0])
    outer.export(stl)
    seen: list[SliceProgress] = []
    r = slice_stl(stl, "generic_220", "petg", progress=seen.append)
    assert r.ok, r.message
    assert r.stopped == ""
    assert seen and seen[0].elapsed_s < 1.0
    assert [p.elapsed_s for p in seen] == sorted(p.elapsed_s for p in seen)
    known = [p.percent for p in seen if p.percent is not None]
    assert known == sorted(known) and known[-1] >= 88      # PrusaSlicer's own percentages
    steps = {p.step for p in seen}
    assert {"Generating perimeters", "Exporting G-code"} <= steps
    assert "Preparing infill" not in steps                # 30 % after 70 %: not shown

    polls = []
    r = slice_stl(stl, "generic_220", "petg", cancel=lambda: polls.append(1) or len(polls) > 2)
    assert not r.ok and r.ran and r.stopped == "cancelled"
    assert r.message.startswith("slicing was cancelled after")
    assert r.filament_g is None


# -- published first, then sliced (a stand-in slicer) -----------------------------------------
def test_files_are_published_before_slicing_and_the_reports_rewritten(sample_design,
                                                                         tmp_path, monkeypatch):
    fake = fake_slicer.install(tmp_path / "bin", monkeypatch, delay_s=0.3)
    design = with_slicing(sample_design)
    out = tmp_path / "runs" / "case"
    seen: list[SliceProgress] = []
    during: list[dict] = []
    stages: list[tuple[str, float]] = []

    def watch(p: SliceProgress) -> None:
        if not during:
            # While the slicer runs, the folder already holds every file, complete.
            names = sorted(x.name for x in out.iterdir())
            assert names == ["report.html", "report.json", "report.pdf", "socket.3mf",
                             "socket.stl"]
            assert trimesh.load(out / "socket.stl").is_watertight
            during.append(_report(out))
            during.append({"html": (out / "report.html").read_text(encoding="utf-8")})
        seen.append(p)

    report = write_design(design, out, slice_progress=watch,
                          progress=lambda s, f: stages.append((s, f)))
    pending, html = during[0], during[1]["html"]
    assert pending["checks"]["slicer"]["status"] == "running"
    assert pending["checks"]["slicer"]["ok"] is None
    assert any("had not finished" in w for w in pending["warnings"])
    assert "had not finished when this report was written" in html
    assert "filament_g" not in pending["checks"]["slicer"]

    # PrusaSlicer's steps came through, the furthest one shown.
    assert [p.step for p in seen if p.step][0] == "Processing triangulated mesh"
    assert "Infilling layers" in {p.step for p in seen}
    assert "Preparing infill" not in {p.step for p in seen}
    assert max(p.percent or 0 for p in seen) == 90
    names = [s for s, _ in stages]
    assert names.index("report") < names.index("slice") < names.index("done")
    fractions = [f for s, f in stages if s == "slice"]
    assert fractions == sorted(fractions) and 0.9 <= fractions[0] and fractions[-1] < 1.0

    final = _report(out)
    sl = final["checks"]["slicer"]
    assert sl["status"] == "done" and sl["ok"] is True and sl["ran"] is True
    assert sl["filament_g"] == fake_slicer.FILAMENT_G
    assert sl["print_time_text"] == fake_slicer.PRINT_TIME_TEXT
    assert sl["mesh_stats"]["manifold"] is True
    assert not any("had not finished" in w for w in final["warnings"])
    assert final["warnings"] == report["warnings"]
    assert final["timings_s"]["slice"] > 0.9          # five steps of 0.3 s
    assert list(final["timings_s"])[-1] == "total"
    assert final["timings_s"]["total"] == pytest.approx(
        sum(v for k, v in final["timings_s"].items() if k != "total"), abs=0.01)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "sliced OK" in html and "37.7 g" in html and "2h 3m 4s" in html
    assert "had not finished" not in html
    # The returned report is what was written, with the outputs' paths in the folder.
    assert report["checks"]["slicer"] == sl
    assert [Path(o["path"]) for o in report["outputs"]] == [out / "socket.stl",
                                                              out / "socket.3mf"]
    assert [o["path"] for o in final["outputs"]] == ["socket.stl", "socket.3mf"]
    # The slicer worked on its own copy, removed with its temporary folder; nothing is
    # left beside the output folder.
    (pid,) = fake_slicer.pids(fake)
    assert _gone(pid)
    _no_leftovers(out.parent, out)


def test_a_failed_slice_is_in_the_reports_and_the_files_stay(sample_design, tmp_path,
                                                              monkeypatch):
    fake_slicer.install(tmp_path / "bin", monkeypatch, mode="fail", delay_s=0.01)
    out = tmp_path / "runs" / "case"
    report = write_design(with_slicing(sample_design), out)
    sl = _report(out)["checks"]["slicer"]
    assert sl["status"] == "failed" and sl["ran"] is True and sl["ok"] is False
    assert sl["message"] == ("PrusaSlicer failed: Empty layers detected, the output would not "
                             "be printable.")
    assert report["checks"]["slicer"] == sl
    assert any(w.startswith("PrusaSlicer could not slice the STL: PrusaSlicer failed: Empty")
               for w in _report(out)["warnings"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "slicing failed" in html and "Empty layers detected" in html
    assert trimesh.load(out / "socket.stl").is_watertight
    _no_leftovers(out.parent, out)


def test_ctrl_c_while_slicing_stops_the_slicer_and_says_so(sample_design, tmp_path,
                                                            monkeypatch):
    fake = fake_slicer.install(tmp_path / "bin", monkeypatch, mode="hang", delay_s=0.05)
    out = tmp_path / "runs" / "case"
    calls = []

    def interrupt(p: SliceProgress) -> None:
        calls.append(p)
        if p.step == "Infilling layers":
            raise KeyboardInterrupt

    with pytest.raises(SliceInterrupted) as info:
        write_design(with_slicing(sample_design), out, slice_progress=interrupt)
    assert isinstance(info.value, KeyboardInterrupt) and info.value.out == out
    (pid,) = fake_slicer.pids(fake)
    assert _gone(pid)                                       # PrusaSlicer was stopped
    r = _report(out)
    sl = r["checks"]["slicer"]
    assert sl["status"] == "interrupted" and sl["ok"] is False
    assert sl["message"].startswith("slicing was interrupted (Ctrl+C) after")
    assert any(w.startswith("not sliced: slicing was interrupted") and
               "the print files are complete" in w for w in r["warnings"])
    assert not any("had not finished" in w for w in r["warnings"])
    assert "slicing was interrupted" in (out / "report.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.pdf",
                                                     "socket.3mf", "socket.stl"]
    assert trimesh.load(out / "socket.stl").is_watertight
    _no_leftovers(out.parent, out)


def test_cancel_stops_the_slicer_and_the_export_finishes(sample_design, tmp_path, monkeypatch):
    fake = fake_slicer.install(tmp_path / "bin", monkeypatch, mode="hang", delay_s=0.05)
    out = tmp_path / "case"
    state = {"stop": False}

    def watch(p: SliceProgress) -> None:
        state["stop"] = state["stop"] or p.step == "Generating perimeters"

    report = write_design(with_slicing(sample_design), out, slice_progress=watch,
                          cancel=lambda: state["stop"])
    (pid,) = fake_slicer.pids(fake)
    assert _gone(pid)
    sl = _report(out)["checks"]["slicer"]
    assert sl["status"] == "cancelled" and sl["stopped"] == "cancelled" and not sl["ok"]
    assert sl["seconds"] < 30                        # stopped, not waited out (120 s)
    assert report["checks"]["slicer"] == sl
    assert any(w.startswith("not sliced: slicing was cancelled after") for w in
               report["warnings"])


def test_bad_slicer_settings_are_refused_before_anything_is_written(sample_design, tmp_path,
                                                                     monkeypatch):
    fake = fake_slicer.install(tmp_path / "bin", monkeypatch)
    out = tmp_path / "case"
    with pytest.raises(ParameterError, match="layer_height_mm = 0.36 mm is more than 80 %"):
        write_design(with_slicing(sample_design, layer_height_mm=0.36), out)
    assert not out.exists() and fake_slicer.pids(fake) == []
    _no_leftovers(tmp_path, tmp_path / "bin")


def test_a_report_replaced_while_slicing_is_left_alone(sample_design, tmp_path, monkeypatch):
    fake_slicer.install(tmp_path / "bin", monkeypatch, delay_s=0.05)
    out = tmp_path / "case"
    other = b'{"another": "run"}'

    def second_run(p: SliceProgress) -> None:
        (out / "report.json").write_bytes(other)

    report = write_design(with_slicing(sample_design), out, slice_progress=second_run)
    assert (out / "report.json").read_bytes() == other
    assert report["checks"]["slicer"]["status"] == "done"
    assert any("were replaced while slicing" in w for w in report["warnings"])


# -- the command line ------------------------------------------------------------------------
def test_cli_design_slices_after_writing(sample_design, tmp_path, monkeypatch, capsys):
    import prosthetics.design.session as session

    fake_slicer.install(tmp_path / "bin", monkeypatch, delay_s=0.01)
    monkeypatch.setattr(session, "run_design", lambda *a, **k: with_slicing(sample_design))
    out = tmp_path / "out"
    assert main(["design", str(SAMPLE), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert re.search(r"^slicer    ok: 37\.7 g of filament, print time 2h 3m 4s "
                     r"\(sliced in \d+ s\)$", text, re.M)
    assert f"wrote     {out / 'report.json'}" in text
    assert _report(out)["checks"]["slicer"]["status"] == "done"


def test_cli_ctrl_c_while_slicing_keeps_the_files(sample_design, tmp_path, monkeypatch,
                                                  capsys, request):
    import prosthetics.design.session as session

    # Ctrl+C as a fresh process takes it: a test run before this one in the same worker
    # once left SIGINT without effect here (the slicer slept out its 120 s).
    request.addfinalizer(lambda previous=signal.signal(signal.SIGINT,
                                                        signal.default_int_handler):
                         signal.signal(signal.SIGINT, previous))

    # The stand-in sends Ctrl+C (SIGINT) to this process in the middle of slicing.
    fake = fake_slicer.install(tmp_path / "bin", monkeypatch, mode="sigint", delay_s=0.2)
    monkeypatch.setattr(session, "run_design", lambda *a, **k: with_slicing(sample_design))
    out = tmp_path / "out"
    assert main(["design", str(SAMPLE), "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert err == (f"prosthetics design: interrupted while slicing; the print files and "
                   f"reports in {out} are complete, and report.json says the slice did not "
                   f"finish\n")
    assert _report(out)["checks"]["slicer"]["status"] == "interrupted"
    (pid,) = fake_slicer.pids(fake)
    assert _gone(pid)


def test_cli_sigterm_while_slicing_keeps_the_files_and_says_so(sample_design, tmp_path,
                                                                monkeypatch, capsys):
    import signal

    import prosthetics.design.session as session

    before = signal.getsignal(signal.SIGTERM)
    # As a workshop's scheduler stopping a run: SIGTERM in the middle of slicing.
    fake = fake_slicer.install(tmp_path / "bin", monkeypatch, mode="sigterm", delay_s=0.2)
    monkeypatch.setattr(session, "run_design", lambda *a, **k: with_slicing(sample_design))
    out = tmp_path / "out"
    assert main(["design", str(SAMPLE), "--out", str(out)]) == 143
    err = capsys.readouterr().err
    assert err == (f"prosthetics design: stopped (SIGTERM) while slicing; the print files and "
                   f"reports in {out} are complete, and report.json says the slice did not "
                   f"finish\n")
    sl = _report(out)["checks"]["slicer"]
    assert sl["status"] == "interrupted" and "(SIGTERM)" in sl["message"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "running" not in sl["status"] and "(SIGTERM)" in html
    (pid,) = fake_slicer.pids(fake)
    assert _gone(pid)
    # The handler is this command's only: afterwards SIGTERM is as it was.
    assert signal.getsignal(signal.SIGTERM) == before


# -- case revisions ----------------------------------------------------------------------------
def test_a_revision_files_the_reports_with_the_slicers_figures(sample_design, tmp_path,
                                                               monkeypatch):
    from prosthetics.cases import add_design, add_scan, new_case, open_case, verify_case

    fake_slicer.install(tmp_path / "bin", monkeypatch, delay_s=0.01)
    case = new_case(tmp_path / "cases", side="right", amputation_level="transtibial")
    add_scan(case, SAMPLE, measure=False)
    seen = []
    record = add_design(case, with_slicing(sample_design), note="sliced",
                        slice_progress=seen.append)
    assert seen
    folder = open_case(case.path).revision_dir(record["number"])
    filed = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert filed["checks"]["slicer"]["status"] == "done"
    assert filed["checks"]["slicer"]["filament_g"] == fake_slicer.FILAMENT_G
    assert not any("had not finished" in w for w in filed["warnings"])
    assert record["report"]["checks"]["slicer"] == filed["checks"]["slicer"]
    # Every file is hashed as it is on disk: the reports as rewritten after slicing.
    assert record["files"] == {p.name: sha256_file(p) for p in sorted(folder.iterdir())
                               if p.name != "revision.json"}
    assert "sliced OK" in (folder / "report.html").read_text(encoding="utf-8")
    v = verify_case(case.path)
    assert v.ok and v.revisions == 1, v.problems


def test_a_revision_interrupted_while_slicing_is_not_filed(sample_design, tmp_path,
                                                          monkeypatch):
    from prosthetics.cases import add_design, add_scan, new_case, open_case, verify_case

    fake_slicer.install(tmp_path / "bin", monkeypatch, mode="hang", delay_s=0.05)
    case = new_case(tmp_path / "cases", side="right", amputation_level="transtibial")
    add_scan(case, SAMPLE, measure=False)
    before = (case.path / "case.json").read_bytes()

    def interrupt(p: SliceProgress) -> None:
        if p.step:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        add_design(case, with_slicing(sample_design), slice_progress=interrupt)
    assert (case.path / "case.json").read_bytes() == before
    assert open_case(case.path).revisions == []
    assert not list((case.path / "revisions").glob(".staging-*"))
    assert verify_case(case.path).ok


# -- the insole writer --------------------------------------------------------------------------
@pytest.mark.slow
def test_insole_is_published_then_sliced(tmp_path, monkeypatch):
    from prosthetics.design.insole import run_insole, write_insole

    fake_slicer.install(tmp_path / "bin", monkeypatch, delay_s=0.05)
    design = run_insole(ROOT / "scans" / "foot_phone.ply", settings={"slice": "true"})
    out = tmp_path / "runs" / "insole"
    states = []
    report = write_insole(design, out, slice_progress=lambda p: states.append(
        _report(out)["checks"]["slicer"]["status"]))
    assert set(states) == {"running"}
    final = _report(out)
    assert final["checks"]["slicer"]["status"] == "done"
    assert final["checks"]["slicer"]["filament_g"] == fake_slicer.FILAMENT_G
    assert report["checks"]["slicer"] == final["checks"]["slicer"]
    assert "sliced OK" in (out / "report.html").read_text(encoding="utf-8")
    _no_leftovers(out.parent, out)
