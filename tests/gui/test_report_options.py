"""The window's exports and case revisions take the clinic's configuration (clinic,
clinician, report templates, PDF) and write their reports in the window's language; a
configuration that cannot be read gives the defaults instead of failing the export."""

from __future__ import annotations

import pytest

from prosthetics.design.output import options_taken_by
from prosthetics.design.socket_writer import write_design


@pytest.fixture
def jobs(monkeypatch):
    from prosthetics_gui import jobs as module

    monkeypatch.setattr(module, "current_language", lambda: "ur")
    return module


def test_the_reports_take_the_clinic_from_the_configuration(jobs, tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[clinic]\nname = "Mayo Hospital P&O workshop"\nclinician = "A. Khan"\n\n'
                   '[report]\nlanguage = "en"\npdf = false\n', encoding="utf-8")
    monkeypatch.setenv("PROSTHETICS_CONFIG", str(cfg))
    opts = jobs.report_options()
    assert opts["record"] == {"clinic": "Mayo Hospital P&O workshop", "clinician": "A. Khan",
                              "language": "ur"}
    assert opts["lang"] == "ur" and opts["pdf"] is False
    # What the socket writer is given: every option it takes, none it does not.
    given = options_taken_by(write_design, opts)
    assert given == {"record": opts["record"], "lang": "ur", "pdf": False}


def test_an_unreadable_configuration_gives_the_defaults(jobs, tmp_path, monkeypatch, caplog):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[clinic]\nname = "X"\ncolour = "blue"\n', encoding="utf-8")
    monkeypatch.setenv("PROSTHETICS_CONFIG", str(cfg))
    with caplog.at_level("WARNING"):
        opts = jobs.report_options()
    assert opts["record"] == {"clinic": None, "clinician": None, "language": "ur"}
    assert opts["pdf"] is True
    assert "colour" in caplog.text
