"""The command line's contract for bad input: exit 2, one line on stderr, nothing written.

Everything runs in-process through :func:`prosthetics.cli.main` except one subprocess run
that checks the real exit code and stderr of the installed command.  Bad scans must fail
before the heavy stages; the ``stages_guard`` fixture makes reaching them fail the test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:                                   # Python 3.10
    import tomli as tomllib

from prosthetics.cli.main import main
from prosthetics.design import session as pipeline
from prosthetics.design import socket_writer
from prosthetics.params import param_infos
from prosthetics.scan.loaders import SUPPORTED_SUFFIXES
from prosthetics.scan.phonescan import write_ply
from prosthetics.sockets.transtibial import TranstibialParams

ROOT = Path(__file__).resolve().parent.parent

DESIGN_ERROR = "prosthetics design: error: "
CLEAN_ERROR = "prosthetics clean: error: "


def one_line(text: str) -> str:
    """The single line of ``text`` (fails unless there is exactly one, non-empty)."""
    assert text.endswith("\n"), repr(text)
    lines = text.splitlines()
    assert len(lines) == 1, repr(text)
    assert lines[0].strip(), repr(text)
    assert "Traceback" not in text
    return lines[0]


@pytest.fixture(autouse=True)
def no_user_config(tmp_path_factory, monkeypatch):
    """The commands run with the built-in defaults, never the user's configuration file."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))
    monkeypatch.setenv("PROSTHETICS_CONFIG", "")


@pytest.fixture
def stages_guard(monkeypatch):
    """Fail the test if the pipeline gets past cleaning (align, template, writing).

    Then ``stages_guard("load")`` also fails it if cleaning starts, and
    ``stages_guard("none")`` if even loading starts.  Both the pipeline (design) and the
    modules ``clean``/``measure`` import from at call time are covered.
    """
    from prosthetics.limb import align
    from prosthetics.scan import clean, loaders

    def reached(name):
        def _stage(*args, **kwargs):
            pytest.fail(f"the {name} stage ran for an input that should have been rejected")
        return _stage

    for module in (pipeline, align):
        monkeypatch.setattr(module, "align_limb", reached("align"))
    monkeypatch.setattr(socket_writer, "write_design", reached("write"))

    def guard(last_stage: str) -> None:
        assert last_stage in ("none", "load", "clean")
        if last_stage in ("none", "load"):
            for module in (pipeline, clean):
                monkeypatch.setattr(module, "clean_scan", reached("clean"))
        if last_stage == "none":
            for module in (pipeline, loaders):
                monkeypatch.setattr(module, "load_scan", reached("load"))
    return guard


# ---------------------------------------------------------------------------------------
# Bad scans
# ---------------------------------------------------------------------------------------


