"""What the report templates are given: ``report.json`` (a dict, any key may be missing)
turned into plain lists and dicts of text, numbers already formatted for the language.

A table row is a dict with ``label``, ``value`` and ``unit`` (and ``ok``: True, False or None
for a check, ``note`` for a remark in small print).  Labels are English, marked with
:func:`~prosthetics.reports.i18n.N_` for extraction; the templates translate them.  The
phrases a value is written in ("12.0 mm anterior, 8.0 mm posterior") are translated here
(:meth:`Fmt.gettext`, ``%(name)s`` placeholders, so a language may put the words in its own order);
what the core says in words (a warning, a cleaning step's detail, the slicer's message, a
print orientation's reason) is translated when it carries its catalogue message (the core's
:class:`~prosthetics.errors.Message`, as a design's report is made in one process), otherwise
it stays as written (from a ``report.json`` read back, or a message the catalogue lacks).  On a right-to-left page a number with its unit
is a left-to-right isolate (U+2066 ... U+2069), so "12.0 mm" never reads "mm 12.0".  A value
that was chosen automatically prints as the value and "(auto)"; a missing one as "—".

Lengths in millimetres, volumes in millilitres, areas in cm², angles in degrees, times in
seconds.  The limb frame: +Z proximal, the distal end at z = 0, +Y anterior.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np

from prosthetics.errors import Message, ParameterError
from prosthetics.limb.landmarks import LANDMARK_WORDS, TRIM_WORDS
from prosthetics.reports.i18n import N_, direction, format_number, gettext_for, ltr
from prosthetics.reports.warnings_i18n import translate_warning

__all__ = ["MISSING", "AUTO", "Fmt", "as_number", "header", "parameter_rows",
           "pipeline_rows", "check_rows", "rectification", "measurements", "output_rows",
           "timing_rows", "input_context", "warnings", "pictures", "design_context",
           "insole_context", "compare_context", "picture_uri"]

#: What a missing value shows as.
MISSING = "—"
#: What follows a value chosen automatically.
AUTO = N_("(auto)")
#: The direction of what the core writes in words (warnings, cleaning steps): English, so
#: it stays left to right on a right-to-left page (``core_dir`` of every page's context).
CORE_DIR = "ltr"
#: Units as printed, by the unit a parameter records.
_UNIT_TEXT = {"deg": "°", "percent": "%"}

#: Words the pages print through the catalogue that are written elsewhere: the report's
#: kind, where a scan date came from, the landmarks' and the trim points' names
#: (:data:`~prosthetics.limb.landmarks.LANDMARK_WORDS`, ``TRIM_WORDS``).
_ELSEWHERE = (
    N_("transtibial socket"), N_("transradial socket"), N_("transfemoral socket"),
    N_("insole"), N_("scan comparison"), N_("design"), N_("left"), N_("right"),
    N_("the scan file's modification date (UTC)"),
    N_("distal end"), N_("distal tibia"), N_("tibial crest (distal)"),
    N_("tibial crest (proximal)"), N_("mid-patellar tendon"), N_("popliteal fossa"),
    N_("fibular head"), N_("medial tibial flare"), N_("lateral tibial flare"),
    N_("anterior brim"), N_("medial wing"), N_("lateral wing"), N_("posterior cut"),
)
#: The sides a parameter names, translated where a value is one.
_SIDES = ("left", "right")
#: The processing groups' titles, by group.
_GROUP_TITLES = {"clean": N_("cleaning"), "align": N_("alignment"),
                 "measure": N_("measuring"), "export": N_("export")}
#: The stages of the timings, by their key in ``timings_s``.
_STAGE_WORDS = {"load": N_("load"), "clean": N_("clean"), "align": N_("align"),
                "measure": N_("measure"), "template": N_("template"), "check": N_("check"),
                "export": N_("export"), "slice": N_("slice"), "report": N_("report"),
                "foot": N_("foot"), "pdf": N_("PDF")}

#: The cleaning steps' names (``prosthetics.scan.clean``, ``prosthetics.insoles.foot``); a
#: step's ``detail`` stays in the core's English.
_CLEAN_STEPS = frozenset((
    N_("inspect mesh"), N_("keep mesh"), N_("downsample"), N_("stray points"), N_("floor"),
    N_("furniture"), N_("keep limb"), N_("proximal cut"), N_("touching objects"),
    N_("reconstruct"), N_("hole fill"), N_("decimate"), N_("keep foot"), N_("frame")))


def as_number(value: Any) -> float | None:
    """``value`` as a finite float, or None (bools are not numbers here)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _dict(obj: Any, key: str) -> dict:
    v = obj.get(key) if isinstance(obj, dict) else None
    return v if isinstance(v, dict) else {}


def _list(obj: Any, key: str) -> list:
    v = obj.get(key) if isinstance(obj, dict) else None
    return v if isinstance(v, list) else []


