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