def _capsule_cloud(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points on a 300 mm long, 90 mm wide capsule surface (mm)."""
    import trimesh

    pts, _ = trimesh.sample.sample_surface(trimesh.creation.capsule(height=210, radius=45), n,
                                           seed=int(rng.integers(2**31)))
    return pts


def make_empty(d: Path) -> Path:
    (d / "empty.ply").write_bytes(b"")
    return d / "empty.ply"


def make_truncated_ply(d: Path) -> Path:
    rng = np.random.default_rng(1)
    path = d / "truncated.ply"
    write_ply(path, _capsule_cloud(5000, rng) * 1e-3, rng.integers(0, 256, (5000, 3), np.uint8))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def make_text_stl(d: Path) -> Path:
    (d / "x.stl").write_text("hello world")
    return d / "x.stl"


def make_nan(d: Path) -> Path:
    pts = _capsule_cloud(5000, np.random.default_rng(2))
    pts[123] = np.nan
    np.savetxt(d / "nan.xyz", pts, fmt="%.4f")
    return d / "nan.xyz"


def make_single_point(d: Path) -> Path:
    (d / "one.xyz").write_text("0.1 0.2 0.3\n")
    return d / "one.xyz"


def make_flat_plane(d: Path) -> Path:
    """20,000 points on a 300 x 300 mm square (mm) with 0.3 mm noise."""
    rng = np.random.default_rng(3)
    xy = rng.uniform(0.0, 300.0, size=(20_000, 2))
    write_ply(d / "plane.ply", np.column_stack([xy, rng.normal(0.0, 0.3, 20_000)]))
    return d / "plane.ply"


def make_unknown_extension(d: Path) -> Path:
    np.savetxt(d / "scan.abc", _capsule_cloud(5000, np.random.default_rng(4)), fmt="%.4f")
    return d / "scan.abc"


def make_missing(d: Path) -> Path:
    return d / "no_such_scan.ply"


def make_random_box(d: Path) -> Path:
    """20,000 points uniformly scattered in a 400 mm box: nothing limb-like."""
    rng = np.random.default_rng(5)
    write_ply(d / "box.ply", rng.uniform(0.0, 400.0, size=(20_000, 3)))
    return d / "box.ply"


def make_folder(d: Path) -> Path:
    (d / "scans.ply").mkdir()
    return d / "scans.ply"


def make_ambiguous_units(d: Path) -> Path:
    """A limb-shaped cloud 20 units across: centimetres or an odd scale."""
    pts = _capsule_cloud(5000, np.random.default_rng(6))
    np.savetxt(d / "odd_scale.xyz", pts * (20.0 / 300.0), fmt="%.6f")
    return d / "odd_scale.xyz"


def make_truncated_aop(d: Path) -> Path:
    text = (ROOT / "scans" / "source" / "transtibial_example.aop").read_bytes()
    (d / "cut.aop").write_bytes(text[: len(text) // 2])
    return d / "cut.aop"


BAD_SCANS = [
    # id, builder, last stage that may run, phrase the message must contain
    ("empty", make_empty, "load", "empty.ply is empty (0 bytes)"),
    ("truncated-ply", make_truncated_ply, "load", "truncated.ply could not be read as PLY"),
    ("text-as-stl", make_text_stl, "load", "x.stl is too short to be an STL"),
    ("nan", make_nan, "load", "nan.xyz has 1 point(s) with NaN or infinite coordinates"),
    ("single-point", make_single_point, "load", "one.xyz has only 1 point(s)"),
    ("flat-plane", make_flat_plane, "clean",
     "no limb-like object in the scan (only a flat surface was found)"),
    ("unknown-extension", make_unknown_extension, "load", "unknown file type '.abc'"),
    ("missing", make_missing, "load", "does not exist"),
    ("no-limb", make_random_box, "clean", "no limb-like object in the scan"),
    ("folder", make_folder, "load", "is a folder"),
    ("ambiguous-units", make_ambiguous_units, "load", "pass --units mm, cm or m"),
    ("truncated-aop", make_truncated_aop, "load", "cut.aop: expected 68 heights and 4896 radii"),
]


@pytest.mark.parametrize("build, last_stage, phrase", [c[1:] for c in BAD_SCANS],
                         ids=[c[0] for c in BAD_SCANS])
def test_design_bad_scan_exits_2_with_one_line(tmp_path, capsys, stages_guard, build,
                                               last_stage, phrase):
    scan = build(tmp_path)
    inputs = sorted(p.name for p in tmp_path.iterdir())
    out_dir = tmp_path / "out"
    stages_guard(last_stage)

    rc = main(["design", str(scan), "--out", str(out_dir)])

    captured = capsys.readouterr()
    assert rc == 2
    line = one_line(captured.err)
    assert line.startswith(DESIGN_ERROR)
    assert phrase in line
    assert captured.out == ""
    assert not out_dir.exists()
    # No temporary folder (".out.tmp-...") or partial file beside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == inputs


def test_design_bad_scan_in_a_subprocess(tmp_path):
    """The installed command: real exit code 2, one stderr line, no traceback."""
    scan = make_empty(tmp_path)
    out_dir = tmp_path / "out"
    script = Path(sys.executable).with_name("prosthetics")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "prosthetics"]

    proc = subprocess.run([*cmd, "design", str(scan), "--out", str(out_dir)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)

    assert proc.returncode == 2
    assert one_line(proc.stderr) == f"{DESIGN_ERROR}empty.ply is empty (0 bytes); export the " \
                                    f"scan again"
    assert proc.stdout == ""
    assert not out_dir.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.ply"]


# ---------------------------------------------------------------------------------------
# Bad options
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("options, phrases", [
    (["--set", "no_such_key=1"], ["unknown parameter 'no_such_key'"]),
    (["--set", "wall_thickness_mm=50"],
     ["wall_thickness_mm = 50 mm is outside its range [2, 12] mm"]),
    (["--set", "wall_thickness_mm=abc"], ["wall_thickness_mm = 'abc' is not a valid float"]),
    (["--set", "wall_thickness_mm"], ["--set 'wall_thickness_mm' has no '='"]),
    (["--set", "reduction_percent=nan"], ["reduction_percent = nan is not a finite number"]),
    (["--template", "nope"], ["unknown template 'nope'", "transtibial"]),
    (["--template", "missing_preset.toml"], ["preset file 'missing_preset.toml' does not exist"]),
    (["--format", "stl,obj"], ["formats 'stl,obj': unknown obj; give a comma list of stl, 3mf, "
                               "step, aop"]),
], ids=["unknown-key", "out-of-range", "not-a-number", "no-equals", "nan-value",
        "unknown-template", "missing-preset-file", "unknown-format"])
def test_design_bad_option_exits_2(tmp_path, capsys, stages_guard, options, phrases):
    # Parameters are checked before the scan is even read.
    scan = make_empty(tmp_path)
    out_dir = tmp_path / "out"
    stages_guard("none")

    rc = main(["design", str(scan), "--out", str(out_dir), *options])

    captured = capsys.readouterr()
    assert rc == 2
    line = one_line(captured.err)
    assert line.startswith(DESIGN_ERROR)
    for phrase in phrases:
        assert phrase in line
    assert "empty" not in line
    assert captured.out == ""
    assert not out_dir.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.ply"]


def test_design_unknown_units_is_an_argparse_error(tmp_path, capsys):
    scan = make_empty(tmp_path)

    with pytest.raises(SystemExit) as info:
        main(["design", str(scan), "--out", str(tmp_path / "out"), "--units", "furlongs"])

    assert info.value.code == 2
    captured = capsys.readouterr()
    line = one_line(captured.err)
    assert line.startswith(f"{DESIGN_ERROR}argument --units: invalid choice: 'furlongs'")
    assert "'mm'" in line and "'cm'" in line and "'m'" in line
    assert line.endswith("(see prosthetics design --help)")
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.ply"]


@pytest.fixture
def small_scan(tmp_path) -> Path:
    """A coloured cloud in metres (points on a 300 mm capsule); the tests using it must stop
    before reading it (``stages_guard("none")``)."""
    rng = np.random.default_rng(7)
    path = tmp_path / "scan.ply"
    write_ply(path, _capsule_cloud(5000, rng) * 1e-3, rng.integers(0, 256, (5000, 3), np.uint8))
    return path


@pytest.mark.parametrize("spelling", ["same", "relative", "dotted"])
def test_clean_refuses_to_overwrite_the_scan(small_scan, capsys, monkeypatch, stages_guard,
                                            spelling):
    monkeypatch.chdir(small_scan.parent)
    (small_scan.parent / "sub").mkdir()
    out = {"same": str(small_scan), "relative": small_scan.name,
           "dotted": f"sub/../{small_scan.name}"}[spelling]
    before = small_scan.read_bytes()
    stat = small_scan.stat()
    stages_guard("none")

    rc = main(["clean", str(small_scan), "--out", out])

    captured = capsys.readouterr()
    assert rc == 2
    line = one_line(captured.err)
    assert line == f"{CLEAN_ERROR}--out is the scan itself; a scan is never overwritten: " \
                   f"choose another name"
    assert captured.out == ""
    assert small_scan.read_bytes() == before
    assert small_scan.stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(p.name for p in small_scan.parent.iterdir()) == ["scan.ply", "sub"]


@pytest.mark.parametrize("name", ["x.abc", "x", "x.glb"])
def test_clean_refuses_unwritable_format(small_scan, capsys, stages_guard, name):
    out = small_scan.parent / name
    stages_guard("none")

    rc = main(["clean", str(small_scan), "--out", str(out)])

    captured = capsys.readouterr()
    assert rc == 2
    line = one_line(captured.err)
    assert line == f"{CLEAN_ERROR}--out {name}: use a .ply, .stl, .obj or .off name"
    assert captured.out == ""
    assert not out.exists()
    assert sorted(p.name for p in small_scan.parent.iterdir()) == ["scan.ply"]


# ---------------------------------------------------------------------------------------
# Templates and help
# ---------------------------------------------------------------------------------------


def test_templates_list(capsys):
    rc = main(["templates", "list"])

    captured = capsys.readouterr()
    assert rc == 0
    assert captured.err == ""
    names = [line.split()[0] for line in captured.out.splitlines() if line.strip()]
    expected = sorted(p.stem for p in (ROOT / "templates").glob("*.toml")
                      if p.stem not in ("printers", "materials"))
    assert "transtibial" in names
    assert sorted(names) == expected


def test_templates_show_transtibial_lists_parameters_with_units(capsys):
    rc = main(["templates", "show", "transtibial"])

    captured = capsys.readouterr()
    assert rc == 0
    assert captured.err == ""
    preset = tomllib.loads((ROOT / "templates" / "transtibial.toml").read_text())["parameters"]
    infos = param_infos(TranstibialParams)
    for name in ("wall_thickness_mm", "reduction_percent", "liner_offset_mm"):
        row = re.search(rf"^{name}\s+(\S+)\s+(\S+)\s+(\S+)\s", captured.out, re.M)
        assert row, f"{name} missing from:\n{captured.out}"
        value, unit, rng = row.groups()
        info = infos[name][1]
        assert float(value) == preset[name]
        assert unit == info.unit and unit in ("mm", "%")
        assert rng == f"{info.min:g}..{info.max:g}"
    assert re.search(r"^wall_thickness_mm\s+\S+\s+mm\s", captured.out, re.M)
    assert re.search(r"^reduction_percent\s+\S+\s+%\s", captured.out, re.M)


@pytest.mark.parametrize("argv, name", [
    (["templates", "show", "nope"], "unknown template 'nope'"),
    (["templates", "show"], "templates show needs a NAME"),
])
def test_templates_show_bad_name_exits_2(capsys, argv, name):
    rc = main(argv)

    captured = capsys.readouterr()
    assert rc == 2
    line = one_line(captured.err)
    assert line.startswith("prosthetics templates: error: ") and name in line
    assert captured.out == ""


@pytest.mark.parametrize("argv, words", [
    (["--help"], ["usage: prosthetics", "design", "clean", "measure", "templates"]),
    (["design", "--help"], ["usage: prosthetics design", "--out", "--template", "--units",
                            "--set"]),
])
def test_help_exits_0(capsys, argv, words):
    with pytest.raises(SystemExit) as info:
        main(argv)

    assert info.value.code == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    for word in words:
        assert word in captured.out


def test_unknown_extension_message_lists_supported_suffixes(tmp_path, capsys):
    rc = main(["design", str(make_unknown_extension(tmp_path)), "--out", str(tmp_path / "o")])

    line = one_line(capsys.readouterr().err)
    assert rc == 2
    assert line.endswith("supported: " + ", ".join(SUPPORTED_SUFFIXES))


def test_stage_printer_prints_one_line_per_finished_stage(capsys):
    from prosthetics.cli.progress import stage_printer

    show = stage_printer()
    for stage, frac in [("load", 0.0), ("clean", 0.05), ("align", 0.35), ("done", 0.8),
                        ("export", 0.82), ("report", 0.95), ("done", 1.0)]:
        show(stage, frac)
    lines = capsys.readouterr().err.splitlines()
    assert [ln.split()[0] for ln in lines] == ["load", "clean", "align", "export", "report"]
    assert all(ln.rstrip().endswith(" s") for ln in lines)


@pytest.mark.parametrize("text, phrase", [
    ('[print]\nprinter = "ender9"\n', '[print] printer = "ender9" is not a known printer'),
    ('[report]\nlangauge = "ur"\n', "unknown key 'langauge' in [report]"),
], ids=["unknown-printer", "unknown-key"])
def test_design_bad_config_exits_2_before_the_scan_is_read(tmp_path, capsys, stages_guard,
                                                          text, phrase):
    config = tmp_path / "clinic.toml"
    config.write_text(text, encoding="utf-8")
    scan = make_empty(tmp_path)
    out_dir = tmp_path / "out"
    stages_guard("none")

    rc = main(["design", str(scan), "--out", str(out_dir), "--config", str(config)])

    captured = capsys.readouterr()
    assert rc == 2
    line = one_line(captured.err)
    assert line.startswith(f"{DESIGN_ERROR}{config}: ") and phrase in line
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clinic.toml", "empty.ply"]
