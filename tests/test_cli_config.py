"""The configuration file: where it is found, what a bad one says, ``config init`` and
``config show``, and how its defaults sit under ``--set``.

No test reads the user's own configuration: ``XDG_CONFIG_HOME`` points into the test's
folder and ``PROSTHETICS_CONFIG`` is unset.  Commands that would run a design stop at the
pipeline's entry (a stand-in records what it was given), so these tests take seconds.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from prosthetics.cli.main import main
from prosthetics.config import (
    CONFIG_ENV_VAR,
    TEMPLATE,
    Config,
    ConfigError,
    load_config,
    user_config_path,
)
from prosthetics.errors import ProstheticsError

from .test_cli_errors import one_line


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch) -> Path:
    """The user's configuration folder inside the test's folder; no PROSTHETICS_CONFIG."""
    if sys.platform != "linux":
        pytest.skip("XDG_CONFIG_HOME places the user's configuration on Linux only")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    # Set, then removed: the variables the desktop program sets are put back afterwards.
    for name in (CONFIG_ENV_VAR, "PROSTHETICS_LANG"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    assert user_config_path() == tmp_path / "xdg" / "prosthetics" / "config.toml"
    return user_config_path()


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- where the file is found ----------------------------------------------------------------
def test_precedence_argument_env_user_defaults(tmp_path, monkeypatch, isolated):
    given = _write(tmp_path / "given.toml", '[print]\nprinter = "prusa_mk4"\n')
    named = _write(tmp_path / "env.toml", '[print]\nprinter = "generic_220"\n')
    user = _write(isolated, '[print]\nprinter = "large_300"\n[batch]\nworkers = 3\n')
    monkeypatch.setenv(CONFIG_ENV_VAR, str(named))

    c = load_config(given)
    assert (c.printer, c.source, c.workers) == ("prusa_mk4", given, None)
    c = load_config()
    assert (c.printer, c.source) == ("generic_220", named)
    monkeypatch.setenv(CONFIG_ENV_VAR, "")                     # empty: as if unset
    c = load_config()
    assert (c.printer, c.source, c.workers) == ("large_300", user, 3)
    user.unlink()
    assert load_config() == Config()
    assert Config().source is None and Config().language == "en" and Config().pdf is True


def test_every_key_is_read(tmp_path):
    (tmp_path / "cfg" / "reports").mkdir(parents=True)
    path = _write(tmp_path / "cfg" / "config.toml", """\