class Fmt:
    """Numbers and values as text for one language (Babel, Western digits)."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang
        self.rtl = direction(lang) == "rtl"
        try:
            self._gettext = gettext_for(lang)
        except ParameterError:      # no catalogue: the writer says so; the words stay English
            self._gettext = str
        #: What follows a value chosen automatically, in the page's language.
        self.auto = self.gettext(AUTO)

    def gettext(self, text: str, **values: Any) -> str:
        """``text`` in the page's language, ``values`` put in its ``%(name)s`` places (the
        name is gettext's, so Babel collects the text into the catalogue)."""
        if not text:
            return text
        out = self._gettext(text)
        return out % values if values else out

    def iso(self, text: str) -> str:
        """``text`` (a number and its unit) kept left to right on a right-to-left page."""
        return ltr(text) if self.rtl and text and text != MISSING else text

    def words(self, value: Any) -> str:
        """What the core wrote in words (English: a reason, a way up, a taper), kept in one
        left-to-right piece when it stands in a right-to-left phrase; "—" when missing."""
        return self.iso(self.text(value))

    def num(self, value: Any, digits: int = 1, unit: str = "") -> str:
        """``value`` with ``digits`` decimals and ``unit``; "—" when missing."""
        return self.iso(self._num(value, digits, unit))

    def _num(self, value: Any, digits: int = 1, unit: str = "") -> str:
        f = as_number(value)
        if f is None:
            if isinstance(value, (list, tuple)) and value:
                return " × ".join(self._num(v, digits) for v in value) + (f" {unit}" if unit
                                                                           else "")
            if isinstance(value, bool):
                return self.gettext("yes") if value else self.gettext("no")
            return MISSING if value in (None, "") else str(value)
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            digits = 0
        text = format_number(f, digits, self.lang)
        return f"{text}{unit}" if unit == "°" else f"{text} {unit}".strip()

    def signed(self, value: Any, digits: int = 1, unit: str = "") -> str:
        f = as_number(value)
        if f is None:
            return MISSING
        text = self._num(abs(f), digits, unit)
        return self.iso(("+" if f >= 0 else "-") + text)

    def value(self, value: Any, unit: str = "") -> str:
        """A parameter's value: numbers to 4 significant figures, enums and text as given."""
        if isinstance(value, bool):
            return self.gettext("yes") if value else self.gettext("no")
        f = as_number(value)
        if f is not None:
            if isinstance(value, (int, np.integer)):
                return self.num(value, 0, unit)
            digits = max(0, min(3, 3 - int(math.floor(math.log10(abs(f))))) if f else 0)
            text = format_number(f, digits, self.lang)
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            return self.iso(f"{text} {unit}".strip())
        if isinstance(value, (list, tuple)):
            return ", ".join(self.value(v) for v in value) + (f" {unit}" if unit else "")
        if value is None or value == "":
            return MISSING
        return " / ".join(str(value).replace("_", " ").splitlines())

    def side(self, value: Any) -> str:
        """A parameter's value, a side (left, right) in the page's language."""
        if isinstance(value, str) and value in _SIDES:
            return self.gettext(value)
        return self.value(value)

    def text(self, value: Any) -> str:
        return MISSING if value in (None, "") else str(value)


def core_words(value: Any, f: Fmt) -> tuple[str, str]:
    """What the core wrote in words (a cleaning step's detail...) and its direction: in
    ``f``'s language when it carries its catalogue message (a
    :class:`~prosthetics.errors.Message`, as a design's report is made) and the catalogue
    has it, with the page's direction (""); otherwise as written, left to right
    (:data:`CORE_DIR`); "—" when missing."""
    if isinstance(value, Message) and value.msgid is not None:
        out = value.translated(f.gettext, f.iso)
        if out != str(value):
            return out, ""
    return f.text(value), CORE_DIR


def row(label: str, value: str, unit: str = "", **extra) -> dict:
    return {"label": label, "value": value, "unit": unit, **extra}


# -- the page's header -------------------------------------------------------------------
def header(report: dict, kind: str, f: Fmt) -> dict:
    """Title, case or scan ID, clinic, clinician, scan date, program version, created."""
    report = report if isinstance(report, dict) else {}
    case = report.get("case")
    scan_id = _dict(report, "input").get("scan_id")
    rec = _dict(report, "record")
    tool = _dict(report, "tool")
    if isinstance(case, str) and case:
        ident, ident_label = case, N_("Case")
    elif isinstance(scan_id, str) and scan_id:
        ident, ident_label = scan_id, N_("Scan")
    else:
        ident, ident_label = "", N_("Scan")
    return {
        "kind": kind,
        "ident": ident,
        "ident_label": ident_label,
        "scan_id": scan_id or "",
        "clinic": rec.get("clinic") or "",
        "clinician": rec.get("clinician") or "",
        "scan_date": rec.get("scan_date") or "",
        "scan_date_source": rec.get("scan_date_source") or "",
        "version": " ".join(str(t) for t in (tool.get("name") or "prosthetics",
                                             tool.get("version")) if t),
        "created": str(report.get("created_utc") or ""),
        "schema": str(report.get("schema") or ""),
    }


# -- parameters --------------------------------------------------------------------------
def _unit(name: str, units: dict) -> str:
    unit = units.get(name)
    if unit is None:
        for suffix, u in (("_mm", "mm"), ("_percent", "%"), ("_deg", "deg"), ("_ml", "ml"),
                          ("_s", "s")):
            if name.endswith(suffix):
                unit = u
                break
    return _UNIT_TEXT.get(unit or "", unit or "")


def _label(name: str, labels: dict) -> str:
    if isinstance(labels.get(name), str) and labels[name]:
        return labels[name]
    words = name
    for suffix in ("_mm", "_deg", "_percent", "_ml"):
        if words.endswith(suffix):
            words = words[: -len(suffix)]
    return words.replace("_", " ").capitalize()


def _zones(params: dict) -> list[str]:
    return [k[: -len("_depth_mm")] for k in params if k.endswith("_depth_mm")
            and f"{k[: -len('_depth_mm')]}_size_mm" in params]


