"""The core's most frequent warnings in the page's language.

The core writes its warnings in English, and ``report.json`` keeps them so (the file is a
contract).  A page in another language translates, when it is made, the warnings an
ordinary scan gives: each known warning is matched as a whole by a pattern whose named
groups are its values, and shown as a catalogue message (marked with
:func:`~prosthetics.reports.i18n.N_`) with those values in its ``%(name)s`` places.  The
numbers are kept as the core wrote them; setting names, material names and numbers with
their units are kept left to right.  A warning no pattern knows, or one whose words the
catalogue lacks, stays English.

A warning made with :meth:`prosthetics.errors.Message.of` carries its catalogue message and
values itself: it is shown through them, before any pattern is tried.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from prosthetics.errors import Message
from prosthetics.reports.i18n import N_, base_language, rtl

if TYPE_CHECKING:
    from prosthetics.reports.context import Fmt

__all__ = ["translate_warning"]

_NUM = r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?"

#: Where the anterior guess came from (``prosthetics.limb.align``).
_SOURCES = (N_("the fitted shape model of the limb's anatomy"),
            N_("limb templates fitted to the limb's shape"), N_("the shape of the sections"))
#: Why a limb template cannot tell the side, by whose shape it is.
_SIDE_NOTES = {"a thigh's": N_("(a thigh's shape does not tell its side: this assumes a "
                               "%(side)s leg)"),
               "the leg's": N_("(the leg's shape does not tell its side: this assumes a "
                               "%(side)s leg)")}
_SIDE_NOTE = re.compile(r"(?P<source>.+?) \((?P<whose>a thigh's|the leg's) shape does not tell "
                        r"its side: this assumes a (?P<side>left|right) leg\)")


class _Untranslated(Exception):
    """The catalogue lacks a message of the warning: it stays English."""


def _tr(f: Fmt, msgid: str, **values: str) -> str:
    """``msgid`` in ``f``'s language with ``values``; :class:`_Untranslated` if it lacks."""
    if f.gettext(msgid) == msgid:
        raise _Untranslated(msgid)
    return f.gettext(msgid, **values)


def _source(text: str, f: Fmt) -> str | None:
    """The anterior guess's source in the page's language; None when it is not known."""
    note = ""
    if (m := _SIDE_NOTE.fullmatch(text)) is not None:
        text = m["source"]
        note = " " + _tr(f, _SIDE_NOTES[m["whose"]], side=f.side(m["side"]))
    if text not in _SOURCES:
        return None
    return _tr(f, text) + note


def _anterior(m: re.Match, f: Fmt) -> str | None:
    source = _source(m["source"], f)
    if source is None:
        return None
    return _tr(f, N_("anterior (%(axis)s) is an automatic guess from %(source)s; check it "
                        "in the pictures and set %(setting)s if it is off"),
                     axis=f.iso("+Y"), source=source, setting=f.iso("anterior_rotation_deg"))


def _wall_below(m: re.Match, f: Fmt) -> str:
    return _tr(f, N_("%(setting)s is below the %(need)s that lasted a year in %(material)s; "
                        "use %(need)s for an active user"),
                     setting=f.iso(f"wall_thickness_mm = {m['wall']}"),
                     need=f.iso(f"{m['need']} mm"), material=f.iso(m["material"]))


def _wall_failed(m: re.Match, f: Fmt) -> str:
    return _tr(f, N_("%(setting)s: FDM socket walls of %(failed)s failed in active users "
                        "(patellar tendon, popliteal area); %(good)s walls lasted a year"),
                     setting=f.iso(f"wall_thickness_mm = {m['wall']}"),
                     failed=f.iso(f"{m['failed']} mm"), good=f.iso(f"{m['good']} mm"))


def _distal_wall(m: re.Match, f: Fmt) -> str:
    return _tr(f, N_("%(setting)s is below %(need)s; most FDM socket failures are at the "
                        "distal end and the adapter"),
                     setting=f.iso(f"distal_wall_thickness_mm = {m['distal']}"),
                     need=f.iso(f"{m['need']} mm"))


def _trim_band(m: re.Match, f: Fmt) -> str:
    return _tr(f, N_("trim line %(band)s thick: a band of about %(good)s (%(setting)s) cut "
                        "the stress there by about a quarter"),
                     band=f.iso(f"{m['band']} mm"), good=f.iso(f"{m['good']} mm"),
                     setting=f.iso("trim_band_thickness_mm"))


def _touching(m: re.Match, f: Fmt) -> str:
    return _tr(f, N_("a hand or an object touching the limb was taken off (%(points)s points, "
                        "%(span)s above the distal end); the skin under it is bridged from "
                        "around it: check the limb's shape there, or scan again without "
                        "touching the part to be fitted"),
               points=f.iso(m["points"]), span=f.iso(f"{m['lo']}-{m['hi']} mm"))


def _knee_out(m: re.Match, f: Fmt) -> str:
    return _tr(f, N_("the knee is not in the scan (its top, %(rim)s, is below mid-patella at "
                        "about %(z)s): the anterior trim is %(below)s under the scan's top; set "
                        "%(setting)s if the socket should reach higher"),
               rim=f.iso(f"{m['rim']} mm"), z=f.iso(f"{m['z']} mm"),
               below=f.iso(f"{m['below']} mm"), setting=f.iso("trim_height_mm"))


def _trim_over_top(m: re.Match, f: Fmt) -> str:
    return _tr(f, N_("the anterior trim %(above)s above the MPT (%(z)s) is above the top of the "
                        "scan (%(rim)s): trimmed %(below)s under the scan's top instead"),
               above=f.iso(f"{m['above']} mm"), z=f.iso(f"{m['z']} mm"),
               rim=f.iso(f"{m['rim']} mm"), below=f.iso(f"{m['below']} mm"))


