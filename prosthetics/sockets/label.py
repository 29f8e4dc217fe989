"""An embossed label on a socket's outside: case ID, side and date, legible off a 0.4 mm nozzle.

The text is CadQuery's (``Workplane.text``, the system's sans font), tessellated once per
line of text and kept in the per-user geometry cache (:mod:`prosthetics.cache`, keyed by
the text, the font asked for, the fonts installed and the builders' source files: a label
made before imports no CadQuery), then wrapped onto the outer surface: each vertex's
horizontal position becomes an angle around the axis (arc length at the label's radius),
its vertical position a height, and its depth a distance from the surface found by
casting a ray from outside toward the axis.  The letters stand ``label_depth_mm`` proud and reach 1 mm into the wall,
so the union with manifold3d is exact and the wall under them is never thinned (a debossed
label would thin it below the set minimum).

Defaults: 7 mm characters, 1 mm relief.  Below about 6 mm height or 0.8 mm relief the
strokes of a 0.4 mm nozzle run together.

The label is a decoration: a design never fails for its place.  When the asked place (the
lateral side at 45 % of the anterior trim height, or the user's ``label_z_mm`` /
``label_angle_deg``) does not work, :func:`place_label` tries the places round it, nearest
first: cheap ray-cast checks (a wall under the whole block, clear of the trim line, the
distal interface and the ventilation holes, not too steep, fair at a letter's scale) before
each union.  When none works the label is left off with a warning; a place the user set
and not kept is warned about too.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import trimesh

from prosthetics import cache
from prosthetics.errors import N_, GeometryError, Message, ParameterError
from prosthetics.geometry import brep
from prosthetics.geometry.brep import ANGULAR_TOLERANCE_RAD, tessellate
from prosthetics.geometry.meshing import SurfaceQuery, from_manifold, to_manifold
from prosthetics.params import Params, param
from prosthetics.sockets import adapters
from prosthetics.sockets.adapters import CADQUERY_LIBRARIES, TEXT_FONT, TEXT_KIND, text_solid

#: How far the letters reach into the wall below the surface, mm.
EMBED_MM = 1.0
#: The letters are raised with a slant: each mm of relief also rises this much, so the
#: undersides of the strokes slope at atan(1 / 1.2) = 40 degrees from vertical and print
#: without support when the socket stands upright (flat undersides are overhangs a slicer
#: supports with columns from the bed).  The letters' faces keep their shape.
UNDERSIDE_RISE_PER_MM = 1.2


@dataclass(frozen=True, kw_only=True)
class LabelParams(Params):
    """The label on the socket's outside (shared by the socket templates)."""

    label: bool = param(False, label="Label",
                        help="Emboss case ID, side and date on the outside")
    label_case_id: str = param("", label="Case ID",
                               help="Up to 16 letters, digits or '-'; empty: the scan file's "
                                    "name")
    label_date: str = param("", label="Label date", help="YYYY-MM-DD; empty: today")
    label_height_mm: float = param(7.0, label="Label character height", unit="mm",
                                   min=6.0, max=20.0,
                                   help="6 mm is about the smallest legible at a 0.4 mm nozzle")
    label_depth_mm: float = param(1.0, label="Label relief", unit="mm", min=0.8, max=3.0,
                                  help="How far the letters stand out of the wall")
    label_angle_deg: float | None = param(
        None, label="Label direction", unit="deg", min=-180.0, max=180.0,
        help="Direction of the label's centre from +X; empty: the lateral side")
    label_z_mm: float | None = param(
        None, label="Label height", unit="mm", min=15.0, max=800.0,
        help="Height of the label's centre above the distal end; empty: 45 % of the "
             "anterior trim height")


def label_text(case_id: str, side: str, date: str = "") -> str:
    """``"CASE-017 R\n2026-11-21"`` (two lines) from the parts; ParameterError on bad ones."""
    cid = case_id.strip().upper()
    if not cid or len(cid) > 16 or not re.fullmatch(r"[A-Z0-9][A-Z0-9_-]*", cid):
        raise ParameterError.of(N_("%(setting)s: use 1-16 letters, digits, '-' or '_' (the "
                                   "label is printed)"), setting=f"label_case_id = {case_id!r}")
    day = date.strip() or _dt.date.today().isoformat()
    try:
        _dt.date.fromisoformat(day)
    except ValueError:
        raise ParameterError.of(N_("%(setting)s is not a date; write %(form)s"),
                                setting=f"label_date = {date!r}", form="YYYY-MM-DD") from None
    return f"{cid} {side.strip().upper()[:1]}\n{day}"