def unused_parameters(params: dict) -> set[str]:
    """The parameters the design did not use: those of a feature that is off (the label,
    ventilation holes, a zone of depth 0, a collar or lock not fitted) or overruled (the
    trim's fallbacks when its height is given)."""
    out: set[str] = set()

    def drop(prefix: str, keep: tuple[str, ...] = ()) -> None:
        out.update(k for k in params if k.startswith(prefix) and k not in keep)

    if params.get("label") is False:
        drop("label_")
    if params.get("fenestration_count") == 0:
        drop("fenestration_", keep=("fenestration_count",))
    zones = _zones(params)
    active = [z for z in zones if as_number(params.get(f"{z}_depth_mm"))]
    for z in zones:
        if z not in active:
            out.update({f"{z}_depth_mm", f"{z}_size_mm"})
    if zones and not active:
        out.add("zone_falloff_mm")
    mount = params.get("adapter_mount")
    if mount is not None and mount != "collar":
        drop("adapter_collar_")
    if mount == "collar":
        out.update(k for k in params if k.startswith("adapter_") and not k.startswith(
            ("adapter_collar_", "adapter_mount", "adapter_rotation")))
    if params.get("adapter_shuttle_lock") is False:
        drop("adapter_lock_")
    if "adapter_insert_diameter_mm" in params and not as_number(
            params.get("adapter_insert_diameter_mm")):
        out.add("adapter_insert_depth_mm")
    if as_number(params.get("trim_height_mm")) is not None:
        out.update({"trim_above_mpt_mm", "trim_below_scan_top_mm"})
    if not as_number(params.get("met_pad_height_mm")) and "met_pad_height_mm" in params:
        drop("met_pad_", keep=("met_pad_height_mm",))
    if params.get("shoe_size") is None and "shoe_size_system" in params:
        out.add("shoe_size_system")
    return out


def _auto_values(report: dict) -> dict[str, tuple[Any, int]]:
    """What was chosen for parameters left to the program: name -> (value, decimals)."""
    sock = _dict(report, "socket")
    label = _dict(sock, "label")
    marks = _dict(_dict(report, "rectification"), "landmarks")
    mpt = _dict(marks, "points_mm").get("mid_patellar_tendon")
    out: dict[str, tuple[Any, int]] = {
        "trim_height_mm": (sock.get("trim_anterior_z_mm"), 1),
        "label_angle_deg": (label.get("angle_deg"), 0),
        "label_z_mm": (label.get("centre_z_mm"), 1),
        "label_case_id": (label.get("text"), 0),
    }
    if isinstance(mpt, list) and len(mpt) == 3:
        out["mpt_height_mm"] = (mpt[2], 1)
    side = _dict(report, "insole").get("side") or _dict(report, "foot").get("insole_side")
    if side:
        out["side"] = (side, 0)
    return out


def _param_rows(params: dict, units: dict, labels: dict, auto: dict, f: Fmt,
                skip: set[str]) -> list[dict]:
    rows = []
    for name, value in params.items():
        if name in skip:
            continue
        unit = _unit(name, units)
        is_auto = value is None or value == "" or (isinstance(value, str)
                                                    and value.lower() == "auto")
        if is_auto:
            chosen, digits = auto.get(name, (None, 0))
            if chosen in (None, ""):
                text = f.auto
            elif as_number(chosen) is not None:
                text = f"{f.num(chosen, digits)} {f.auto}"
            else:
                text = f"{f.side(chosen)} {f.auto}"
        else:
            text = f.side(value)
        rows.append(row(_label(name, labels), text, unit if text != f.auto else "",
                        name=name, auto=is_auto))
    return rows


def parameter_rows(report: dict, f: Fmt) -> list[dict]:
    """The template's parameters that were used, with their clinical labels and units."""
    tpl = _dict(report, "template")
    params = _dict(tpl, "parameters")
    return _param_rows(params, _dict(tpl, "units"), _dict(tpl, "labels"),
                       _auto_values(report), f, unused_parameters(params))


def pipeline_rows(report: dict, f: Fmt) -> list[dict]:
    """The processing parameters (cleaning, alignment, measuring, export), by group."""
    tpl = _dict(report, "template")
    labels = _dict(tpl, "labels")
    groups = _dict(tpl, "pipeline_parameters")
    align = _dict(report, "alignment")
    auto = {"anterior_rotation_deg": (align.get("anterior_guess_deg"), 1)}
    out = []
    for group, params in groups.items():
        if not isinstance(params, dict) or not params:
            continue
        skip = {"auto_anterior"}
        rows = _param_rows(params, {}, labels, auto, f, skip)
        if group == "align" and align.get("anterior_source") == "automatic guess":
            for r in rows:
                if r["name"] == "anterior_rotation_deg":
                    r["value"] = (f"{f.num(align.get('anterior_guess_deg'), 1, '°')} {f.auto}"
                                  + (f" + {r['value']}" if as_number(
                                      params.get("anterior_rotation_deg")) else ""))
                    r["unit"] = ""
        out.append({"group": group, "title": f.gettext(_GROUP_TITLES.get(group, group)),
                    "rows": rows})
    return out


# -- checks ------------------------------------------------------------------------------
def _orientation(report: dict, f: Fmt) -> dict | None:
    part = report.get("socket") or report.get("insole") or {}
    po = part.get("print_orientation") if isinstance(part, dict) else None
    if not isinstance(po, dict):
        return None
    way = f.iso(f"{f.text(po.get('description'))}: {f.text(po.get('reason'))}")
    value = f.gettext("%(way)s; build height %(height)s, %(contact)s on the bed, support "
                      "about %(support)s", way=way, height=f.num(po.get("height_mm"), 0, "mm"),
                      contact=f.num(po.get("bed_contact_cm2"), 0, "cm²"),
                      support=f.num(po.get("support_ml"), 0, "ml"))
    alts = [a for a in po.get("alternatives") or [] if isinstance(a, dict)]
    ways = []
    for a in alts:
        way = f.gettext("%(way)s %(support)s of support", way=f.words(a.get("description")),
                        support=f.num(a.get("support_ml"), 0, "ml"))
        if not a.get("fits_printer"):
            way += " " + f.gettext("(does not fit)")
        ways.append(way)
    note = f.gettext("Compared: %(ways)s", ways="; ".join(ways)) if ways else ""
    return row(N_("Print orientation"), value, note=note)


