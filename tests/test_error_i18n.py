"""The error lines in the user's language: a catalogue error keeps its English line as
``str()``, shows in Urdu through :func:`~prosthetics.reports.errors_i18n.error_line` with its
values left to right, stays English when the catalogue lacks it, and the command line
prints it in Urdu with ``--lang ur`` (exit 2)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from prosthetics.errors import N_, ParameterError, ProstheticsError, ScanError, ScanNotFoundError
from prosthetics.params import apply_settings
from prosthetics.reports import i18n
from prosthetics.reports.errors_i18n import error_line
from prosthetics.scan.loaders import load_scan

ROOT = Path(__file__).resolve().parent.parent
URDU = re.compile(r"[\u0600-\u06FF]")
LRI, RLI, PDI = "\u2066", "\u2067", "\u2069"


@pytest.fixture(autouse=True)
def _fresh_catalogues():
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


def _missing_scan_error(tmp_path) -> ScanNotFoundError:
    with pytest.raises(ScanNotFoundError) as info:
        load_scan(tmp_path / "leg_scan_7.ply")
    return info.value


def test_the_english_line_is_unchanged(tmp_path):
    exc = _missing_scan_error(tmp_path)
    assert str(exc) == f"scan {str(tmp_path / 'leg_scan_7.ply')!r} does not exist; check the path"
    assert exc.msgid == "scan %(path)s does not exist; check the path"
    assert error_line(exc, "en") == str(exc)
    assert isinstance(exc, FileNotFoundError) and isinstance(exc, ProstheticsError)


def test_an_error_in_urdu_keeps_its_values_left_to_right(tmp_path):
    (tmp_path / "leg.ply").write_bytes(b"")
    with pytest.raises(ScanError) as info:
        load_scan(tmp_path / "leg.ply")
    line = error_line(info.value, "ur")
    assert URDU.search(line), line
    assert f"{LRI}leg.ply{PDI}" in line
    assert "export" not in line

    exc = ScanError.of(N_("%(name)s is %(extent)s units across: too large for a limb in "
                          "millimetres; pass --units mm, cm or m if the scale is right"),
                       name="stump.obj", extent="2.5e+04")
    line = error_line(exc, "ur")
    assert URDU.search(line) and f"{LRI}stump.obj{PDI}" in line and f"{LRI}2.5e+04{PDI}" in line
    # after an English prefix (the command line), the whole line is isolated right to left
    assert error_line(exc, "ur", embedded=True) == f"{RLI}{line}{PDI}"


def test_an_out_of_range_setting_keeps_the_setting_and_its_unit():
    from prosthetics.sockets.transtibial import TranstibialParams

    with pytest.raises(ParameterError) as info:
        TranstibialParams(wall_thickness_mm=0.5)
    english = str(info.value)
    assert english.startswith("wall_thickness_mm = 0.5 mm is outside its range [")
    line = error_line(info.value, "ur")
    assert URDU.search(line) and f"{LRI}wall_thickness_mm = 0.5 mm{PDI}" in line


def test_a_message_without_a_catalogue_entry_stays_english():
    plain = ScanError("something the catalogue never saw")
    assert error_line(plain, "ur") == str(plain)
    unknown = ScanError.of("%(name)s is not in any catalogue", name="a.ply")
    assert str(unknown) == "a.ply is not in any catalogue"
    assert error_line(unknown, "ur") == "a.ply is not in any catalogue"
    assert error_line(ValueError("x"), "ur") == "x"


def test_an_unknown_parameter_in_urdu_keeps_its_name():
    from prosthetics.design.presets import parameter_groups, resolve_template

    groups = parameter_groups(resolve_template("transtibial"), {})
    with pytest.raises(ParameterError) as info:
        apply_settings(groups, {"wall_thicknes_mm": "4"})
    assert str(info.value).startswith("unknown parameter 'wall_thicknes_mm'; did you mean ")
    line = error_line(info.value, "ur")
    assert URDU.search(line), line
    assert f"{LRI}'wall_thicknes_mm'{PDI}" in line and "wall_thickness_mm" in line


def test_the_command_line_prints_a_missing_scan_in_urdu(tmp_path):
    env_config = tmp_path / "config.toml"
    env_config.write_text("", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "prosthetics", "design", "/nonexistent.ply", "--lang", "ur",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=300,
        env={**os.environ, "PROSTHETICS_CONFIG": str(env_config)})
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("prosthetics design: error: "), line
    assert URDU.search(line), line
    assert "'/nonexistent.ply'" in line
    assert "does not exist" not in line


def test_the_command_line_prints_a_bad_set_option_in_urdu(tmp_path, monkeypatch, capsys):
    from prosthetics.cli.main import main

    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("PROSTHETICS_CONFIG", str(config))
    args = ["design", str(tmp_path / "none.ply"), "--out", str(tmp_path / "o"),
            "--set", "wall_thickness_mm"]

    assert main(args) == 2
    english = capsys.readouterr().err.strip()
    assert english == ("prosthetics design: error: --set 'wall_thickness_mm' has no '='; "
                       "write it as --set KEY=VALUE")

    assert main([*args, "--lang", "ur"]) == 2
    urdu = capsys.readouterr().err.strip()
    assert urdu.startswith("prosthetics design: error: " + RLI) and urdu.endswith(PDI)
    assert URDU.search(urdu) and f"{LRI}'wall_thickness_mm'{PDI}" in urdu


def test_a_scan_without_a_limb_in_urdu():
    import numpy as np

    from prosthetics.scan.clean import clean_scan
    from prosthetics.scan.loaders import Scan

    rng = np.random.default_rng(7)
    with pytest.raises(ScanError) as info:
        clean_scan(Scan(points=rng.uniform(0.0, 300.0, (200, 3)), path="stump.ply"))
    english = str(info.value)
    assert english.startswith("no limb-like object in the scan (only ")
    assert english.endswith(" points survive stray removal); scan the limb again closer "
                            "and slower")
    assert info.value.msgid is not None
    line = error_line(info.value, "ur")
    assert URDU.search(line) and "stray" not in line, line
    assert f"{LRI}{info.value.values['count']}{PDI}" in line


def test_an_output_folder_that_is_a_file_in_urdu(tmp_path):
    from prosthetics.errors import OutputError
    from prosthetics.fileio import Staging, disk_full_error

    target = tmp_path / "out"
    target.write_text("", encoding="utf-8")
    with pytest.raises(OutputError) as info:
        Staging(target)
    assert str(info.value) == f"--out {str(target)!r} is a file; give a folder"
    line = error_line(info.value, "ur")
    assert URDU.search(line) and "give a folder" not in line, line
    assert f"{LRI}--out{PDI}" in line and f"{LRI}{str(target)!r}{PDI}" in line

    full = disk_full_error(tmp_path, 10_000_000)
    assert str(full).startswith(f"the disk holding {str(tmp_path)!r} is full (")
    assert str(full).endswith("; free some space there or pass another --out")
    line = error_line(full, "ur")
    assert URDU.search(line) and "free some space" not in line, line


def test_a_warning_with_its_catalogue_message():
    import json

    from prosthetics.errors import Message
    from prosthetics.reports.context import Fmt
    from prosthetics.reports.warnings_i18n import translate_warning

    w = Message.of(N_("the distal blend is left off: it did not join the shell and the distal "
                      "block as one closed body; try another %(setting)s"),
                   setting="distal_blend_radius_mm")
    english = ("the distal blend is left off: it did not join the shell and the distal block "
               "as one closed body; try another distal_blend_radius_mm")
    assert w == english and isinstance(w, str) and str(w) == english
    assert json.loads(json.dumps({"warnings": [w]})) == {"warnings": [english]}
    assert translate_warning(w, Fmt("en")) == english
    urdu = translate_warning(w, Fmt("ur"))
    assert urdu.startswith(RLI) and urdu.endswith(PDI)
    assert URDU.search(urdu) and f"{LRI}distal_blend_radius_mm{PDI}" in urdu
    assert "left off" not in urdu
    # the report pages take a warning with str(): it keeps its catalogue message
    assert translate_warning(str(w), Fmt("ur")) == urdu
    # a message the catalogue lacks stays English; a plain string goes through the patterns
    assert translate_warning(Message.of("%(x)s is in no catalogue", x="a"), Fmt("ur")) \
        == "a is in no catalogue"
    assert translate_warning("a warning nobody knows", Fmt("ur")) == "a warning nobody knows"


def test_an_error_passed_on_keeps_its_catalogue_line_and_a_nested_reason_is_translated():
    from prosthetics.errors import CaseError, OutputError

    inner = OutputError.of(N_("cannot write the %(what)s %(path)s (%(reason)s); choose "
                              "another %(option)s"), what="case file", path="/x/y.json",
                           reason="Permission denied", option="--out")
    passed = CaseError.carrying(inner)
    assert isinstance(passed, CaseError) and str(passed) == str(inner)
    assert passed.msgid == inner.msgid and dict(passed.values) == dict(inner.values)
    ur = error_line(passed, "ur")
    assert URDU.search(ur) and f"{LRI}/x/y.json{PDI}" in ur

    # one error as the reason of another: both parts in Urdu, the inner not isolated LTR
    outer = ParameterError.of(N_("%(name)s: %(reason)s"), name="case.pkg", reason=inner)
    assert str(outer) == f"case.pkg: {inner}"
    line = error_line(outer, "ur")
    assert line.startswith(f"{LRI}case.pkg{PDI}: ")
    assert line.endswith(error_line(inner, "ur")) and URDU.search(line.split(": ", 1)[1])


#: ``raise SomeError("plain text")`` left on purpose, by file and function: the line never
#: reaches a user as it stands (it is caught and handled, or guards a programming mistake).
PLAIN_RAISES_ALLOWED = {
    # cancelling: the window and the session stop quietly, no line is shown
    ("prosthetics/design/session.py", "update"),
    ("gui/jobs.py", "sync_job"), ("gui/jobs.py", "fn"), ("gui/jobs.py", "preview_first"),
    ("gui/comparewindow.py", "compare_job"), ("gui/comparewindow.py", "fn"),
    # the smooth STEP's own failures: caught, the faceted STEP is written with a warning
    ("prosthetics/sockets/brep_socket.py", "ring_solid"),
    ("prosthetics/sockets/brep_socket.py", "_without"),
    ("prosthetics/sockets/brep_socket.py", "_sewn_solid"),
    ("prosthetics/sockets/brep_socket.py", "fillet_bands"),
    ("prosthetics/design/socket_writer.py", "_build_step"),
    # OpenCascade failing to mesh a part it built (a defect of ours, not of the input)
    ("prosthetics/geometry/brep.py", "tessellate"),
    # arguments checked for callers in the code (never values a user types)
    ("prosthetics/limb/tape.py", "measure"),
    ("prosthetics/limb/measure.py", "measure_limb"),
    ("prosthetics/printing/bed.py", "_checked_extents"),
    ("prosthetics/printing/bed.py", "_footprint"),
    ("prosthetics/printing/orientation.py", "choose_orientation"),
}


def _plain_raises() -> set[tuple[str, str]]:
    """(file, function) of each ``E("text")`` or ``E(f"...")`` (raised or returned) where
    ``E`` is a :class:`ProstheticsError` class (found through the class definitions)."""
    import ast

    files = [p for d in ("prosthetics", "gui") for p in (ROOT / d).rglob("*.py")]
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in files}
    errors, grown = {"ProstheticsError"}, True
    while grown:
        grown = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in errors and {
                        getattr(b, "id", getattr(b, "attr", None)) for b in node.bases} & errors:
                    errors.add(node.name)
                    grown = True
    found = set()
    for path, tree in trees.items():
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for call in ast.walk(fn):
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) \
                        and call.func.id in errors and call.args \
                        and isinstance(call.args[0], (ast.Constant, ast.JoinedStr, ast.BinOp)):
                    found.add((path.relative_to(ROOT).as_posix(), fn.name))
    assert len(errors) > 10                 # the classes were found, not only the base
    return found


def test_every_error_a_user_meets_is_a_catalogue_message():
    found = _plain_raises()
    new = sorted(found - PLAIN_RAISES_ALLOWED)
    assert not new, ("raise these as ErrorClass.of(N_('...'), **values) so that they are "
                     f"translated, or add them to PLAIN_RAISES_ALLOWED with a reason: {new}")
    assert not PLAIN_RAISES_ALLOWED - found, "allowed plain raises that no longer exist"
