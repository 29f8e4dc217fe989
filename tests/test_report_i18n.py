"""The reports and the command line's result lines in Urdu: the catalogue is complete and its
placeholders match, an Urdu page is right to left and names the scan, and ``--lang ur``
prints the result lines in Urdu."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from prosthetics.limb.landmarks import LANDMARK_WORDS, TRIM_WORDS
from prosthetics.reports import i18n, templating
from prosthetics.reports.context import Fmt, design_context
from prosthetics.reports.warnings_i18n import translate_warning

from .conftest import SAMPLE

ROOT = Path(__file__).resolve().parent.parent
UR_PO = i18n.LOCALE_DIR / "ur" / "LC_MESSAGES" / "prosthetics.po"
RECORD = {"clinic": "Mayo Hospital P&O workshop", "clinician": "A. Khan",
          "scan_date": "2026-11-20"}
#: ``%(name)s`` (and the like) and ``{name}``: what a translation must keep as it is.
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdifr]|\{[A-Za-z_]\w*\}")


def _catalogue():
    with open(UR_PO, "rb") as fh:
        return read_po(fh, locale="ur", domain=i18n.DOMAIN)


def _extracted() -> dict[tuple[str, str | None], str]:
    """Every message of the templates and the Python modules (babel.cfg's method map, the
    ``N_`` keyword and the parameters' labels), by (msgid, context): where it is."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(ROOT / "babel.cfg"))
    found: dict[tuple[str, str | None], str] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords={**DEFAULT_KEYWORDS, "N_": None}):
        msgid = message[0] if isinstance(message, (tuple, list)) else message
        if msgid:
            found.setdefault((msgid, context), f"{filename}:{lineno}")
    return found


@pytest.fixture(autouse=True)
def _fresh_catalogues():
    """The shipped catalogues, never one another test put in place."""
    i18n.translations.cache_clear()
    templating._environment.cache_clear()
    yield
    i18n.translations.cache_clear()
    templating._environment.cache_clear()


# -- (a) the catalogue ----------------------------------------------------------------------
def test_every_message_has_an_urdu_translation():
    catalog = _catalogue()
    extracted = _extracted()
    assert len(extracted) > 300                     # the templates, the labels, the CLI lines
    lacking = []
    for (msgid, context), where in sorted(extracted.items()):
        message = catalog.get(msgid, context=context)
        if message is None:
            lacking.append(f"{where}: {msgid!r} is not in {UR_PO.name}")
        elif not message.string or not str(message.string).strip():
            lacking.append(f"{where}: {msgid!r} has no translation")
        elif message.fuzzy:
            lacking.append(f"{where}: {msgid!r} is marked fuzzy")
    assert not lacking, "\n".join(lacking)


def test_the_urdu_catalogue_keeps_every_placeholder():
    wrong = []
    for message in _catalogue():
        if not message.id or not message.string:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text)):
                wrong.append(f"{msgid!r}: {sorted(PLACEHOLDER.findall(msgid))} != "
                             f"{sorted(PLACEHOLDER.findall(text))} in {text!r}")
            elif "%" in msgid and "parameter help" not in message.auto_comments:
                # formatted with %: it must still format (a parameter's help is shown as it
                # is, "45 % of the trim height")
                names = dict.fromkeys(re.findall(r"%\((\w+)\)", msgid), "x")
                try:
                    text % names
                except (TypeError, ValueError, KeyError) as exc:
                    wrong.append(f"{msgid!r}: {text!r} does not format ({exc})")
    assert not wrong, "\n".join(wrong)


def test_the_urdu_catalogue_header_and_the_words_named_elsewhere():
    catalog = _catalogue()
    assert catalog.num_plurals == 2 and catalog.plural_expr.replace(" ", "") == "(n!=1)"
    assert not catalog.fuzzy
    # Words the pages translate that another module writes: they must be in the catalogue.
    for word in [*LANDMARK_WORDS.values(), *TRIM_WORDS.values()]:
        assert catalog.get(word) is not None and catalog.get(word).string, word
    assert catalog.get("Signature").string == "دستخط"
    assert catalog.get("Checked by").string == "جانچ کنندہ"
    assert catalog.get("Wall thickness").string == "دیوار کی موٹائی"   # a parameter's label


def test_numbers_and_units_stay_left_to_right_on_an_urdu_page():
    ur, en = Fmt("ur"), Fmt("en")
    assert en.num(258.66, 1, "mm") == "258.7 mm"
    assert ur.num(258.66, 1, "mm") == "\u2066258.7 mm\u2069"
    assert ur.signed(-2.34, 1, "%") == "\u2066-2.3 %\u2069"
    assert ur.num(None) == "—" and ur.value(True) == "ہاں" and ur.auto == "(خودکار)"
    assert ur.gettext("%(anterior)s anterior, %(posterior)s posterior",
                      anterior="1", posterior="2") == "اگلا 1، پچھلا 2"


# -- (b) a design report in Urdu -------------------------------------------------------------
@pytest.fixture(scope="module")
def urdu_design(sample_design, tmp_path_factory):
    """The sample design written with its Urdu pages (PDF too)."""
    from prosthetics.design.socket_writer import write_design

    out = tmp_path_factory.mktemp("ur") / "design"
    report = write_design(sample_design, out, record=RECORD, lang="ur",
                          formats=frozenset({"stl"}))
    return out, report