def _slicer(checks: dict, f: Fmt) -> dict:
    sl = _dict(checks, "slicer")
    if sl.get("ran") and sl.get("ok") is not None:
        result = f.gettext("sliced OK") if sl.get("ok") else f.gettext("slicing failed")
        value = f.gettext("%(result)s: %(slicer)s, filament %(filament)s, print time %(time)s",
                          result=result,
                          slicer=f.words(sl.get("slicer")),
                          filament=f.num(sl.get("filament_g"), 1, "g"),
                          time=f.iso(f.text(sl.get("print_time_text"))))
        return row(N_("Slicer"), value, ok=bool(sl.get("ok")), note=sl.get("message") or "")
    reason = sl.get("message") or sl.get("reason") or ""
    reason = core_words(reason, f)[0] if reason else ""
    return row(N_("Slicer"), f.gettext("not run") if sl.get("status") != "running"
               else f.gettext("running"), note=reason)


def check_rows(report: dict, f: Fmt) -> list[dict]:
    """The socket's checks: solid, wall, printer fit, orientation, slicer."""
    checks = _dict(report, "checks")
    rows = [row(N_("Watertight"), f.num(checks.get("watertight")), ok=checks.get("watertight")),
            row(N_("Bodies"), f.num(checks.get("bodies"), 0),
                ok=None if checks.get("bodies") is None else checks.get("bodies") == 1),
            row(N_("Volume positive"), f.num(checks.get("volume_positive")),
                ok=checks.get("volume_positive"))]
    if "min_wall_mm" in checks or "wall_required_mm" in checks:
        rows.append(row(N_("Minimum wall"),
                        f.gettext("%(wall)s (required ≥ %(required)s)",
                                  wall=f.num(checks.get("min_wall_mm"), 2, "mm"),
                                  required=f.num(checks.get("wall_required_mm"), 2, "mm")),
                        ok=checks.get("wall_ok")))
    stl = _dict(checks, "stl_file")
    if stl:
        state = f.gettext("watertight") if stl.get("watertight") else f.gettext("not watertight")
        rows.append(row(N_("STL file read back"),
                        f"{state}, {f.num(stl.get('volume_ml'), 1, 'ml')}",
                        ok=stl.get("watertight")))
    pr = _dict(checks, "printer")
    if pr:
        detail = [f.gettext("printer %(name)s", name=f.text(pr.get("printer"))),
                  f.gettext("bed %(size)s", size=f.num(pr.get("bed_mm"), 0, "mm")),
                  f.gettext("part %(size)s", size=f.num(pr.get("part_mm"), 0, "mm"))]
        if as_number(pr.get("rotation_deg")):
            detail.append(f.gettext("turned %(angle)s",
                                    angle=f.num(pr.get("rotation_deg"), 0, "°")))
        fits = f.gettext("fits") if pr.get("fits") else f.gettext("does not fit")
        rows.append(row(N_("Printer"), fits + ": "
                        + ", ".join(detail), ok=pr.get("fits"), note=pr.get("reason") or ""))
    if (o := _orientation(report, f)) is not None:
        rows.append(o)
    rows.append(_slicer(checks, f))
    return rows


