"""The report's pictures in the page's language: their words from the reports' catalogue,
set in an Arabic-script font for Urdu, values and the screen's left and right kept in place."""

from __future__ import annotations

import trimesh

from prosthetics.reports import pictures
from prosthetics.reports.i18n import gettext_for


def _drawn(monkeypatch, draw):
    """Every text of the figures ``draw()`` renders, with its font family."""
    seen = []
    real = pictures.png_bytes

    def keep(fig):
        png = real(fig)
        seen.extend((t.get_text(), t.get_fontfamily()) for t in fig.findobj(pictures.Text)
                    if t.get_text())
        return png

    monkeypatch.setattr(pictures, "png_bytes", keep)
    png = draw()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return seen


def _limb_and_socket():
    limb = trimesh.creation.cylinder(radius=45.0, height=220.0, sections=48)
    limb.apply_translation([0.0, 0.0, 110.0])
    socket = trimesh.creation.annulus(r_min=46.0, r_max=51.0, height=180.0, sections=48)
    socket.apply_translation([0.0, 0.0, 90.0])
    return limb, socket


def test_the_limb_views_speak_urdu_in_an_arabic_script_font(monkeypatch):
    limb, socket = _limb_and_socket()
    ur = gettext_for("ur")
    texts = _drawn(monkeypatch, lambda: pictures.socket_on_limb_png(limb, socket, side="right",
                                                                     lang="ur"))
    words = [t for t, _ in texts]
    for english in ("Anterior (from +Y)", "Lateral (from +X)", "Posterior (from −Y)",
                    "socket", "limb", "z (mm), from distal end"):
        assert ur(english) != english, english            # the catalogue has it
        assert ur(english) in words and english not in words
    assert all(family == pictures.RTL_FONTS for _, family in texts)
    # The label under a view keeps the screen's left and right ends where they are.
    labels = [t for t in words if "x (mm)" in t]
    assert labels and all(t.startswith("\u2066←") and t.endswith("→\u2069") for t in labels)
    assert f"← {ur('lateral')}" in labels[0]            # anterior view: lateral on the left


def test_english_pictures_are_as_before(monkeypatch):
    limb, socket = _limb_and_socket()
    texts = _drawn(monkeypatch, lambda: pictures.socket_on_limb_png(limb, socket, side="left"))
    words = [t for t, _ in texts]
    assert {"Anterior (from +Y)", "Medial (from +X)", "socket", "limb"} <= set(words)
    assert "← medial     x (mm)     lateral →" in words
    assert all(family != pictures.RTL_FONTS for _, family in texts)


def test_a_value_in_an_urdu_legend_stays_left_to_right(monkeypatch):
    ur = gettext_for("ur")
    texts = _drawn(monkeypatch, lambda: pictures.circumference_chart(
        {"circumferences": [{"z_mm": z, "mm": 240.0 + z / 4} for z in range(10, 200, 10)],
         "trim_z_mm": 180.0}, lang="ur"))
    words = [t for t, _ in texts]
    legend = ur("trim line, z = %(z)s") % {"z": "\u2066180 mm\u2069"}
    assert legend in words
    assert ur("Circumference by height") in words


def _trend_entries():
    out = []
    for i, (date, ml) in enumerate((("2026-01-10", 1620.0), ("2026-03-02", 1580.0),
                                    ("2026-05-20", 1555.0))):
        out.append({"scan": f"S{i + 1}", "date": date, "volume_ml": ml, "volume_level": "common",
                    "common_z_mm": 180.0, "circumferences": [
                        {"z_mm": float(z), "mm": 250.0 + 0.3 * z - 5 * i} for z in range(20, 200, 20)]})
    out.append({"scan": "S4", "date": "2026-07-01", "volume_ml": 1400.0,
                "volume_level": "own rim", "volume_top_z_mm": 160.0, "circumferences": []})
    return out


def test_the_case_trend_chart_speaks_urdu_and_keeps_scans_and_numbers():
    from matplotlib.figure import Figure

    from prosthetics.cases.record import draw_trends, trend_chart_png

    ur = gettext_for("ur")
    fig = Figure()
    draw_trends(fig, _trend_entries(), highlight="S3", lang="ur")   # as the window draws it
    texts = [(t.get_text(), t.get_fontfamily()) for t in fig.findobj(pictures.Text)
             if t.get_text()]
    words = [t for t, _ in texts]
    for english in ("Circumference by height", "circumference (mm)", "limb volume (ml)",
                    "z above the distal end (mm)"):
        assert ur(english) != english and ur(english) in words and english not in words
    level = ur("Volume below %(level)s (common level)") % {"level": "\u2066z = 180 mm\u2069"}
    assert level in words
    assert "S1\n2026-01-10" in words and "S3 2026-05-20" in words       # scan IDs and dates
    assert ur("own rim z %(z)s") % {"z": "\u2066160\u2069"} in " ".join(words)
    assert all(family == pictures.RTL_FONTS for _, family in texts)
    # four scans: the labels under the volumes are set at a slant so the dates stay apart
    assert all(label.get_rotation() == 30 for label in fig.axes[0].get_xticklabels())
    en = Figure()
    draw_trends(en, _trend_entries())
    assert "Volume below z = 180 mm (common level)" in [t.get_text() for t in en.findobj(
        pictures.Text)]
    assert trend_chart_png(_trend_entries(), lang="ur")[:4] == b"\x89PNG"