[clinic]
name = "Mayo Hospital P&O workshop"
clinician = "A. Khan"
[report]
language = "UR"
templates = "reports"
pdf = false
[print]
printer = "PRUSA_MK4"
[socket]
material = "pla"
[insole]
material = "tpu_95a"
[batch]
workers = 2
""")
    c = load_config(path)
    assert len(c.given) == 9 and "report.pdf" in c.given
    assert c == Config(clinic="Mayo Hospital P&O workshop", clinician="A. Khan", language="ur",
                       report_templates=tmp_path / "cfg" / "reports", printer="prusa_mk4",
                       socket_material="pla", insole_material="tpu_95a", pdf=False,
                       workers=2, source=path)
    assert c.record() == {"clinic": "Mayo Hospital P&O workshop", "clinician": "A. Khan",
                          "language": "ur"}
    assert c.settings_for("transtibial") == {"printer": "prusa_mk4", "material": "pla"}
    assert c.settings_for("socket") == c.settings_for("transfemoral")
    assert c.settings_for("insole") == {"printer": "prusa_mk4", "material": "tpu_95a"}
    assert Config().settings_for("insole") == {}


def test_the_template_reads_as_the_defaults(tmp_path):
    path = _write(tmp_path / "config.toml", TEMPLATE)
    assert load_config(path) == Config(source=path)
    # Every key of the template, uncommented, is a valid setting.
    (tmp_path / "report-templates").mkdir()
    text = "\n".join(line[2:] if line.startswith("# ") and " = " in line else line
                     for line in TEMPLATE.splitlines())
    c = load_config(_write(tmp_path / "all.toml", text))
    assert (c.clinic, c.language, c.printer, c.socket_material, c.insole_material,
            c.workers) == ("Mayo Hospital P&O workshop", "en", "large_300", "petg", "tpu_95a", 2)


# -- a bad file: exit 2, one line naming the file, the key and what to write ----------------
BAD = [
    # id, file's text, phrases of the line
    ("unknown-table", '[printer]\nname = "x"\n',
     ["unknown table [printer] (did you mean 'print'?)", "the tables are [clinic], [report]"]),
    ("unknown-key", '[report]\nlangauge = "ur"\n',
     ["unknown key 'langauge' in [report] (did you mean 'language'?)",
      "the keys of [report] are language, templates, pdf"]),
    ("outside-a-table", 'language = "ur"\n',
     ['language = \'ur\' is outside a table; write it under [report]']),
    ("table-not-a-table", 'batch = 2\n', ["batch = 2 must be a table"]),
    ("workers-not-a-number", '[batch]\nworkers = "two"\n',
     ['[batch] workers = "two" is not a whole number; write workers = 2']),
    ("workers-zero", '[batch]\nworkers = 0\n', ["[batch] workers = 0: give 1 or more"]),
    ("pdf-not-a-bool", '[report]\npdf = "yes"\n',
     ['[report] pdf = "yes" is not true or false; write pdf = true']),
    ("name-not-text", '[clinic]\nname = 42\n',
     ["[clinic] name = 42 is not text; write it in quotes"]),
    ("language", '[report]\nlanguage = "fr"\n',
     ['[report] language = "fr" is not a language of the reports; write language = "en" '
      '(English) or language = "ur" (Urdu)']),
    ("printer", '[print]\nprinter = "ender9"\n',
     ['[print] printer = "ender9" is not a known printer; write one of generic_220, '
      'large_300, prusa_mk4']),
    ("socket-material", '[socket]\nmaterial = "petgg"\n',
     ['[socket] material = "petgg" is not a known material (did you mean \'petg\'?)',
      "pla, petg, tpu_95a"]),
    ("insole-material", '[insole]\nmaterial = 7\n', ["[insole] material = 7 is not text"]),
    ("templates-folder", '[report]\ntemplates = "nowhere"\n',
     ['[report] templates = "nowhere": the folder', "nowhere does not exist"]),
    ("not-toml", "[clinic\nname = 1\n", ["is not valid TOML", "fix the syntax"]),
]


@pytest.mark.parametrize("text, phrases", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_config_is_one_line_and_exit_2(tmp_path, capsys, text, phrases):
    path = _write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError):
        load_config(path)

    rc = main(["--config", str(path), "config", "show"])

    captured = capsys.readouterr()
    assert rc == 2
    line = one_line(captured.err)
    assert line.startswith(f"prosthetics config: error: {path}")
    for phrase in phrases:
        assert phrase in line, line
    assert captured.out == ""


def test_a_bad_user_config_stops_design_before_anything_runs(tmp_path, capsys, isolated,
                                                            monkeypatch):
    from prosthetics.design import session

    monkeypatch.setattr(session, "run_design", _stop)
    _write(isolated, '[print]\nprinter = "ender9"\n')
    out = tmp_path / "out"

    rc = main(["design", "--out", str(out)])

    line = one_line(capsys.readouterr().err)
    assert rc == 2
    assert line.startswith(f"prosthetics design: error: {isolated}: [print] printer = ")
    assert not out.exists()


@pytest.mark.parametrize("how", ["option", "env"])
def test_a_named_file_must_exist(tmp_path, capsys, monkeypatch, how):
    missing = tmp_path / "nope.toml"
    argv = ["config", "show"]
    if how == "option":
        argv = ["--config", str(missing), *argv]
    else:
        monkeypatch.setenv(CONFIG_ENV_VAR, str(missing))

    rc = main(argv)

    line = one_line(capsys.readouterr().err)
    assert rc == 2
    assert f"config file {missing}" in line and "does not exist" in line
    if how == "env":
        assert "PROSTHETICS_CONFIG" in line


# -- config init and show -------------------------------------------------------------------
def test_config_init_writes_once_and_refuses_to_overwrite(capsys, isolated):
    assert main(["config", "init"]) == 0
    assert capsys.readouterr().out == f"wrote     {isolated}\n"
    assert isolated.read_text(encoding="utf-8") == TEMPLATE
    edited = TEMPLATE.replace("# workers = 2", "workers = 4")
    isolated.write_text(edited, encoding="utf-8")
    before = isolated.read_bytes()

    rc = main(["config", "init"])

    captured = capsys.readouterr()
    assert rc == 2
    assert one_line(captured.err) == (f"prosthetics config: error: {isolated} exists and is "
                                      f"kept; pass --force to replace it with a fresh template")
    assert captured.out == ""
    assert isolated.read_bytes() == before
    assert load_config().workers == 4

    assert main(["config", "init", "--force"]) == 0
    assert isolated.read_text(encoding="utf-8") == TEMPLATE != edited
    # Written through a temporary name: nothing else is left in the folder.
    assert sorted(p.name for p in isolated.parent.iterdir()) == ["config.toml"]


def test_config_init_even_when_the_current_file_is_broken(tmp_path, capsys):
    path = _write(tmp_path / "mine.toml", "[clinic\n")
    assert main(["config", "init", "--config", str(path), "--force"]) == 0
    assert load_config(path) == Config(source=path)


def test_config_show_names_the_file_and_every_setting(tmp_path, capsys, monkeypatch):
    path = _write(tmp_path / "c.toml", '[clinic]\nname = "Clinic A"\n[print]\n'
                                       'printer = "prusa_mk4"\n')
    monkeypatch.setenv(CONFIG_ENV_VAR, str(path))

    assert main(["config", "show", "--lang", "ur"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"file      {path} (named by PROSTHETICS_CONFIG)"
    rows = dict(line.split(None, 1) for line in out[1:])
    assert rows == {"clinic.name": "Clinic A", "clinic.clinician": "not set",
                    "report.language": "ur  (--lang)", "report.templates": "not set",
                    "report.pdf": "true  (default)", "print.printer": "prusa_mk4",
                    "socket.material": "not set", "insole.material": "not set",
                    "batch.workers": "not set"}


def test_config_show_without_a_file(capsys, isolated):
    assert main(["config", "show"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("file      none: the built-in defaults") and str(isolated) in first


# -- the defaults under --set ---------------------------------------------------------------
class _Stop(ProstheticsError):
    pass


SEEN: dict = {}


def _stop(*args, **kwargs):
    SEEN.clear()
    SEEN.update(kwargs, args=args)
    raise _Stop("stopped at the pipeline's entry")


@pytest.fixture
def clinic(tmp_path) -> Path:
    return _write(tmp_path / "clinic.toml", '[print]\nprinter = "prusa_mk4"\n[socket]\n'
                                            'material = "pla"\n[insole]\nmaterial = "petg"\n'
                                            '[batch]\nworkers = 3\n')


@pytest.mark.parametrize("extra, settings", [
    ([], {"printer": "prusa_mk4", "material": "pla"}),
    (["--set", "material=petg"], {"printer": "prusa_mk4", "material": "petg"}),
    (["--set", "printer=generic_220", "--set", "material=nylon"],
     {"printer": "generic_220", "material": "nylon"}),
])
def test_design_settings_for_never_override_set(clinic, capsys, monkeypatch, extra, settings):
    from prosthetics.design import session

    monkeypatch.setattr(session, "run_design", _stop)
    assert main(["--config", str(clinic), "design", "x.ply", "--out", "o", *extra]) == 2
    assert "stopped at the pipeline's entry" in capsys.readouterr().err
    assert SEEN["settings"] == settings
    assert SEEN["template"] == "transtibial"


@pytest.mark.parametrize("template, extra, settings", [
    ("insole", [], {"printer": "prusa_mk4"}),        # the preset names tpu_95a: it stays
    ("insole_supportive", ["--set", "printer=large_300"], {"printer": "large_300"}),
])
def test_insole_settings_leave_a_presets_own_material(clinic, capsys, monkeypatch, template,
                                                      extra, settings):
    from prosthetics.design import insole
    from prosthetics.design.presets import resolve_template

    monkeypatch.setattr(insole, "run_insole", _stop)
    assert "material" in resolve_template(template).parameters

    assert main(["insole", "foot.ply", "--template", template, "--config", str(clinic),
                 *extra]) == 2
    assert SEEN["settings"] == settings


def test_insole_material_applies_when_the_preset_names_none(tmp_path, clinic, monkeypatch,
                                                           capsys):
    from prosthetics.design import insole

    preset = _write(tmp_path / "plain_insole.toml",
                    'name = "plain_insole"\nbuilder = "insole"\n[parameters]\n'
                    'heel_cup_depth_mm = 14.0\n')
    monkeypatch.setattr(insole, "run_insole", _stop)
    assert main(["insole", "foot.ply", "--template", str(preset), "--config", str(clinic),
                 "--side", "left"]) == 2
    assert SEEN["settings"] == {"printer": "prusa_mk4", "material": "petg", "side": "left"}


def test_batch_workers_default_from_the_config(clinic, capsys, monkeypatch):
    from prosthetics.batch import runner

    monkeypatch.setattr(runner, "run_batch", _stop)
    assert main(["batch", "m.csv", "--out", "o", "--config", str(clinic)]) == 2
    assert SEEN["workers"] == 3
    assert main(["batch", "m.csv", "--out", "o", "--config", str(clinic), "--workers", "1"]) == 2
    assert SEEN["workers"] == 1


def test_the_record_and_language_reach_a_writer_that_takes_them(tmp_path, clinic, capsys,
                                                                monkeypatch):
    from prosthetics.design import session, socket_writer

    monkeypatch.setattr(session, "run_design", lambda *a, **k: "design")
    seen = {}

    def write_design(design, out, *, progress=None, slice_progress=None, record=None,
                     lang=None, templates_dir=None):
        seen.update(design=design, record=record, lang=lang, templates_dir=templates_dir)
        raise _Stop("written")

    monkeypatch.setattr(socket_writer, "write_design", write_design)
    (tmp_path / "ours").mkdir()
    path = _write(tmp_path / "c.toml", '[clinic]\nname = "Clinic A"\nclinician = "A. Khan"\n'
                                       '[report]\ntemplates = "ours"\n')

    assert main(["design", "x.ply", "--out", "o", "--config", str(path), "--lang", "ur"]) == 2
    assert seen == {"design": "design", "lang": "ur", "templates_dir": tmp_path / "ours",
                    "record": {"clinic": "Clinic A", "clinician": "A. Khan", "language": "ur"}}

    def older(design, out, *, progress=None, slice_progress=None):
        seen.update(older=True)
        raise _Stop("written")

    monkeypatch.setattr(socket_writer, "write_design", older)
    assert main(["design", "x.ply", "--out", "o", "--config", str(path)]) == 2
    assert seen["older"] is True
    assert "written" in capsys.readouterr().err


@pytest.fixture
def root_logging():
    """Take away the log handlers a test's program set up on the root logger."""
    import logging

    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in before]:
        root.removeHandler(handler)
    root.setLevel(level)
    for name in ("prosthetics", "prosthetics_gui"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_the_desktop_program_reads_config_and_language_before_qt(tmp_path, capsys,
                                                                 monkeypatch, root_logging):
    import prosthetics_gui.__main__ as gui

    path = _write(tmp_path / "c.toml", '[report]\nlanguage = "ur"\n')
    monkeypatch.setattr(gui, "CONFIG", None)
    monkeypatch.setattr(gui, "LANGUAGE", None)
    args = gui.build_parser().parse_args(["--config", str(path), "scan.ply"])
    assert gui._settings(args) is None
    assert (gui.LANGUAGE, os.environ["PROSTHETICS_LANG"]) == ("ur", "ur")
    assert os.environ[CONFIG_ENV_VAR] == str(path) and gui.CONFIG.source == path

    args = gui.build_parser().parse_args(["--config", str(path), "--lang", "en"])
    gui._settings(args)
    assert os.environ["PROSTHETICS_LANG"] == "en"

    # A file that sets no language leaves the window its own (saved) choice.
    del os.environ["PROSTHETICS_LANG"]
    quiet = _write(tmp_path / "q.toml", '[clinic]\nname = "A"\n')
    assert gui._settings(gui.build_parser().parse_args(["--config", str(quiet)])) is None
    assert gui.LANGUAGE is None and "PROSTHETICS_LANG" not in os.environ

    bad = _write(tmp_path / "bad.toml", '[report]\nlanguage = "de"\n')
    assert gui.main(["--config", str(bad)]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"prosthetics-gui: error: {bad}: [report] language = \"de\"")