# -- rectification -----------------------------------------------------------------------
def rectification(report: dict, f: Fmt) -> dict:
    """What the rectification did: reduction, zones, landmarks and where each came from,
    trim points and strokes set by hand, the volume change in % and sock plies."""
    rec = _dict(report, "rectification")
    if not rec:
        return {"present": False}
    glob = _dict(rec, "global")
    vol = _dict(rec, "volume_below_trim_ml")
    change = as_number(rec.get("volume_change_percent"))
    plies = as_number(rec.get("sock_ply_equivalent"))
    sock = _dict(report, "socket")
    rows = [row(N_("Reduction"), f.gettext("%(reduction)s of the cross-section area, %(taper)s",
                                           reduction=f.num(glob.get("reduction_percent"), 1, "%"),
                                           taper=f.words(glob.get("taper")))),
            row(N_("Liner / clearance"), f.num(glob.get("liner_offset_mm"), 1, "mm")),
            row(N_("Trim line"), f.gettext("%(anterior)s anterior, %(posterior)s posterior "
                                           "(above the distal end)",
                                           anterior=f.num(sock.get("trim_anterior_z_mm"), 1, "mm"),
                                           posterior=f.num(sock.get("trim_lowest_z_mm"), 1, "mm")))
            if sock else None,
            _brim_row(_dict(sock, "brim"), f),
            row(N_("Cavity volume below the trim line"),
                f.gettext("%(cavity)s against the limb's %(limb)s",
                          cavity=f.num(vol.get("cavity"), 1, "ml"),
                          limb=f.num(vol.get("limb"), 1, "ml"))),
            row(N_("Volume change"), MISSING if change is None else
                f.gettext("%(change)s (%(plies)s sock plies)", change=f.signed(change, 1, "%"),
                          plies=f.signed(plies, 1)))]
    zones = [{"zone": str(z.get("zone", "")).replace("_", " "), "kind": f.text(z.get("kind")),
              "depth": f.num(z.get("depth_mm"), 1, "mm"), "size": f.num(z.get("size_mm"), 0, "mm"),
              "falloff": f.num(z.get("falloff_mm"), 0, "mm"),
              "over": ", ".join(f.gettext(LANDMARK_WORDS.get(n, n))
                                for n in z.get("landmarks") or [])}
             for z in _list(rec, "zones") if isinstance(z, dict)]
    marks = _dict(rec, "landmarks")
    hand = _dict(rec, "hand")
    points = _dict(marks, "points_mm")
    source = _dict(marks, "source")
    confirmed = set(marks.get("confirmed") or []) | set(hand.get("confirmed") or [])
    moved = set(_dict(hand, "landmarks"))

    def origin(name: str) -> str:
        if name in moved:
            return f.gettext("placed by hand")
        return f.words(source.get(name)) + " · " + (f.gettext("confirmed by a person")
                                                    if name in confirmed else f.gettext("a guess"))

    landmarks = [{"name": f.gettext(LANDMARK_WORDS.get(k, k.replace("_", " "))),
                  "xyz": [f.num(c, 1) for c in (v if isinstance(v, list) else [])],
                  "origin": origin(k)} for k, v in points.items()]
    trim = [{"name": f.gettext(TRIM_WORDS.get(k, k.replace("_", " "))),
             "xyz": [f.num(c, 1) for c in v]}
            for k, v in _dict(hand, "trim_points").items() if isinstance(v, list)]
    words = [s for s in hand.get("strokes_described") or [] if isinstance(s, str)]
    strokes = []
    for i, s in enumerate(_list(hand, "strokes") or [{}] * len(words), 1):
        s = s if isinstance(s, dict) else {}
        strokes.append({"n": i, "text": words[i - 1] if i <= len(words) else f.text(s.get("kind")),
                        "xyz": [f.num(c, 1) for c in s.get("centre_mm") or []]})
    protect = len(hand.get("protect") or [])
    return {"present": True, "rows": [r for r in rows if r is not None], "zones": zones,
            "side": f.gettext(f.text(marks.get("side"))), "landmarks": landmarks, "trim": trim,
            "strokes": strokes, "protect": protect,
            "by_hand": bool(trim or strokes or protect or moved)}


def _brim_row(brim: dict, f: Fmt) -> dict | None:
    """The brim's height at each trim control point and where it came from."""
    parts = [f.gettext("%(point)s %(height)s (%(source)s)",
                       point=f.gettext(TRIM_WORDS.get(k, k.replace("_", " "))),
                       height=f.num(v.get("z_mm"), 1, "mm"), source=f.words(v.get("from")))
             for k, v in brim.items() if isinstance(v, dict)]
    return row(N_("Brim heights"), "; ".join(parts)) if parts else None


# -- measurements ------------------------------------------------------------------------
def measurements(report: dict, f: Fmt) -> dict:
    """Length, volume, trim, holes; the table by level (z, circumference, AP, ML, socket)."""
    meas = _dict(report, "measurements")
    sock = _dict(report, "socket")
    vol = f.num(meas.get("volume_ml"), 1, "ml")
    rows = [row(N_("Length"), f.num(meas.get("length_mm"), 1, "mm")),
            row(N_("Volume"), vol, note=(
                f.gettext("up to %(level)s",
                          level=f.iso("z = " + f.num(meas.get("volume_top_z_mm"), 0, "mm")))
                if as_number(meas.get("volume_top_z_mm")) is not None else ""))]
    if sock:
        rows += [row(N_("Trim height"),
                     f.gettext("%(anterior)s anterior, %(posterior)s posterior",
                               anterior=f.num(sock.get("trim_anterior_z_mm"), 1, "mm"),
                               posterior=f.num(sock.get("trim_lowest_z_mm"), 1, "mm"))),
                 row(N_("Limb volume below the posterior trim"),
                     f.num(sock.get("limb_volume_below_trim_ml"), 1, "ml")),
                 row(N_("Socket inner volume below it"),
                     f.num(sock.get("inner_volume_below_trim_ml"), 1, "ml"))]
        fen = sock.get("fenestrations")
        if isinstance(fen, dict):
            rows.append(row(N_("Ventilation holes"),
                            f.gettext("%(placed)s of %(asked)s asked, %(diameter)s; open %(area)s "
                                      "(%(fraction)s of the wall)",
                                      placed=f.num(fen.get("placed"), 0),
                                      asked=f.num(fen.get("asked"), 0),
                                      diameter=f.num(fen.get("diameter_mm"), 1, "mm"),
                                      area=f.num(fen.get("open_area_cm2"), 1, "cm²"),
                                      fraction=f.num(fen.get("open_fraction_percent"), 1, "%"))))
    levels: dict[float, dict[str, Any]] = {}

    def put(items: list, fields: dict[str, str]) -> None:
        for it in items:
            z = as_number(it.get("z_mm")) if isinstance(it, dict) else None
            if z is not None:
                r = levels.setdefault(round(z, 3), {})
                for src, dst in fields.items():
                    r[dst] = it.get(src)

    put(_list(meas, "circumferences"), {"mm": "c"})
    put(_list(meas, "widths"), {"ap_mm": "ap", "ml_mm": "ml"})
    put(_list(meas, "tape_circumferences"), {"tape_mm": "tape"})
    put(_list(sock, "inner_circumferences"), {"mm": "si"})
    has_si = any("si" in r for r in levels.values())
    has_tape = any("tape" in r for r in levels.values())
    level_rows = [{"z": f.num(z, 0), "c": f.num(r.get("c"), 1), "tape": f.num(r.get("tape"), 1),
                   "ap": f.num(r.get("ap"), 1), "ml": f.num(r.get("ml"), 1),
                   "si": f.num(r.get("si"), 1)} for z, r in sorted(levels.items())]
    return {"rows": rows, "levels": level_rows, "has_si": has_si, "has_tape": has_tape}