def case_id_from_name(name: str) -> str:
    """A printable case ID from a file name: letters, digits and '-' only, 16 at most."""
    cid = re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")
    return (cid or "CASE")[:16].rstrip("-")


_TEXT_CACHE: dict = {}
#: The raw text: CadQuery's size and depth, mm, and the tessellation's tolerance, mm.
_TEXT_SIZE_MM, _TEXT_DEPTH_MM, _TEXT_TOLERANCE_MM = 10.0, 1.0, 0.01
#: The code that builds the text's meshes: a change to any of these files is a new cache
#: entry.
TEXT_SOURCES = (__file__, adapters.__file__, brep.__file__)


#: Distance between the lines' centres, in character heights.
LINE_SPACING = 1.6


def text_mesh(text: str) -> trimesh.Trimesh:
    """The text as a closed mesh: x along the lines (centred), y up (cap height 1), z 0..1.

    Lines (``\n``) are stacked, centred on each other, the block centred on y = 0.
    """
    lines = text.split("\n")
    if len(lines) > 1:
        parts = [line_mesh(t) for t in lines]
        for k, part in enumerate(parts):
            part.vertices[:, 1] += LINE_SPACING * (0.5 * (len(lines) - 1) - k)
        return trimesh.util.concatenate(parts)
    return line_mesh(text)


def _font_folders() -> list[Path]:
    """The folders OCC looks for fonts in on this system (fontconfig's defaults on Linux)."""
    if sys.platform == "win32":
        out = [Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"]
        if os.environ.get("LOCALAPPDATA"):
            out.append(Path(os.environ["LOCALAPPDATA"]) / "Microsoft" / "Windows" / "Fonts")
        return out
    try:
        home = Path.home()
    except RuntimeError:          # no home folder: only the system's fonts
        home = None
    if sys.platform == "darwin":
        out = [Path("/System/Library/Fonts"), Path("/Library/Fonts")]
        return out + ([home / "Library" / "Fonts"] if home is not None else [])
    out = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"),
           Path("/usr/X11R6/lib/X11/fonts"), Path("/usr/lib/X11/fonts")]
    if home is not None:
        xdg = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
        out += [home / ".fonts", xdg / "fonts"]
    return out