def test_the_urdu_design_report_is_right_to_left_and_names_the_scan(urdu_design):
    out, report = urdu_design
    page = (out / "report.html").read_text(encoding="utf-8")
    scan_id = report["input"]["scan_id"]
    assert '<html lang="ur" dir="rtl">' in page
    assert 'dir="rtl"' in page and 'lang="ur"' in page
    assert "دستخط" in page and "جانچ کنندہ" in page and "منظوری" in page    # the sign-off
    assert scan_id in page and "Mayo Hospital P&amp;O workshop" in page
    assert "دیوار کی موٹائی" in page                       # a parameter's label, translated
    assert "ٹرم لائن" in page and "حجم" in page
    assert "\u2066" in page                                # numbers with units kept LTR
    assert "Signature" not in page and "Checked by" not in page
    # The pictures speak Urdu too: no caption says their words are English.
    assert "تصویر میں لکھی عبارت انگریزی میں ہے" not in page


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_the_urdu_design_pdf_names_the_scan(urdu_design):
    out, report = urdu_design
    assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert report["input"]["scan_id"] in text
    assert "S-" in text and "mm" in text


def test_the_urdu_context_translates_composed_values(sample_design):
    ctx = design_context(sample_design.report, {}, "ur")
    rows = {r["label"]: r["value"] for r in ctx["measurements"]["rows"]}
    assert "اگلا" in rows["Trim height"] and "پچھلا" in rows["Trim height"]
    assert all(g["title"] for g in ctx["pipeline"])
    assert ctx["core_dir"] == "ltr"


def test_the_urdu_design_report_shows_the_usual_warnings_and_cleaning_steps_in_urdu(urdu_design):
    out, report = urdu_design
    page = (out / "report.html").read_text(encoding="utf-8")
    # report.json keeps the core's English (a contract); the page translates.
    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))["warnings"]
    assert any(w.startswith("anterior (+Y) is an automatic guess from") for w in saved)
    wall = next(w for w in saved if w.startswith("wall_thickness_mm = "))
    assert "lasted a year in" in wall
    assert "اگلی سمت" in page and "سے خودکار اندازہ ہے" in page
    assert "\u2066anterior_rotation_deg\u2069 مقرر کریں" in page
    value, need = re.match(r"wall_thickness_mm = (\S+) is below the (\S+) mm", wall).groups()
    assert (f"\u2066wall_thickness_mm = {value}\u2069 اس \u2066{need} mm\u2069 سے کم ہے"
            in page)                                          # the numbers, kept as written
    assert "is an automatic guess" not in page and "lasted a year" not in page
    # The cleaning steps' names in Urdu; their details stay English.
    assert "بکھرے نقاط" in page and "سطح کی تعمیرِ نو" in page
    assert "stray points" not in page


def test_known_warnings_are_translated_with_their_numbers_and_unknown_ones_stay_english():
    ur, en = Fmt("ur"), Fmt("en")
    known = {
        "wall_thickness_mm = 3: FDM socket walls of 3 mm failed in active users (patellar "
        "tendon, popliteal area); 6 mm walls lasted a year": ["wall_thickness_mm = 3", "3 mm",
                                                              "6 mm", "ٹوٹ گئیں"],
        "distal_wall_thickness_mm = 4.5 is below 6 mm; most FDM socket failures are at the "
        "distal end and the adapter": ["distal_wall_thickness_mm = 4.5", "6 mm", "اڈاپٹر"],
        "trim line 5 mm thick: a band of about 7 mm (trim_band_thickness_mm) cut the stress "
        "there by about a quarter": ["5 mm", "7 mm", "ٹرم لائن"],
        "anterior (+Y) is an automatic guess from limb templates fitted to the limb's shape "
        "(a thigh's shape does not tell its side: this assumes a left leg); check it in the "
        "pictures and set anterior_rotation_deg if it is off": ["+Y", "بائیں ٹانگ", "ران"],
    }
    for text, parts in known.items():
        urdu = translate_warning(text, ur)
        assert urdu.startswith("\u2067") and urdu.endswith("\u2069"), urdu
        assert all(f"\u2066{p}\u2069" in urdu or p in urdu for p in parts), urdu
        assert translate_warning(text, en) == text
    for text in ("anterior (+Y) is an automatic guess from a new method; check it in the "
                 "pictures and set anterior_rotation_deg if it is off",
                 "scan has 3 holes larger than 20 mm"):
        assert translate_warning(text, ur) == text


# -- (c) the command line --------------------------------------------------------------------
def test_lang_ur_prints_the_result_lines_in_urdu(sample_design, tmp_path, monkeypatch, capsys):
    import prosthetics.design.session as session
    from prosthetics.cli.main import main

    config = tmp_path / "config.toml"
    config.write_text("[report]\npdf = false\n", encoding="utf-8")
    monkeypatch.setenv("PROSTHETICS_CONFIG", str(config))
    monkeypatch.setattr(session, "run_design", lambda *a, **k: sample_design)
    out = tmp_path / "o"

    rc = main(["design", str(SAMPLE), "--lang", "ur", "--out", str(out), "--set", "slice=false",
               "--format", "stl"])

    captured = capsys.readouterr()
    assert rc == 0, captured.err
    lines = captured.out.splitlines()
    words = [ln.split("  ")[0].strip() for ln in lines]
    assert words[:5] == ["اسکین", "بقیہ عضو", "ساکٹ", "پرنٹر", "سلائسر"], lines
    assert set(words[5:]) == {"لکھی گئی"}, lines
    assert "لمبائی" in lines[1] and "حجم" in lines[1] and "mm" in lines[1]
    assert "مثلث" in lines[2] and "سب سے پتلی دیوار" in lines[2]
    assert any(str(out / "report.html") in ln for ln in lines)
    assert all(ln.startswith("انتباہ") for ln in captured.err.splitlines() if ln)
    assert '<html lang="ur" dir="rtl">' in (out / "report.html").read_text(encoding="utf-8")