# -- outputs, timings, input, warnings ---------------------------------------------------
def output_rows(report: dict, f: Fmt) -> list[dict]:
    out = []
    for o in _list(report, "outputs"):
        if not isinstance(o, dict):
            continue
        size = as_number(o.get("bytes"))
        out.append({"path": str(o.get("path") or MISSING).replace("\\", "/").split("/")[-1],
                    "format": f.text(o.get("format")), "frame": f.text(o.get("frame")),
                    "triangles": f.num(o.get("triangles"), 0),
                    "volume": f.num(o.get("volume_ml"), 1),
                    "size": f.num(size / 1e6 if size is not None else None, 2)})
    return out


def timing_rows(report: dict, f: Fmt) -> dict:
    """Seconds per stage and the total: the recorded total when there is one (never added
    to the stages again), else their sum."""
    tim = _dict(report, "timings_s")
    stages = [{"stage": f.gettext(_STAGE_WORDS[k]) if k in _STAGE_WORDS else k, "s": f.num(v, 2)}
              for k, v in tim.items() if k != "total"]
    total = as_number(tim.get("total"))
    if total is None:
        total = sum(v for v in (as_number(x) for x in tim.values()) if v is not None)
    return {"rows": stages, "total": f.num(total, 2) if tim else MISSING}


def input_context(report: dict, f: Fmt) -> dict:
    """The scan (anonymous ID, hash, units, points), its cleaning and the alignment."""
    inp = _dict(report, "input")
    sha = inp.get("sha256")
    units = f.text(inp.get("units"))
    if inp.get("units_source"):
        units += " " + f.gettext("(decided by %(source)s)", source=f.words(inp["units_source"]))
    kind = inp.get("is_mesh")
    rows = [row(N_("Scan"), f.text(inp.get("scan_id")), mono=True)]
    if inp.get("path"):
        rows.append(row(N_("File in the case"), str(inp["path"]), mono=True))
    rows += [row(N_("SHA-256"), (sha[:12] + "…") if isinstance(sha, str) and sha else MISSING,
                 mono=True),
             row(N_("Units"), units),
             row(N_("Points"), f.num(inp.get("point_count"), 0)),
             row(N_("Type"), MISSING if kind is None else (f.gettext("mesh") if kind
                                                           else f.gettext("point cloud")))]
    cleaning = _dict(report, "cleaning")
    steps = []
    for s in _list(cleaning, "steps"):
        if not isinstance(s, dict):
            continue
        known = s.get("step") in _CLEAN_STEPS
        detail, detail_dir = core_words(s.get("detail"), f)
        steps.append({"step": f.gettext(s["step"]) if known else f.text(s.get("step")),
                      "step_dir": "" if known else CORE_DIR, "removed": f.num(s.get("removed"), 0),
                      "kept": f.num(s.get("kept"), 0), "detail": detail,
                      "detail_dir": detail_dir})
    align = _dict(report, "alignment")
    align_rows = []
    if align:
        rot = f.num(align.get("anterior_rotation_deg"), 1, "°")
        if align.get("anterior_source") == "automatic guess":
            rot = f"{f.num(align.get('anterior_guess_deg'), 1, '°')} {f.auto}" + (
                " + " + f.gettext("%(angle)s by hand", angle=rot)
                if as_number(align.get("anterior_rotation_deg")) else "")
        axis = align.get("axis") or align.get("axis_dir_scan")
        align_rows = [row(N_("Anterior rotation"), rot),
                      row(N_("Long axis (scan frame)"),
                          f.iso(", ".join(f"{as_number(a):.3f}" if as_number(a) is not None
                                          else MISSING for a in axis))
                          if isinstance(axis, list) and axis else MISSING)]
    transform = ""
    try:
        arr = np.asarray(report.get("transform_scan_to_design"), dtype=float)
        if arr.shape == (4, 4):
            transform = "\n".join(" ".join(f"{v:10.4f}" for v in r) for r in arr)
    except (TypeError, ValueError):
        pass
    return {"rows": rows, "cleaning": steps,
            "cleaning_rows": [row(N_("Surface reconstructed"), f.num(cleaning.get("reconstructed"))),
                              row(N_("Triangles after cleaning"),
                                  f.num(cleaning.get("triangles"), 0))] if cleaning else [],
            "alignment": align_rows, "transform": transform}


def warnings(report: dict, f: Fmt | None = None) -> list[str]:
    """The report's warnings; with ``f``, the known ones in its language
    (:mod:`prosthetics.reports.warnings_i18n`), the others in the core's English."""
    w = report.get("warnings") if isinstance(report, dict) else None
    out = [str(x) for x in w if x not in (None, "")] if isinstance(w, list) else []
    return [translate_warning(x, f) for x in out] if f is not None else out