@lru_cache(maxsize=1)
def installed_fonts_digest() -> str:
    """A digest of the font files installed (paths, sizes, times): CadQuery's text takes
    the installed font nearest the one asked for, so a font added, removed or updated
    changes the text's shape and its cache key.  A few milliseconds, once per process."""
    h = hashlib.sha256()
    stack = [str(p) for p in reversed(_font_folders())]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        subfolders = []
        for e in entries:
            try:
                if e.is_dir():
                    subfolders.append(e.path)
                    continue
                st = e.stat()
            except OSError:
                continue
            h.update(f"{e.path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        stack.extend(reversed(subfolders))
    return h.hexdigest()


def _raw_line(text: str) -> trimesh.Trimesh:
    """CadQuery's bold text at size 10, 1 deep, tessellated (kept by text in this process
    and in the geometry cache)."""
    if text not in _TEXT_CACHE:
        def build() -> dict[str, trimesh.Trimesh]:
            wp = text_solid(text, _TEXT_SIZE_MM, _TEXT_DEPTH_MM)
            return {"text": tessellate(wp, _TEXT_TOLERANCE_MM, ANGULAR_TOLERANCE_RAD,
                                       what=f"label text {text!r}",
                                       fix="change label_case_id or label_date")}

        meshes, _hit = cache.cached_meshes(
            "label_text", {"text": text, "size_mm": _TEXT_SIZE_MM, "depth_mm": _TEXT_DEPTH_MM,
                           "font": TEXT_FONT, "kind": TEXT_KIND,
                           "tolerance_mm": _TEXT_TOLERANCE_MM,
                           "angle_rad": ANGULAR_TOLERANCE_RAD,
                           "installed_fonts": installed_fonts_digest()},
            build, sources=TEXT_SOURCES, libraries=CADQUERY_LIBRARIES)
        if len(_TEXT_CACHE) > 32:
            _TEXT_CACHE.clear()
        _TEXT_CACHE[text] = meshes["text"]
    return _TEXT_CACHE[text]


def line_mesh(text: str) -> trimesh.Trimesh:
    """One line of text as :func:`text_mesh` describes (a new mesh).

    Scaled by the height of a capital H, so a 6 mm label has 6 mm capitals and digits.
    """
    m = _raw_line(text)
    h_lo, h_hi = _raw_line("H").bounds
    cap = h_hi[1] - h_lo[1]
    lo, hi = m.bounds
    v = m.vertices.copy()
    v[:, 0] = (v[:, 0] - 0.5 * (lo[0] + hi[0])) / cap
    v[:, 1] = (v[:, 1] - 0.5 * (h_lo[1] + h_hi[1])) / cap
    v[:, 2] = (v[:, 2] - lo[2]) / (hi[2] - lo[2])
    return trimesh.Trimesh(v, m.faces.copy(), process=False)


class LabelPlaceError(ParameterError):
    """The label does not fit where it was put (the place, not its text or size).

    ``reason`` is the short phrase that says why ("crosses the trim line"), for warnings.
    """

    def __init__(self, angle_deg: float, centre_z_mm: float, reason: str, fix: str,
                 msgid: str | None = None, **values: object):
        self.reason = reason
        super().__init__(f"the label at {angle_deg:g} deg, {centre_z_mm:.0f} mm {reason}; {fix}")
        if msgid is not None:       # the whole line as a catalogue message (it equals the above)
            texts = {"angle": f"{angle_deg:g}", "z": f"{centre_z_mm:.0f}",
                     **{k: str(v) for k, v in values.items()}}
            if msgid % texts == str(self):
                self.msgid, self.values = msgid, texts


#: What to change when the label's place does not work.
_MOVE_IT = "move it with label_z_mm or label_angle_deg"
#: The letters' block keeps this far below the trim line (the brim's rounding, and the rim
#: the hands hold when the socket is donned), mm.
TRIM_CLEARANCE_MM = 10.0
#: ... this far above the distal interface (its block and fillet), mm ...
DISTAL_CLEARANCE_MM = 5.0
#: ... and this far from a ventilation hole's edge (letters over a bore stand free), mm.
HOLE_CLEARANCE_MM = 3.0
#: A letter's triangles span up to a character's height, and between their corners the
#: letter is flat.  Over such a chord the wall may depart from a straight line by at most
#: this, mm: the letters reach EMBED_MM into the wall and stand at least 0.8 mm proud, so a
#: deeper hollow leaves a stroke floating and a higher bump leaves it flush.  (A socket's
#: outer wall ripples by 0.2-0.6 mm at this scale where it is fair.)
MAX_SAG_MM = 0.8
#: The steepest wall a label goes on, as the radius's change per mm of height (tan 35
#: degrees): the letters are laid along horizontal rays, so on the distal dome's slope
#: they would shear and their undersides overhang.
MAX_SLOPE = 0.7
#: Candidate places: heights this far apart and directions this many degrees apart.
SEARCH_STEP_MM = 6.0
SEARCH_STEP_DEG = 15.0
#: Unions tried at most before the label is left off (each 0.05-0.4 s): the cheap checks
#: have passed by then, so a union fails only by chance (a letter's corner on the wall's
#: edge) and the next place almost always works.
MAX_UNIONS = 8
#: A coordinate the user set weighs this much more than a free one when the other places
#: are ranked by their distance from the asked one.
SET_WEIGHT = 3.0


@dataclass(frozen=True, kw_only=True)
class LabelWall:
    """Where on a socket's outer wall the label may go (limb frame, mm).

    Attributes
    ----------
    trim_z : (cols,) float, mm
        Trim height per direction, columns at equal angles from +X.
    floor_z_mm : float
        Top of the distal interface (its block and fillet).
    hole_centres : (k, 3) float, mm
        Where the ventilation holes' axes meet the cavity; (0, 3) without holes.
    hole_radius_mm : float
        The holes' radius.
    """

    trim_z: np.ndarray
    floor_z_mm: float
    hole_centres: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    hole_radius_mm: float = 0.0


class _Wrap:
    """One label's text laid on one mesh's outside, shared by the checks, the letters and
    the union (the ray-casting scene and the mesh's manifold are made once).

    Each text vertex's horizontal position becomes an angle (arc length at the radius of
    the label's centre), its vertical position a height, its depth a distance from the wall
    along a horizontal ray toward the axis.
    """

    def __init__(self, mesh: trimesh.Trimesh, text: str, height_mm: float, depth_mm: float):
        self.mesh, self.text = mesh, text
        self.height_mm, self.depth_mm = float(height_mm), float(depth_mm)
        self.unit = text_mesh(text)
        self.query = SurfaceQuery(mesh)
        self.far = float(np.linalg.norm(mesh.bounds, axis=1).max()) + 50.0
        u = self.unit.vertices[:, 0] * self.height_mm
        self.width_mm = float(u.max() - u.min())
        lo, hi = self.unit.bounds
        #: The text block's bottom and top on the wall, from the centre, mm.
        self.v_mm = (float(lo[1]) * self.height_mm, float(hi[1]) * self.height_mm)
        #: The letters' solid reaches lower and higher: their roots sink EMBED_MM into the
        #: wall and their faces rise with the slant, mm.
        self.solid_v_mm = (self.v_mm[0] - UNDERSIDE_RISE_PER_MM * EMBED_MM,
                           self.v_mm[1] + UNDERSIDE_RISE_PER_MM * self.depth_mm)
        self._body = None

    def radius(self, theta: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Distance (n,) from the axis to the first wall a horizontal ray from outside meets
        at directions ``theta`` (n,) rad and heights ``z`` (n,) mm; inf where none, negative
        where the ray crosses the axis first (an open side: it meets the far wall)."""
        d = np.column_stack([np.cos(theta), np.sin(theta), np.zeros_like(theta)])
        o = self.far * d
        o[:, 2] = z
        return self.far - self.query.cast(o, -d)

    def letters(self, angle_deg: float, centre_z_mm: float) -> trimesh.Trimesh:
        """The letters (a closed mesh) with their centre at ``angle_deg``, ``centre_z_mm``.

        Raises LabelPlaceError when a ray finds no wall, or the line spans more than half
        way round.
        """
        t = self.unit
        a0 = np.radians(angle_deg)
        r0 = float(self.radius(np.array([a0]), np.array([centre_z_mm]))[0])
        if not np.isfinite(r0) or r0 <= 0.0:
            raise LabelPlaceError(angle_deg, centre_z_mm, "finds no wall",
                                  "set label_z_mm below the trim line",
                                  N_("the label at %(angle)s deg, %(z)s mm finds no wall; set "
                                     "label_z_mm below the trim line"))
        if self.width_mm > np.pi * r0:
            raise LabelPlaceError(angle_deg, centre_z_mm,
                                  f"is {self.width_mm:.0f} mm long, over half way round the "
                                  f"socket there", "shorten label_case_id or lower "
                                  "label_height_mm",
                                  N_("the label at %(angle)s deg, %(z)s mm is %(length)s mm "
                                     "long, over half way round the socket there; shorten "
                                     "label_case_id or lower label_height_mm"),
                                  length=f"{self.width_mm:.0f}")
        u = t.vertices[:, 0] * self.height_mm
        theta = a0 + u / r0
        z = centre_z_mm + t.vertices[:, 1] * self.height_mm
        r = self.radius(theta, z)
        if not np.all(np.isfinite(r)):
            raise LabelPlaceError(angle_deg, centre_z_mm, "falls off the socket", _MOVE_IT,
                                  N_("the label at %(angle)s deg, %(z)s mm falls off the "
                                     "socket; move it with label_z_mm or label_angle_deg"))
        out_mm = t.vertices[:, 2] * (EMBED_MM + self.depth_mm) - EMBED_MM   # off the wall, mm
        r = r + out_mm
        v = np.column_stack([r * np.cos(theta), r * np.sin(theta),
                             z + UNDERSIDE_RISE_PER_MM * out_mm])
        return trimesh.Trimesh(v, t.faces, process=False)

    def union(self, letters: trimesh.Trimesh, angle_deg: float,
              centre_z_mm: float) -> trimesh.Trimesh:
        """The mesh with ``letters`` joined (manifold3d); LabelPlaceError unless one closed
        body comes out."""
        if self._body is None:
            self._body = to_manifold(self.mesh)
        body = self._body + to_manifold(letters)
        # The union can leave zero-volume slivers where a letter's face grazes the wall.
        pieces = [pc for pc in body.decompose() if pc.volume() > 1.0]
        if len(pieces) != 1:
            raise LabelPlaceError(angle_deg, centre_z_mm, "does not sit on the wall (a letter "
                                  "stands free over a hollow)", _MOVE_IT,
                                  N_("the label at %(angle)s deg, %(z)s mm does not sit on the "
                                     "wall (a letter stands free over a hollow); move it with "
                                     "label_z_mm or label_angle_deg"))
        out = from_manifold(pieces[0])
        if not out.is_watertight:
            raise LabelPlaceError(angle_deg, centre_z_mm, "crosses a fold of the wall and "
                                  "would not print closed", _MOVE_IT,
                                  N_("the label at %(angle)s deg, %(z)s mm crosses a fold of "
                                     "the wall and would not print closed; move it with "
                                     "label_z_mm or label_angle_deg"))
        return out

    def record(self, angle_deg: float | None, centre_z_mm: float | None) -> dict:
        """The report's record of the label (its place None when it is left off)."""
        return {"text": self.text,
                "angle_deg": None if angle_deg is None else round(float(angle_deg), 2),
                "centre_z_mm": None if centre_z_mm is None else round(float(centre_z_mm), 2),
                "height_mm": self.height_mm, "relief_mm": self.depth_mm,
                "length_mm": round(self.width_mm, 1), "kind": "embossed",
                "underside_slope_deg": round(float(np.degrees(
                    np.arctan(1.0 / UNDERSIDE_RISE_PER_MM))), 1)}

    def screen(self, wall: LabelWall, angle_deg: np.ndarray,
               centre_z_mm: np.ndarray) -> list[str | None]:
        """The cheap checks of places (n,) (deg, mm) before any union: per place None when
        it passes, else why not (a phrase that follows "the label there").

        In order: a wall under the centre; the line under half way round; clear of the trim
        line, the distal interface and the ventilation holes; a wall under the whole block,
        not steeper than MAX_SLOPE and departing from a letter's chord by at most MAX_SAG_MM
        (sampled at half a character's height, both ways).
        """
        n = len(angle_deg)
        a = np.radians(np.asarray(angle_deg, dtype=float))
        zc = np.asarray(centre_z_mm, dtype=float)
        why: list[str | None] = [None] * n

        def flag(mask: np.ndarray, say) -> None:
            for i in np.flatnonzero(mask):
                if why[i] is None:
                    why[i] = say(i)

        r0 = self.radius(a, zc)
        found = np.isfinite(r0) & (r0 > 0.0)
        flag(~found, lambda i: "finds no wall")
        r0 = np.where(found, r0, 1.0)
        flag(self.width_mm > np.pi * r0,
             lambda i: f"is {self.width_mm:.0f} mm long, over half way round the socket there "
                       f"({np.pi * r0[i]:.0f} mm)")
        step = 0.5 * self.height_mm
        us = np.linspace(-0.5, 0.5, int(np.ceil(self.width_mm / step)) + 1) * self.width_mm
        vs = np.linspace(*self.v_mm, int(np.ceil((self.v_mm[1] - self.v_mm[0]) / step)) + 1)
        theta = a[:, None] + us[None] / r0[:, None]                              # (n, nu)
        cols = np.linspace(0.0, 2 * np.pi, len(wall.trim_z), endpoint=False)
        trim = np.interp(np.mod(theta, 2 * np.pi), cols, wall.trim_z, period=2 * np.pi)
        room = trim.min(axis=1) - (zc + self.solid_v_mm[1])
        flag(room < TRIM_CLEARANCE_MM,
             lambda i: "crosses the trim line" if room[i] <= 0 else
             f"comes within {room[i]:.0f} mm of the trim line (keep {TRIM_CLEARANCE_MM:g} mm)")
        floor = wall.floor_z_mm + DISTAL_CLEARANCE_MM
        flag(zc + self.solid_v_mm[0] < floor,
             lambda i: f"runs onto the distal interface (keep above {floor:.0f} mm)")
        if len(wall.hole_centres):
            c = wall.hole_centres
            arc = np.abs(np.angle(np.exp(1j * (np.arctan2(c[:, 1], c[:, 0])[None]
                                               - a[:, None])))) * r0[:, None]    # (n, k)
            dz = np.abs(c[:, 2][None] - (zc[:, None] + 0.5 * sum(self.solid_v_mm)))
            reach = wall.hole_radius_mm + HOLE_CLEARANCE_MM
            over = (arc < 0.5 * self.width_mm + reach) & (
                dz < 0.5 * (self.solid_v_mm[1] - self.solid_v_mm[0]) + reach)
            flag(over.any(axis=1), lambda i: "covers a ventilation hole")
        shape = (n, len(vs), len(us))
        th = np.broadcast_to(theta[:, None, :], shape)
        z = np.broadcast_to(zc[:, None, None] + vs[None, :, None], shape)
        r = self.radius(th.ravel(), z.ravel()).reshape(shape)
        on = np.isfinite(r) & (r > 0.0)
        flag(~on.all(axis=(1, 2)), lambda i: "falls off the socket (over an opening or the "
                                             "brim)")
        r = np.where(on, r, r0[:, None, None])
        slope = (np.abs(np.diff(r, axis=1)) / np.diff(vs)[None, :, None]).max(axis=(1, 2))
        flag(slope > MAX_SLOPE,
             lambda i: f"sits on a wall sloping {np.degrees(np.arctan(slope[i])):.0f} degrees "
                       f"from vertical (at most {np.degrees(np.arctan(MAX_SLOPE)):.0f})")
        sag = np.zeros(n)
        if len(us) > 2:
            sag = np.maximum(sag, 0.5 * np.abs(r[:, :, :-2] - 2 * r[:, :, 1:-1]
                                               + r[:, :, 2:]).max(axis=(1, 2)))
        if len(vs) > 2:
            sag = np.maximum(sag, 0.5 * np.abs(r[:, :-2] - 2 * r[:, 1:-1]
                                               + r[:, 2:]).max(axis=(1, 2)))
        flag(sag > MAX_SAG_MM,
             lambda i: f"sits on an uneven wall (a {sag[i]:.1f} mm hollow or bump under a "
                       f"letter; at most {MAX_SAG_MM:g} mm)")
        return why


def emboss(mesh: trimesh.Trimesh, text: str, *, angle_deg: float, centre_z_mm: float,
           height_mm: float, depth_mm: float) -> tuple[trimesh.Trimesh, dict]:
    """``mesh`` with ``text`` embossed on its outside, wrapped around the z axis, exactly
    where asked (:func:`place_label` looks for a place that works).

    Parameters
    ----------
    mesh
        Closed socket mesh, limb frame, mm.
    text
        One line, or two separated by ``\\n``.
    angle_deg, centre_z_mm
        Where the label's centre goes (direction from +X about z, deg; height, mm).
    height_mm, depth_mm
        Character height and relief, mm.

    Returns
    -------
    The new mesh and a record (text, place, size, width on the surface).

    Raises
    ------
    LabelPlaceError
        When the label does not fit on the outside there (a ray finds no wall, the line
        spans more than half way round, or the union is not one closed body).
    """
    w = _Wrap(mesh, text, height_mm, depth_mm)
    out = w.union(w.letters(angle_deg, centre_z_mm), angle_deg, centre_z_mm)
    return out, w.record(angle_deg, centre_z_mm)


@dataclass(frozen=True, kw_only=True)
class LabelPlacement:
    """Where :func:`place_label` put the label, or that it left it off.

    ``mesh`` is the embossed mesh (None: left off); ``angle_deg``, ``centre_z_mm`` its
    place (None: left off); ``asked_reason`` why the asked place did not work (None: it
    did); ``tried`` the places checked, ``unions`` those embossed and checked.
    """

    mesh: trimesh.Trimesh | None
    record: dict
    angle_deg: float | None
    centre_z_mm: float | None
    asked_reason: str | None
    tried: int
    unions: int


def _candidates(w: _Wrap, wall: LabelWall, angle_deg: float, centre_z_mm: float, *,
                set_angle: bool, set_z: bool) -> tuple[np.ndarray, np.ndarray]:
    """Places (deg (n,), mm (n,)) to try, the asked one first, then the others by their
    distance from it on the wall (a coordinate the user set weighs SET_WEIGHT times more).

    Directions every SEARCH_STEP_DEG all round; heights every SEARCH_STEP_MM through the
    asked one, over the band where the block clears the distal interface and the highest
    trim.
    """
    angles = angle_deg + SEARCH_STEP_DEG * np.arange(-(180 // SEARCH_STEP_DEG) + 1,
                                                     180 // SEARCH_STEP_DEG + 1)
    lo = wall.floor_z_mm + DISTAL_CLEARANCE_MM - w.solid_v_mm[0]
    hi = float(np.max(wall.trim_z)) - TRIM_CLEARANCE_MM - w.solid_v_mm[1]
    k = np.arange(np.ceil((lo - centre_z_mm) / SEARCH_STEP_MM),
                  np.floor((hi - centre_z_mm) / SEARCH_STEP_MM) + 1)
    heights = np.union1d(centre_z_mm + SEARCH_STEP_MM * k, [centre_z_mm])
    a, z = (g.ravel() for g in np.meshgrid(angles, heights, indexing="ij"))
    d_rad = np.abs(np.angle(np.exp(1j * np.radians(a - angle_deg))))
    # Arc lengths at the socket's typical radius.
    radius = 0.25 * float(np.ptp(w.mesh.vertices[:, 0]) + np.ptp(w.mesh.vertices[:, 1]))
    cost = np.hypot((SET_WEIGHT if set_angle else 1.0) * radius * d_rad,
                    (SET_WEIGHT if set_z else 1.0) * np.abs(z - centre_z_mm))
    a = np.where(a == angle_deg, a, (a + 180.0) % 360.0 - 180.0)   # the asked one as asked
    order = np.lexsort((z, a, np.round(cost, 6)))
    return a[order], z[order]


def place_label(mesh: trimesh.Trimesh, text: str, *, angle_deg: float, centre_z_mm: float,
                height_mm: float, depth_mm: float, wall: LabelWall, set_angle: bool = False,
                set_z: bool = False) -> LabelPlacement:
    """Emboss ``text`` at the asked place, or at the nearest place that works, or nowhere.

    Places are tried in the order :func:`_candidates` gives (the asked one first); each
    passes the cheap checks (:meth:`_Wrap.screen`: the wall, the trim line, the distal
    interface, the holes, the wall's slope and evenness) before it is embossed and the
    union checked (one closed body), at most MAX_UNIONS times.

    Parameters
    ----------
    mesh
        Closed socket mesh, limb frame, mm.
    text
        One line, or two separated by ``\\n``.
    angle_deg, centre_z_mm
        The asked place (deg from +X about z; mm above the distal end).
    height_mm, depth_mm
        Character height and relief, mm.
    wall
        Where on the socket the label may go.
    set_angle, set_z
        Whether the user set the direction, the height (the search keeps closer to it).

    Returns
    -------
    LabelPlacement
        Never raises for the place: when nothing works the label is left off.
    """
    w = _Wrap(mesh, text, height_mm, depth_mm)
    angles, heights = _candidates(w, wall, float(angle_deg), float(centre_z_mm),
                                  set_angle=set_angle, set_z=set_z)
    asked_reason, tried, unions = None, 0, 0
    # The asked place alone first (it works in the common case), then in batches.
    bounds = sorted({0, 1, *range(49, len(angles), 48), len(angles)})
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        reasons = w.screen(wall, angles[lo:hi], heights[lo:hi])
        for i, why in enumerate(reasons, start=lo):
            if unions >= MAX_UNIONS:
                break
            if why is None:
                unions += 1
                a, z = float(angles[i]), float(heights[i])
                try:
                    out = w.union(w.letters(a, z), a, z)
                except LabelPlaceError as exc:
                    why = exc.reason
                else:
                    return LabelPlacement(mesh=out, record=w.record(a, z), angle_deg=a,
                                          centre_z_mm=z, asked_reason=asked_reason,
                                          tried=i + 1, unions=unions)
            tried = i + 1
            if i == 0:
                asked_reason = why
        if unions >= MAX_UNIONS:
            break
    return LabelPlacement(mesh=None, record=w.record(None, None), angle_deg=None,
                          centre_z_mm=None, asked_reason=asked_reason, tried=tried,
                          unions=unions)


def apply_label(mesh: trimesh.Trimesh, p: LabelParams, side: str, default_z_mm: float, *,
                wall: LabelWall) -> tuple[trimesh.Trimesh, dict | None, list[str]]:
    """Emboss the label ``p`` asks for (none when ``p.label`` is off); lateral by default.

    ``side`` is "right" or "left": in the limb frame the lateral side of a right limb is +X.
    When the asked place does not work (:func:`place_label`) the label goes to the nearest
    place that does, or is left off; a design never fails for its label's place.

    Returns
    -------
    The mesh (embossed, or as it was), the label's record (None when ``p.label`` is off)
    and warnings (when a place the user set did not work, or the label is left off).

    Raises
    ------
    ParameterError
        Only for the text (``label_case_id``, ``label_date``).
    """
    if not p.label:
        return mesh, None, []
    text, angle, z = _placement(p, side, default_z_mm)
    set_angle, set_z = p.label_angle_deg is not None, p.label_z_mm is not None
    why = _text_fails(text)
    if why is not None:
        # The label is a decoration: without its letters the socket is still the socket.
        record = {"text": text, "placed": False, "moved": False, "places_tried": 0,
                  "asked": {"angle_deg": round(angle, 2), "centre_z_mm": round(z, 2),
                            "set_by_user": set_angle or set_z}, "reason": why}
        return mesh, record, [Message.of(N_("label left off: its letters could not be made "
                                            "(%(why)s); install a font (e.g. the %(package)s "
                                            "package) or set %(setting)s"),
                                         why=why, package="fonts-dejavu",
                                         setting="label = false")]
    found = place_label(mesh, text, angle_deg=angle, centre_z_mm=z, height_mm=p.label_height_mm,
                        depth_mm=p.label_depth_mm, wall=wall, set_angle=set_angle,
                        set_z=set_z)
    moved = found.asked_reason is not None
    record = {**found.record, "placed": found.mesh is not None, "moved": moved,
              "asked": {"angle_deg": round(angle, 2), "centre_z_mm": round(z, 2),
                        "set_by_user": set_angle or set_z},
              "places_tried": found.tried}
    if moved:
        record["asked"]["reason"] = found.asked_reason
    asked = ", ".join([*([f"label_angle_deg = {angle:g}"] if set_angle else []),
                       *([f"label_z_mm = {z:g}"] if set_z else [])])
    warnings = []
    if found.mesh is None:
        names = {"z": "label_z_mm", "angle": "label_angle_deg", "height": "label_height_mm",
                 "case": "label_case_id", "off": "label = false"}
        if set_angle or set_z:
            warnings.append(Message.of(
                N_("label left off: at %(asked)s it %(reason)s, and no place on the outer "
                   "wall where it prints closed (tried %(tried)s places); set %(z)s and "
                   "%(angle)s to place it by hand, lower %(height)s or shorten %(case)s, or "
                   "set %(off)s"),
                asked=asked, reason=found.asked_reason, tried=found.tried, **names))
        else:
            warnings.append(Message.of(
                N_("label left off: no place on the outer wall where it prints closed (tried "
                   "%(tried)s places); at %(place)s it %(reason)s; set %(z)s and %(angle)s to "
                   "place it by hand, lower %(height)s or shorten %(case)s, or set %(off)s"),
                tried=found.tried, place=f"{angle:g} deg, {z:.0f} mm",
                reason=found.asked_reason, **names))
        return mesh, record, warnings
    if moved and (set_angle or set_z):
        warnings.append(Message.of(
            N_("label moved: at %(asked)s it %(reason)s; embossed at %(place)s instead; set "
               "%(z)s and %(angle)s elsewhere to choose the place"),
            asked=asked, reason=found.asked_reason,
            place=f"{found.angle_deg:g} deg, {found.centre_z_mm:.0f} mm",
            z="label_z_mm", angle="label_angle_deg"))
    return found.mesh, record, warnings


def _text_fails(text: str) -> str | None:
    """Why the label's letters cannot be made (no usable font, OCC fails), or None."""
    try:
        text_mesh(text)
    except GeometryError as exc:
        return str(exc).split(";")[0]
    except (RuntimeError, OSError, ValueError) as exc:   # OCC and font lookups
        return f"{type(exc).__name__}: {str(exc)[:120] or 'no message'}"
    return None


def _placement(p: LabelParams, side: str, default_z_mm: float) -> tuple[str, float, float]:
    """The label's text, direction (deg) and centre height (mm) as :func:`apply_label` asks."""
    text = label_text(p.label_case_id or "CASE", side, p.label_date)
    angle = p.label_angle_deg if p.label_angle_deg is not None else (
        0.0 if side.lower().startswith("r") else 180.0)
    z = p.label_z_mm if p.label_z_mm is not None else default_z_mm
    return text, float(angle), float(z)


def label_footprint(p: LabelParams, side: str, default_z_mm: float) -> dict | None:
    """Where :func:`apply_label` asks for the label, before it is embossed (None when off).

    Returns ``angle_deg``, ``centre_z_mm`` and the text block's ``width_mm`` (along the
    surface) and ``height_mm``, for parts that must keep clear of it (ventilation holes).
    A label moved from there keeps clear of the holes by itself.
    """
    if not p.label:
        return None
    text, angle, z = _placement(p, side, default_z_mm)
    if _text_fails(text) is not None:
        return None                         # the label will be left off (apply_label says)
    ext = text_mesh(text).extents
    # The box is the text on the wall; the letters' outer faces stand up to
    # UNDERSIDE_RISE_PER_MM x label_depth_mm (at most 3.6 mm) higher, less than any clearance
    # kept round the box (a hole's radius plus its web: 5 mm or more).
    return {"angle_deg": angle, "centre_z_mm": z, "width_mm": float(ext[0]) * p.label_height_mm,
            "height_mm": float(ext[1]) * p.label_height_mm}
