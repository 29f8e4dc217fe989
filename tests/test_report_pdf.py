"""The reports from their templates: the PDF beside the HTML, a clinic's own templates,
languages, and a PDF that cannot be made."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from prosthetics.errors import ParameterError
from prosthetics.reports import i18n, templating
from prosthetics.reports.html import write_report_html

from .conftest import SAMPLE

RECORD = {"clinic": "Northside Limb Centre", "clinician": "A. Rahman", "scan_date": None}


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def written(sample_design, tmp_path_factory):
    """The sample design written with its PDF."""
    from prosthetics.design.socket_writer import write_design

    out = tmp_path_factory.mktemp("pdf") / "design"
    report = write_design(sample_design, out, record=RECORD, scan_path=SAMPLE)
    return out, report


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_the_design_report_pdf(written):
    out, report = written
    assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-"
    text = _pdf_text(out / "report.pdf")
    scan_id = report["input"]["scan_id"]
    assert scan_id in text and "Signature" in text and "Checked by" in text
    assert "Northside Limb Centre" in text and "A. Rahman" in text
    assert "modification date" in text                      # the scan date's source
    assert "Page 1 /" in text
    on_disk = json.loads((out / "report.json").read_text())
    assert on_disk["record"]["clinic"] == "Northside Limb Centre"
    assert on_disk["record"]["scan_date_source"].startswith("the scan file's")
    assert not any("report.pdf" in w for w in on_disk["warnings"])


def test_a_failing_pdf_leaves_a_warning_and_the_rest(sample_design, tmp_path, monkeypatch):
    import prosthetics.design.output as output
    from prosthetics.design.socket_writer import write_design

    def boom(html, pdf):
        raise RuntimeError("no fonts\nsecond line")

    monkeypatch.setattr(output, "write_pdf", boom)
    sample_design.report["warnings"] = [w for w in sample_design.report["warnings"]
                                        if "report.pdf" not in w]
    out = tmp_path / "design"
    write_design(sample_design, out, formats=frozenset({"stl"}))
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "socket.stl"]
    warnings = json.loads((out / "report.json").read_text())["warnings"]
    assert "report.pdf not written: no fonts" in warnings
    assert "report.pdf not written: no fonts" in (out / "report.html").read_text()
    sample_design.report["warnings"].remove("report.pdf not written: no fonts")


def test_a_clinic_folder_overrides_the_shipped_templates(tmp_path):
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    shipped = (templating.SHIPPED_TEMPLATES / "base.html").read_text(encoding="utf-8")
    (clinic / "base.html").write_text(shipped.replace(
        '<header class="pagehead">', '<header class="pagehead"><p>Northside letterhead</p>'))
    report = {"input": {"scan_id": "S-0A1B2C3D"}}
    write_report_html(report, {}, tmp_path / "a.html")
    write_report_html(report, {}, tmp_path / "b.html", templates_dir=clinic)
    assert "Northside letterhead" not in (tmp_path / "a.html").read_text()
    assert "Northside letterhead" in (tmp_path / "b.html").read_text()


def test_a_template_with_an_unknown_name_still_renders(tmp_path):
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    (clinic / "design.html").write_text(
        '{% extends "base.html" %}{% block content %}<p>[{{ no_such_value }}]'
        '[{{ page.no_such.field }}]</p>{% endblock %}')
    path = tmp_path / "report.html"
    write_report_html({}, {}, path, templates_dir=clinic)
    assert "<p>[][]</p>" in path.read_text()


def test_bad_template_folders_are_one_line_errors(tmp_path):
    missing = tmp_path / "no-such-folder"
    with pytest.raises(ParameterError, match="no-such-folder does not exist") as err:
        write_report_html({}, {}, tmp_path / "r.html", templates_dir=missing)
    assert "\n" not in str(err.value)
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    (clinic / "design.html").write_text('{% extends "base.html" %}\n{% block content %}\n'
                                        '{% if %}\n{% endblock %}\n')
    with pytest.raises(ParameterError, match=r"design\.html, line 3") as err:
        write_report_html({}, {}, tmp_path / "r.html", templates_dir=clinic)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "r.html").exists()


def test_a_language_catalogue_and_the_text_direction(tmp_path, monkeypatch):
    po = tmp_path / "ur" / "LC_MESSAGES" / "prosthetics.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Signature"\nmsgstr "دستخط"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    templating._environment.cache_clear()
    try:
        assert i18n.direction("ur") == "rtl" and i18n.direction("en") == "ltr"
        assert i18n.format_number(1234.5, 1, "ur") == "1234.5"        # Western digits
        assert i18n.format_number(45818, 0, "ur") == "45,818"
        path = tmp_path / "r.html"
        write_report_html({"input": {"scan_id": "S-0A1B2C3D"}}, {}, path, lang="ur")
        page = path.read_text(encoding="utf-8")
        assert '<html lang="ur" dir="rtl">' in page and "دستخط" in page
        with pytest.raises(ParameterError, match="no report language 'xx'"):
            write_report_html({}, {}, path, lang="xx")
    finally:
        i18n.translations.cache_clear()
        templating._environment.cache_clear()