# -- pictures ----------------------------------------------------------------------------
_CAPTIONS = {
    "socket_on_limb": N_("Socket (blue-grey) on the limb (skin colour): anterior, lateral or "
                         "medial and posterior views, orthographic, mm, with a 50 mm scale "
                         "bar."),
    "sections": N_("Sagittal and coronal sections through the limb axis; socket wall hatched."),
    "on_the_bed": N_("The part as it prints, on the printer's bed (views along the bed's axes,"
                     " mm): overhangs the slicer supports in orange; the dashed line is the "
                     "printer's build height."),
    "anatomy": N_("The bones of the statistical shape model (OpenLimbTT) fitted to the scanned"
                  " skin, with the bony landmarks the design uses and the socket's brim "
                  "(solid on the near side, dashed on the far side). A suggestion to check, "
                  "not a measurement of this limb's bones."),
    "circumferences": N_("Circumference of the limb (and of the socket's inner surface) by "
                         "height above the distal end."),
    "insole": N_("The insole, coloured by its height above the plantar plane (mm), and from "
                 "the medial side with the scanned foot."),
    "outline_on_footprint": N_("The insole outline over the plantar height map of the scanned "
                               "foot (mm)."),
    "deviation": N_("Deviation of scan B from scan A (mm): blue where B lies outside A."),
    "scan_and_socket": N_("The limb as scanned (skin colour, after cleaning and alignment) "
                          "with the socket of this revision: anterior, lateral or medial and "
                          "posterior views, mm."),
    "trends": N_("Limb volume below the common level and circumference profile of every scan "
                 "of the case up to this revision; this revision's scan drawn bold."),
}


def _mime(data: bytes) -> str:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data.lstrip()[:5] in (b"<?xml", b"<svg "):
        return "image/svg+xml"
    return "application/octet-stream"


def picture_uri(data: bytes) -> str:
    """Image bytes as a base64 data: URI."""
    return f"data:{_mime(bytes(data))};base64,{base64.b64encode(bytes(data)).decode('ascii')}"


def pictures(pics: dict, order: tuple[str, ...] = ("socket_on_limb", "sections", "anatomy"),
             skip: tuple[str, ...] = ()) -> dict[str, dict]:
    """Pictures by name: ``{"src": data URI, "caption": ..., "key": ...}``, in page order."""
    pics = pics if isinstance(pics, dict) else {}
    keys = [k for k in order if k in pics] + [k for k in pics if k not in order]
    return {k: {"key": k, "src": picture_uri(pics[k]),
                "caption": _CAPTIONS.get(k, str(k).replace("_", " "))}
            for k in keys if k not in skip and isinstance(pics[k], (bytes, bytearray))
            and pics[k]}


# -- whole pages -------------------------------------------------------------------------
def _template_names(report: dict, f: Fmt) -> list[dict]:
    tpl = _dict(report, "template")
    return [row(N_("Template"), f.gettext(f.text(tpl.get("label") or tpl.get("name")))),
            row(N_("Preset"), f.text(tpl.get("preset")))]


def design_context(report: dict, pics: dict, lang: str = "en") -> dict:
    """Everything ``design.html`` shows."""
    report = report if isinstance(report, dict) else {}
    f = Fmt(lang)
    kind = str(report.get("kind") or "socket").replace("_", " ")
    return {"page": header(report, kind, f), "warnings": warnings(report, f),
            "core_dir": CORE_DIR,
            "pictures": pictures(pics), "measurements": measurements(report, f),
            "rectification": rectification(report, f),
            "template": _template_names(report, f),
            "parameters": parameter_rows(report, f), "pipeline": pipeline_rows(report, f),
            "checks": check_rows(report, f), "files": output_rows(report, f),
            "input": input_context(report, f), "timings": timing_rows(report, f),
            "report": report}


def insole_context(report: dict, pics: dict, lang: str = "en") -> dict:
    """Everything ``insole.html`` shows."""
    report = report if isinstance(report, dict) else {}
    f = Fmt(lang)
    m = _dict(report, "measurements")
    lm = _dict(report, "landmarks")
    foot = _dict(report, "foot")
    meas_rows = [row(N_("Foot length"), f.num(m.get("foot_length_mm"), 1, "mm")),
                 row(N_("Ball width"), f.num(m.get("ball_width_mm"), 1, "mm")),
                 row(N_("Heel width"), f.num(m.get("heel_width_mm"), 1, "mm")),
                 row(N_("Arch height"), f.num(m.get("arch_height_mm"), 1, "mm")),
                 row(N_("Metatarsal heads at"),
                     f.iso(f"x = {f.num(lm.get('met_heads_x_mm'), 1, 'mm')}")),
                 row(N_("Scanned foot"), f.gettext(f.text(foot.get("scanned_side"))),
                     note=foot.get("side_source") or "")]
    c = _dict(report, "checks")
    meas = _dict(_dict(report, "insole"), "measured")
    tp = _dict(_dict(report, "template"), "parameters")
    length = f.num(c.get("length_mm"), 2, "mm")
    ok = None
    if as_number(c.get("length_expected_mm")) is not None and as_number(c.get("length_mm")):
        ok = abs(c["length_mm"] - c["length_expected_mm"]) <= 2.0
        length += " " + f.gettext("(foot + margin = %(length)s)",
                                  length=f.num(c["length_expected_mm"], 2, "mm"))
    tvp = _dict(meas, "top_vs_plantar_mm")
    top = (f.gettext("mean %(mean)s, 95 %% %(p95)s, max %(max)s over %(area)s",
                     mean=f.num(tvp.get("mean"), 2, "mm"), p95=f.num(tvp.get("p95"), 2, "mm"),
                     max=f.num(tvp.get("max"), 2, "mm"),
                     area=f.num(meas.get("contact_area_cm2"), 0, "cm²"))
           if tvp else f.gettext("not measured (arch fill or pad set)"))

    def against(measured: str, given: str) -> str:
        return f.gettext("%(measured)s (set %(given)s)", measured=measured, given=given)

    checks = [row(N_("Watertight"), f.num(c.get("watertight")), ok=c.get("watertight")),
              row(N_("Bodies"), f.num(c.get("bodies"), 0),
                  ok=None if c.get("bodies") is None else c.get("bodies") == 1),
              row(N_("Volume"), f.num(c.get("volume_ml"), 1, "ml")),
              row(N_("Length"), length, ok=ok),
              row(N_("Top against the plantar surface"), top),
              row(N_("Heel cup depth"), against(f.num(meas.get("heel_cup_depth_mm"), 2, "mm"),
                                                f.num(tp.get("heel_cup_depth_mm"), 1, "mm"))),
              row(N_("Rearfoot posting"), against(f.num(meas.get("rearfoot_posting_deg"), 2, "°"),
                                                  f.num(tp.get("rearfoot_posting_deg"), 1, "°"))),
              row(N_("Forefoot posting"), against(f.num(meas.get("forefoot_posting_deg"), 2, "°"),
                                                  f.num(tp.get("forefoot_posting_deg"), 1, "°")))]
    pr = _dict(c, "printer")
    if pr:
        fits = f.gettext("fits") if pr.get("fits") else f.gettext("does not fit")
        checks.append(row(N_("Printer"), fits + ": "
                          + f.text(pr.get("printer")), ok=pr.get("fits")))
    if (o := _orientation(report, f)) is not None:
        checks.append(o)
    checks.append(_slicer(c, f))
    return {"page": header(report, "insole", f), "warnings": warnings(report, f),
            "core_dir": CORE_DIR,
            "pictures": pictures(pics, order=("insole", "outline_on_footprint")),
            "measurements": meas_rows, "template": _template_names(report, f),
            "parameters": parameter_rows(report, f), "pipeline": pipeline_rows(report, f),
            "checks": checks, "files": output_rows(report, f),
            "input": input_context(report, f), "timings": timing_rows(report, f),
            "report": report}