def _thin_wall(m: re.Match, f: Fmt) -> str:
    return _tr(f, N_("thinnest wall measured %(wall)s, below the %(asked)s asked"),
               wall=f.iso(f"{m['wall']} mm"), asked=f.iso(f"{m['asked']} mm"))


#: A limb's kind in the templates' warnings.
_LIMB_WORDS = {"leg": N_("leg"), "arm": N_("arm")}


def _other_side(m: re.Match, f: Fmt) -> str:
    return _tr(f, N_("the limb's shape fits a %(other)s %(limb)s better than a %(side)s one "
                        "(template fit %(fit_other)s against %(fit)s): set %(setting)s if it is "
                        "a %(other)s %(limb)s"),
               other=f.side(m["other"]), side=f.side(m["side"]),
               limb=_tr(f, _LIMB_WORDS[m["limb"]]),
               fit_other=f.iso(f"{m['fit_other']} mm"), fit=f.iso(f"{m['fit']} mm"),
               setting=f.iso(f"limb_side={m['other']}"))


def _templates_poor(m: re.Match, f: Fmt) -> str:
    return _tr(f, N_("the limb templates fit this limb poorly (mean distance %(mean)s, rival "
                        "turn ratio %(ratio)s): anterior is guessed from the sections' shape "
                        "instead; check it"),
               mean=f.iso(f"{m['mean']} mm"), ratio=f.iso(m["ratio"]))


#: The known warnings: the whole English text (``prosthetics.limb.align``,
#: ``prosthetics.sockets.strength``, ``prosthetics.scan.clean``,
#: ``prosthetics.sockets.transtibial``, ``prosthetics.design.session``) and what makes it in the page's language.
_KNOWN: tuple[tuple[re.Pattern, Callable[[re.Match, Fmt], str | None]], ...] = (
    (re.compile(r"anterior \(\+Y\) is an automatic guess from (?P<source>.+); check it in the "
                r"pictures and set anterior_rotation_deg if it is off"), _anterior),
    (re.compile(rf"wall_thickness_mm = (?P<wall>{_NUM}) is below the (?P<need>{_NUM}) mm that "
                r"lasted a year in (?P<material>.+?); use (?P=need) mm for an active user"),
     _wall_below),
    (re.compile(rf"wall_thickness_mm = (?P<wall>{_NUM}): FDM socket walls of (?P<failed>{_NUM}) "
                r"mm failed in active users \(patellar tendon, popliteal area\); "
                rf"(?P<good>{_NUM}) mm walls lasted a year"), _wall_failed),
    (re.compile(rf"distal_wall_thickness_mm = (?P<distal>{_NUM}) is below (?P<need>{_NUM}) mm; "
                r"most FDM socket failures are at the distal end and the adapter"),
     _distal_wall),
    (re.compile(rf"trim line (?P<band>{_NUM}) mm thick: a band of about (?P<good>{_NUM}) mm "
                r"\(trim_band_thickness_mm\) cut the stress there by about a quarter"),
     _trim_band),
    (re.compile(r"a hand or an object touching the limb was taken off \((?P<points>\d+) points, "
                r"(?P<lo>\d+)-(?P<hi>\d+) mm above the distal end\); the skin under it is "
                r"bridged from around it: check the limb's shape there, or scan again without "
                r"touching the part to be fitted"), _touching),
    (re.compile(rf"the knee is not in the scan \(its top, (?P<rim>{_NUM}) mm, is below "
                rf"mid-patella at about (?P<z>{_NUM}) mm\): the anterior trim is "
                rf"(?P<below>{_NUM}) mm under the scan's top; set trim_height_mm if the socket "
                r"should reach higher"), _knee_out),
    (re.compile(rf"the anterior trim (?P<above>{_NUM}) mm above the MPT \((?P<z>{_NUM}) mm\) "
                rf"is above the top of the scan \((?P<rim>{_NUM}) mm\): trimmed "
                rf"(?P<below>{_NUM}) mm under the scan's top instead"), _trim_over_top),
    (re.compile(rf"thinnest wall measured (?P<wall>{_NUM}|None) mm, below the "
                rf"(?P<asked>{_NUM}) mm asked"), _thin_wall),
    (re.compile(rf"the limb's shape fits a (?P<other>left|right) (?P<limb>leg|arm) better than "
                rf"a (?P<side>left|right) one \(template fit (?P<fit_other>{_NUM}) mm against "
                rf"(?P<fit>{_NUM}) mm\): set limb_side=(?P=other) if it is a (?P=other) "
                r"(?P=limb)"), _other_side),
    (re.compile(rf"the limb templates fit this limb poorly \(mean distance (?P<mean>{_NUM}) mm, "
                rf"rival turn ratio (?P<ratio>{_NUM})\): anterior is guessed from the "
                r"sections' shape instead; check it"), _templates_poor),
)


def translate_warning(text: str, f: Fmt) -> str:
    """``text``, a warning the core wrote, in ``f``'s language when it carries its catalogue
    message (a :class:`~prosthetics.errors.Message`) or is a known one whose words the
    catalogue has (on a right-to-left page isolated right to left, as it stands in
    a left-to-right list); otherwise ``text`` as it is."""
    if base_language(f.lang) == "en":
        return text
    if isinstance(text, Message) and text.msgid is not None \
            and f.gettext(text.msgid) != text.msgid:    # else: the patterns, or English
        out = text.translated(f.gettext, f.iso)
        if out != str(text):
            return rtl(out) if f.rtl else out
    for pattern, make in _KNOWN:
        if (m := pattern.fullmatch(text)) is None:
            continue
        try:
            out = make(m, f)
        except _Untranslated:
            return text
        if out is None:
            return text
        return rtl(out) if f.rtl else out
    return text
