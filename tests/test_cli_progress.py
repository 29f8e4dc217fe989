"""What the command line says while it works: progress on a terminal and off it, ``-q``,
``-v``, the global options in any position, ``--version`` and the completion scripts.

Most tests drive ``design`` through a stand-in pipeline that calls the progress callbacks
as the real one does (quick); one runs the real design on the sample scan, slicing off.
A terminal is stood in for by a rich Console that writes to a string as a terminal.
"""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from prosthetics import __version__
from prosthetics.cli import progress as progress_mod
from prosthetics.cli.main import build_parser, main
from prosthetics.cli.progress import RichStages, StageLog, StagePrinter, stage_printer
from prosthetics.config import CONFIG_ENV_VAR
from prosthetics.errors import GeometryError
from prosthetics.printing.slicer import SliceProgress

from .test_cli_errors import one_line

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "scans" / "transtibial_phone.ply"
STAGES = ["load", "clean", "align", "measure", "template", "check", "export", "report"]
RESULT = ["scan", "limb", "socket", "printer", "slicer", "wrote", "wrote", "wrote"]


@pytest.fixture(autouse=True)
def no_user_config(tmp_path, monkeypatch):
    """Never the user's own configuration."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv(CONFIG_ENV_VAR, "")


@pytest.fixture
def terminal(monkeypatch) -> io.StringIO:
    """stderr as a terminal: what rich draws on it lands in the returned string."""
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120, color_system=None)
    monkeypatch.setattr(progress_mod, "stderr_is_terminal", lambda: True)
    monkeypatch.setattr(progress_mod, "stderr_console", lambda *a, **k: console)
    return screen


def _report(out: Path) -> dict:
    return {"measurements": {"length_mm": 258.7, "volume_ml": 1569.1, "circumferences": [1]},
            "checks": {"triangles": 4, "volume_ml": 422.9, "watertight": True, "bodies": 1,
                       "min_wall_mm": 5.05, "wall_required_mm": 5.0,
                       "printer": {"printer": "large_300", "fits": True},
                       "slicer": {"ran": True, "ok": True, "filament_g": 383.3,
                                  "print_time_text": "1d 11h", "seconds": 1.0}},
            "input": {"units": "m", "units_source": "size"},
            "outputs": [{"path": str(out / "socket.stl")}], "warnings": ["a warning"]}


@pytest.fixture
def pipeline(monkeypatch):
    """``design`` through a stand-in of the pipeline and writer, which call the progress
    callbacks as the real ones do; ``pipeline["fail_at"] = stage`` makes it fail there."""
    from prosthetics.design import session, socket_writer

    state = {"fail_at": None, "progress": "unset"}

    def run_design(scan, *, progress=None, **kwargs):
        # the command passes the pipeline a callback that starts the reports' helper at
        # the alignment and hands every stage on to its display (the writer's ``progress``)
        for i, stage in enumerate(STAGES[:6]):
            if progress is not None:
                progress(stage, i / 10)
            if stage == state["fail_at"]:
                raise GeometryError(f"no socket could be built at {stage}")
        if progress is not None:
            progress("done", 0.8)
        return "design"

    def write_design(design, out, *, progress=None, slice_progress=None):
        state["progress"] = progress
        if progress is None:
            return _report(Path(out))
        for stage, frac in (("export", 0.82), ("report", 0.86), ("slice", 0.9)):
            progress(stage, frac)
        slice_progress(SliceProgress(1.0, 20, "Generating perimeters"))
        progress("slice", 0.92)
        progress("done", 1.0)
        return _report(Path(out))

    monkeypatch.setattr(session, "run_design", run_design)
    monkeypatch.setattr(socket_writer, "write_design", write_design)
    return state


# -- on a terminal -------------------------------------------------------------------------
def test_terminal_progress_is_drawn_by_rich(tmp_path, capsys, terminal, pipeline):
    rc = main(["design", "x.ply", "--out", str(tmp_path / "o")])

    captured = capsys.readouterr()
    assert rc == 0
    assert isinstance(pipeline["progress"], RichStages)
    screen = terminal.getvalue()
    done = re.findall(r"✓ (\w+)\s+\d+\.\d s\n", screen)
    assert done == [*STAGES, "slice"]
    assert f"  written   {tmp_path / 'o'} (print files and reports); now slicing: Ctrl+C " \
           f"stops PrusaSlicer, the files stay\n" in screen
    assert screen.endswith("\x1b[?25h\r") or screen.rstrip().endswith("\x1b[?25h")
    assert progress_mod._LIVE == []
    # Results on stdout, warnings on stderr, progress on neither.
    assert [ln.split()[0] for ln in captured.out.splitlines()] == RESULT
    assert captured.out.splitlines()[0].startswith("scan      x.ply")
    assert captured.err == "warning   a warning\n"


@pytest.mark.parametrize("argv", [["-q", "design"], ["design", "-q"], ["design", "--quiet"]])
def test_quiet_prints_no_progress(tmp_path, capsys, terminal, pipeline, argv):
    rc = main([*argv, "x.ply", "--out", str(tmp_path / "o"), "-v"])

    captured = capsys.readouterr()
    assert rc == 0
    assert pipeline["progress"] is None
    assert terminal.getvalue() == ""                  # no progress, no log lines
    assert captured.err == "warning   a warning\n"
    assert captured.out.startswith("scan      x.ply")


def test_a_failure_on_a_terminal_stops_the_display_and_says_one_line(tmp_path, capsys,
                                                                     terminal, pipeline):
    pipeline["fail_at"] = "align"

    rc = main(["design", "x.ply", "--out", str(tmp_path / "o")])

    captured = capsys.readouterr()
    assert rc == 2
    assert one_line(captured.err) == "prosthetics design: error: no socket could be built " \
                                     "at align"
    assert captured.out == ""
    assert re.findall(r"✓ (\w+)", terminal.getvalue()) == ["load", "clean"]
    assert "\x1b[?25h" in terminal.getvalue()             # the cursor is back
    assert progress_mod._LIVE == []


def test_rich_stages_shows_the_slicer_bar_percent_and_step():
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120, color_system=None)
    show = RichStages(console=console, on_slice="written   /tmp/x")
    show("report", 0.86)
    show("slice", 0.9)
    show.slicer(SliceProgress(1.0, 20, "Generating perimeters"))
    show.progress.refresh()
    frame = screen.getvalue().rsplit("\r", 1)[-1]
    assert re.search(r"slice\s+\d+\.\d s ━+╺?━* +20 %  Generating perimeters", frame), frame
    show.slicer(SliceProgress(2.0, 70, "Infilling layers"))
    show.progress.refresh()
    assert "70 %  Infilling layers" in screen.getvalue().rsplit("\r", 1)[-1]
    show.end()
    show.end()                                          # nothing more to close
    lines = re.findall(r"✓ (\w+)\s+(\d+\.\d) s\n", screen.getvalue())
    assert [name for name, _ in lines] == ["report", "slice"]
    assert "  written   /tmp/x\n" in screen.getvalue()
    assert not show._running


def test_stage_printer_is_rich_on_a_terminal_only(terminal):
    assert isinstance(stage_printer(), RichStages)
    assert isinstance(stage_printer(io.StringIO()), StagePrinter)
    assert isinstance(stage_printer(live=False), StagePrinter)


# -- not on a terminal ---------------------------------------------------------------------
def test_no_terminal_no_progress_by_default(tmp_path, capsys, pipeline):
    assert main(["design", "x.ply", "--out", str(tmp_path / "o")]) == 0
    assert pipeline["progress"] is None
    assert capsys.readouterr().err == "warning   a warning\n"


def test_no_terminal_verbose_logs_one_line_per_stage(tmp_path, capsys, pipeline):
    assert main(["design", "x.ply", "--out", str(tmp_path / "o"), "-v"]) == 0

    err = capsys.readouterr().err.splitlines()
    assert isinstance(pipeline["progress"], StageLog)
    stages = [m.group(1) for ln in err
              if (m := re.fullmatch(r"INFO prosthetics\.cli\.progress: (\w+)\s+\d+\.\d s", ln))]
    assert stages == [*STAGES, "slice"]
    assert "INFO prosthetics.cli.progress: slice      20 %  Generating perimeters" in err
    assert not any(ln.startswith("DEBUG") for ln in err)
    assert err[-1] == "warning   a warning"


def test_stage_log_logs_each_stage_once(caplog):
    caplog.set_level(logging.DEBUG, logger="prosthetics")
    show = StageLog()
    for stage, frac in [("load", 0.0), ("load", 0.02), ("clean", 0.05), ("done", 0.8),
                        ("export", 0.82), ("slice", 0.9)]:
        show(stage, frac)
    show.slicer(SliceProgress(1.0, 20, "Generating perimeters"))
    show.slicer(SliceProgress(2.0, 20, "Generating perimeters"))
    show.end()
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert [m.split()[0] for m in infos] == ["load", "clean", "export", "slice", "slice"]
    assert infos[3] == "slice      20 %  Generating perimeters"
    assert all(re.fullmatch(r"\w+\s+\d+\.\d s", m) for m in infos[:3] + infos[4:])


@pytest.mark.slow
def test_real_design_verbose_without_a_terminal(tmp_path, capsys):
    out = tmp_path / "out"

    rc = main(["-v", "design", str(SAMPLE), "--out", str(out), "--set", "slice=false"])

    captured = capsys.readouterr()
    assert rc == 0
    err = captured.err.splitlines()
    stages = [m.group(1) for ln in err
              if (m := re.fullmatch(r"INFO prosthetics\.cli\.progress: (\w+)\s+\d+\.\d s", ln))]
    assert stages[0] == "load" and stages[-1] == "report"
    assert len(stages) == len(set(stages))
    assert {"clean", "align", "measure", "template", "check", "export"} <= set(stages)
    assert "INFO prosthetics.cli.main: configuration: none, the built-in defaults" in err
    assert any(ln.startswith("INFO prosthetics.cli.main: template transtibial (transtibial); "
                             "settings slice=false") for ln in err)
    # Only the project's own records below -vv; nothing but INFO lines and warnings.
    assert all(ln.startswith(("INFO prosthetics.", "warning   ")) for ln in err), err
    assert (out / "report.json").is_file()
    assert "slicer    not run" in captured.out


# -- global options, --version, completion -------------------------------------------------
@pytest.mark.parametrize("argv, expected", [
    (["config", "show"], (None, None, 0, False)),
    (["-v", "config", "show", "-v"], (None, None, 2, False)),
    (["-vv", "--lang", "ur", "config", "show", "--config", "a.toml"], ("a.toml", "ur", 2, False)),
    (["--config", "a.toml", "case", "list", "--config", "b.toml", "-q"],
     ("b.toml", None, 0, True)),
    (["case", "show", "C-1", "--lang", "en"], (None, "en", 0, False)),
])
def test_global_options_anywhere(argv, expected):
    from prosthetics.cli.main import _merge_global_options

    args = _merge_global_options(build_parser().parse_args(argv))
    assert (args.config, args.lang, args.verbose, args.quiet) == expected
    assert not any(k.startswith("sub_") for k in vars(args))


@pytest.mark.parametrize("argv", [["--version"], ["design", "--version"],
                                  ["case", "verify", "--version"], ["config", "--version"]])
def test_version_everywhere(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    assert capsys.readouterr().out == f"prosthetics {__version__}\n"


def test_desktop_version_answers_before_qt():
    code = ("import sys\nfrom prosthetics_gui.__main__ import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit as e:\n"
            "    print(e.code, 'PySide6' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.stdout == f"prosthetics-gui {__version__}\n0 False\n", proc.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "tcsh"])
def test_completion_scripts(capsys, shell):
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    for command in ("design", "clean", "measure", "compare", "batch", "insole", "templates",
                    "case", "config", "completion"):
        assert command in script
    options = ("template", "set", "config", "lang", "verbose")
    for option in options:
        # tcsh lists the option names of every command in one word list, without "--".
        assert (f"--{option}" if shell != "tcsh" else f" {option} ") in script


def test_bash_completion_completes_commands_and_file_names(capsys, tmp_path):
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    assert re.search(r"^_shtab_prosthetics_subparsers=\(design clean measure compare batch "
                     r"insole templates case config completion\)$", script, re.M)
    assert "_shtab_prosthetics_design_pos_0_COMPGEN=_shtab_compgen_files" in script
    (tmp_path / "limb_scan.ply").write_text("")
    path = tmp_path / "completion.bash"
    path.write_text(script)
    probe = (f"source {path}; cd {tmp_path}\n"
             "COMP_WORDS=(prosthetics de); COMP_CWORD=1; _shtab_prosthetics; "
             "echo \"${COMPREPLY[@]}\"\n"
             "COMP_WORDS=(prosthetics design limb_); COMP_CWORD=2; _shtab_prosthetics; "
             "echo \"${COMPREPLY[@]}\"\n")
    proc = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=60)
    assert proc.stdout.splitlines() == ["design", "limb_scan.ply"], proc.stderr


def test_completion_needs_a_known_shell(capsys):
    with pytest.raises(SystemExit) as info:
        main(["completion", "fish"])
    assert info.value.code == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("prosthetics completion: error: argument shell: invalid choice")