def compare_context(r: dict, png: bytes | None, lang: str = "en") -> dict:
    """Everything ``compare.html`` shows, from ``compare.json``."""
    f = Fmt(lang)
    dev = _dict(r, "deviation_mm")
    reg = _dict(r, "registration")
    change = _dict(reg, "uniform_change_mm")
    fitted = ("; " + f.gettext("fitted uniform change %(normals)s along the skin's normals and "
                               "%(axis)s away from the axis, B's distal end %(rise)s along the "
                               "axis from A's",
                               normals=f.signed(change.get("along_normals"), 2, "mm"),
                               axis=f.signed(change.get("away_from_axis"), 2, "mm"),
                               rise=f.signed(reg.get("distal_end_rise_mm"), 2, "mm"))
              if change else "")
    distal = ("" if dev.get("distal_mean") is None else
              ", " + f.gettext("at the distal end (within %(within)s of it) %(mean)s",
                               within=f.num(dev.get("distal_within_mm"), 0, "mm"),
                               mean=f.signed(dev.get("distal_mean"), 2, "mm")))
    a, b = _dict(r, "a"), _dict(r, "b")
    rows = [row(N_("Scan A"), f.text(a.get("scan_id")), mono=True),
            row(N_("Scan B"), f.text(b.get("scan_id")), mono=True),
            row(N_("Common level"), f.gettext("%(level)s above each limb's distal end",
                                              level=f.iso("z = " + f.num(r.get("common_top_z_mm"),
                                                                         0, "mm")))),
            row(N_("Volume A below the level"), f.num(r.get("volume_a_ml"), 1, "ml")),
            row(N_("Volume B below the level"), f.num(r.get("volume_b_ml"), 1, "ml")),
            row(N_("Volume change"), f.gettext("%(change)s (%(percent)s, %(plies)s sock plies)",
                                         change=f.signed(r.get("volume_change_ml"), 1, "ml"),
                                         percent=f.signed(r.get("volume_change_percent"), 2, "%"),
                                         plies=f.signed(r.get("sock_ply_equivalent"), 2))),
            row(N_("Deviation of B from A"),
                f.gettext("mean %(mean)s, 95th percentile of |d| %(p95)s, range %(min)s to %(max)s",
                          mean=f.signed(dev.get("mean"), 2, "mm"),
                          p95=f.num(dev.get("p95"), 2, "mm"),
                          min=f.signed(dev.get("min"), 2), max=f.signed(dev.get("max"), 2, "mm"))
                + distal),
            row(N_("Registration"), f"{f.words(reg.get('method'))}{fitted}"),
            row(N_("Registration residual"),
                f.gettext("%(rms)s RMS", rms=f.num(reg.get("residual_rms_mm"), 2, "mm")),
                note=reg.get("residual_measures") or "")]
    levels = [{"z": f.num(c.get("z_mm"), 0), "a": f.num(c.get("a_mm"), 1),
               "b": f.num(c.get("b_mm"), 1), "change": f.signed(c.get("change_mm"), 1),
               "a_tape": f.num(c.get("a_tape_mm"), 1), "b_tape": f.num(c.get("b_tape_mm"), 1),
               "tape_change": f.signed(c.get("tape_change_mm"), 1)}
              for c in _list(r, "circumferences") if isinstance(c, dict)]
    report = {"case": r.get("case"), "input": {"scan_id": f"{a.get('scan_id') or '?'} / "
                                                         f"{b.get('scan_id') or '?'}"},
              "record": r.get("record"), "tool": r.get("tool"), "created_utc": r.get("created_utc"),
              "schema": r.get("schema")}
    return {"page": header(report, "scan comparison", f), "rows": rows, "levels": levels,
            "pictures": pictures({"deviation": png} if png else {}), "warnings": warnings(r, f),
            "core_dir": CORE_DIR,
            "report": r}
