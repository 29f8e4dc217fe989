"""The report's pictures, as PNG bytes: the socket on the limb, sections, the part on the
print bed, the circumference chart and the deviation map.

Everything here draws with matplotlib's Agg canvas (``Figure`` + ``FigureCanvasAgg``), so it
never touches pyplot's global state and needs neither Qt nor VTK.  The 3D pictures are drawn
as a 2D orthographic projection (:func:`project`), the faces sorted far to near (painter's
algorithm) and shaded by a directional light, and filled by :class:`ShadedTriangles` in one
renderer call; meshes bigger than :data:`MAX_DRAW_FACES` are decimated first
(:func:`decimate`).  A caller drawing several pictures of one mesh decimates it once and
passes the result: a mesh already small enough is drawn as it is.

All lengths are millimetres in the limb frame: +Z proximal along the long axis with the
distal end at z = 0, +Y anterior, +X completing a right-handed frame.

Each picture takes ``lang`` (default English): its words (titles, the directions at the
ends of the axes, legends, the scale bar) come from the reports' catalogue of that language
(marked ``N_`` here), and a right-to-left language's text is set in Noto Naskh Arabic, with
DejaVu Sans for Latin letters and digits; matplotlib shapes and orders it (its text
layout uses libraqm).
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any, TypeVar

import fast_simplification
import numpy as np
import trimesh
from matplotlib import colormaps
from matplotlib.artist import Artist, allow_rasterization
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar
from shapely.geometry.polygon import orient

from prosthetics.errors import N_
from prosthetics.printing.bed import bed_placement
from prosthetics.reports.i18n import direction, gettext_for, ltr

__all__ = [
    "SKIN_RGB",
    "SOCKET_RGB",
    "SUPPORT_RGB",
    "SKIN_EDGE",
    "SOCKET_EDGE",
    "MAX_DRAW_FACES",
    "png_bytes",
    "picture_fonts",
    "picture_language",
    "decimate",
    "project",
    "hidden_when_facing_away",
    "ShadedTriangles",
    "socket_on_limb_png",
    "sections_png",
    "print_bed_png",
    "render_pictures",
    "circumference_chart",
    "deviation_png",
    "anatomy_png",
    "picture_text",
    "speaking",
]

#: Colours (RGB, 0-1) of the limb and of the socket.
SKIN_RGB = np.array([0.91, 0.72, 0.60])
SOCKET_RGB = np.array([0.60, 0.69, 0.80])
#: Colour (RGB, 0-1) of the faces the slicer puts support under.
SUPPORT_RGB = np.array([0.93, 0.55, 0.18])
#: Outline colours of the limb and of the socket.
SKIN_EDGE = "#a0613f"
SOCKET_EDGE = "#2f4f73"

#: Most triangles per mesh that the 3D pictures draw; bigger meshes are decimated first.
MAX_DRAW_FACES = 12_000
#: Triangles of the faint, see-through skin over the bones.
_SKIN_FACES = 4_000

_DPI = 110

#: zlib level of the PNG files: 1 writes them two to three times as fast as the default 6,
#: about 15 % bigger.
_PNG_COMPRESS_LEVEL = 1

# Views: title (a catalogue message), direction from the object toward the viewer,
# screen-horizontal world axis (0 = x, 1 = y) and whether that axis grows to the left on
# screen.  The view from +X is named for the limb's side (``_SIDE_VIEW``, :func:`_views`).
_VIEWS = (
    (N_("Anterior (from +Y)"), np.array([0.0, 1.0, 0.0]), 0, True),
    (N_("Lateral (from +X)"), np.array([1.0, 0.0, 0.0]), 1, False),
    (N_("Posterior (from −Y)"), np.array([0.0, -1.0, 0.0]), 0, False),
)
#: The view from +X by the limb's side: lateral of a right limb, medial of a left one.
_SIDE_VIEW = {"right": N_("Lateral (from +X)"), "left": N_("Medial (from +X)")}
_NO_SIDE_VIEW = N_("Right side (from +X)")

#: Length of the scale bar drawn in the limb views (mm).
SCALE_BAR_MM = 50.0

#: The language the picture being drawn speaks (set by :func:`speaking` for one call; a
#: context variable, so pictures drawn in threads at once each keep their own).
_LANG: ContextVar[str] = ContextVar("picture_language", default="en")
#: Fonts of a picture in a right-to-left language: Naskh for its script (Nastaliq stands
#: too tall for a picture's small text), DejaVu Sans for Latin letters, digits and arrows.
RTL_FONTS = ["Noto Naskh Arabic", "DejaVu Sans"]

_F = TypeVar("_F", bound=Callable[..., Any])


def picture_text(msgid: str, **values: Any) -> str:
    """``msgid`` (marked ``N_``) in the language of the picture being drawn, ``values`` in
    its ``%(name)s`` places (numbers with their units, names: kept left to right in a
    right-to-left language)."""
    lang = _LANG.get()
    if lang == "en":
        return msgid % values if values else msgid
    text = gettext_for(lang)(msgid)
    if not values:
        return text
    if direction(lang) == "rtl":
        values = {k: ltr(v) for k, v in values.items()}
    return text % values


_t = picture_text


def speaking(fn: _F) -> _F:
    """A picture function taking ``lang`` (keyword, default English) for its words."""
    @functools.wraps(fn)
    def drawn(*args: Any, lang: str | None = "en", **kwargs: Any) -> Any:
        token = _LANG.set(str(lang or "en"))
        try:
            return fn(*args, **kwargs)
        finally:
            _LANG.reset(token)
    return drawn  # type: ignore[return-value]


def _x_words(side: str | None) -> tuple[str, str]:
    """What +X and -X are on the patient: lateral and medial for a right limb, medial and
    lateral for a left one, right and left when the side is not known."""
    side = str(getattr(side, "value", side) or "").lower()
    if side == "right":
        return _t(N_("lateral")), _t(N_("medial"))
    if side == "left":
        return _t(N_("medial")), _t(N_("lateral"))
    return _t(N_("patient's right")), _t(N_("patient's left"))


def _views(side: str | None) -> tuple:
    """:data:`_VIEWS` with the view from +X named for the limb's side, in the picture's
    language."""
    side = str(getattr(side, "value", side) or "").lower()
    return ((_t(_VIEWS[0][0]), *_VIEWS[0][1:]),
            (_t(_SIDE_VIEW.get(side, _NO_SIDE_VIEW)), *_VIEWS[1][1:]),
            (_t(_VIEWS[2][0]), *_VIEWS[2][1:]))


def _axis_words(hax: int, flip: bool, side: str | None) -> str:
    """The x label of a view: the world axis in mm, with the anatomical direction at each
    end of the screen (``hax`` 0: x, medial/lateral; 1: y, posterior/anterior)."""
    if hax == 0:
        plus, minus = _x_words(side)
    else:
        plus, minus = _t(N_("anterior")), _t(N_("posterior"))
    left, right = (plus, minus) if flip else (minus, plus)
    label = f"← {left}     {'xy'[hax]} (mm)     {right} →"
    return ltr(label) if _rtl() else label


def _scale_bar(ax, length_mm: float = SCALE_BAR_MM, fontsize: float = 11) -> None:
    """A ``length_mm`` scale bar in the axes' lower right corner (data units are mm)."""
    ax.add_artist(AnchoredSizeBar(ax.transData, length_mm, f"{length_mm:g} mm", "lower right",
                                  pad=0.3, borderpad=0.4, sep=3, color="#222222",
                                  frameon=True, size_vertical=0,
                                  fontproperties={"size": fontsize}))
    bar = ax.artists[-1] if ax.artists else None
    if bar is not None and hasattr(bar, "patch"):
        bar.patch.set_alpha(0.75)
        bar.patch.set_edgecolor("none")


def picture_fonts(fig: Figure) -> None:
    """Set every text of ``fig`` in :data:`RTL_FONTS` when the picture's language is written
    right to left (matplotlib's default font has no Arabic script)."""
    if _rtl():
        for text in fig.findobj(Text):
            text.set_fontfamily(RTL_FONTS)


def picture_language() -> str:
    """The language of the picture being drawn (inside a :func:`speaking` function)."""
    return _LANG.get()


def png_bytes(fig: Figure) -> bytes:
    """Render ``fig`` on an Agg canvas and return the PNG file bytes (its text in
    :data:`RTL_FONTS` when the picture's language is written right to left)."""
    rtl = _rtl()
    picture_fonts(fig)
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    # Arabic script stands taller than Latin: the canvas grows to hold every word.
    fig.savefig(buf, format="png", dpi=_DPI, facecolor="white",
                pil_kwargs={"compress_level": _PNG_COMPRESS_LEVEL},
                **({"bbox_inches": "tight", "pad_inches": 0.1} if rtl else {}))
    return buf.getvalue()


def _rtl() -> bool:
    """Whether the picture being drawn is in a right-to-left language."""
    return direction(_LANG.get()) == "rtl"


def _is_empty(mesh: trimesh.Trimesh | None) -> bool:
    return mesh is None or len(mesh.faces) == 0 or len(mesh.vertices) == 0


def decimate(mesh: trimesh.Trimesh, max_faces: int | None = None) -> trimesh.Trimesh:
    """Return ``mesh`` with at most about ``max_faces`` triangles, for drawing only.

    Tries quadric decimation with ``fast_simplification``, then Open3D's, and last keeps an
    evenly strided subset of the faces (holes, but legible at picture scale).  The result
    is not processed (no vertex merging): it is only drawn.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Mesh in mm.
    max_faces : int, optional
        Triangle budget; :data:`MAX_DRAW_FACES` when not given.

    Returns
    -------
    trimesh.Trimesh
        The same mesh object when it is already small enough, else a new, smaller mesh.
    """
    max_faces = MAX_DRAW_FACES if max_faces is None else int(max_faces)
    n = len(mesh.faces)
    if n <= max_faces:
        return mesh
    vertices = np.ascontiguousarray(mesh.vertices, dtype=np.float64)
    faces = np.ascontiguousarray(mesh.faces, dtype=np.int32)
    try:
        v, f = fast_simplification.simplify(vertices, faces, target_count=max_faces)
        if len(f) > 0:
            return trimesh.Trimesh(v, f, process=False)
    except Exception:  # fast_simplification missing, or it failed on this mesh
        pass
    try:
        import open3d as o3d  # imported late: it is slow to import and only needed here

        om = o3d.geometry.TriangleMesh(o3d.utility.Vector3dVector(vertices),
                                       o3d.utility.Vector3iVector(faces))
        om = om.simplify_quadric_decimation(target_number_of_triangles=int(max_faces))
        f = np.asarray(om.triangles)
        if len(f) > 0:
            return trimesh.Trimesh(np.asarray(om.vertices), f, process=False)
    except Exception:
        pass
    step = int(math.ceil(n / max_faces))
    return trimesh.Trimesh(mesh.vertices, mesh.faces[::step], process=False)


def _closed_and_outward(mesh: trimesh.Trimesh) -> bool:
    """True when back faces may be culled: watertight, consistent winding, positive volume."""
    try:
        return bool(mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0)
    except Exception:
        return False


def hidden_when_facing_away(mesh: trimesh.Trimesh) -> bool | np.ndarray:
    """Which faces of ``mesh`` a horizontal view cannot see when they face away from it.

    True (every face) for a closed, outward mesh.  For an open one wound consistently
    outward, as a limb open at the top: the faces below its lowest open edge, (n_faces,)
    bool; a horizontal line of sight to such a face from behind crosses the surface in
    front of it first.  Else False.  This is the ``cull`` of :func:`project`.
    """
    if _closed_and_outward(mesh):
        return True
    try:
        if len(mesh.faces) == 0 or not mesh.is_winding_consistent:
            return False
        edges = mesh.edges_sorted
        open_edges = edges[trimesh.grouping.group_rows(edges, require_count=1)]
    except Exception:
        return False
    if len(open_edges) == 0:
        return False
    rim = mesh.vertices[open_edges.ravel()]
    # Outward when the volume it encloses with its openings closed is positive: measured
    # from the middle of the open edges, fans closing them add almost nothing.
    if np.linalg.det(mesh.triangles - rim.mean(axis=0)).sum() <= 0:
        return False
    return np.asarray(mesh.vertices[mesh.faces, 2].max(axis=1) < rim[:, 2].min())


def project(
    parts: Iterable[tuple[trimesh.Trimesh, np.ndarray, bool | np.ndarray]],
    toward_viewer: np.ndarray,
    horizontal_axis: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Project shaded triangles of several meshes to one orthographic view.

    Parameters
    ----------
    parts : iterable of (mesh, rgb, cull)
        Meshes in mm, their base colour ((3,) float, or (n_faces, 3) float: one per face),
        and which back faces are dropped: True (all: the mesh is closed and outward, lit on
        its outer side only), False (none: lit on both sides) or an (n_faces,) bool mask
        of the faces that may be dropped when facing away (lit on both sides), as
        :func:`hidden_when_facing_away` gives.
    toward_viewer : (3,) float
        Unit vector from the object toward the viewer.
    horizontal_axis : int
        World axis (0 = x, 1 = y) drawn horizontally; z is drawn vertically.

    Returns
    -------
    polys : (m, 3, 2) float, mm
        Triangles in (world horizontal axis, z), sorted far to near.
    colors : (m, 3) float
        Shaded RGB per triangle, same order.
    """
    up = np.array([0.0, 0.0, 1.0])
    right = np.cross(-toward_viewer, up)
    # Light from the viewer's side, above and a little to the left.
    light = 0.8 * toward_viewer + 0.5 * up - 0.35 * right
    light /= np.linalg.norm(light)
    all_polys, all_depth, all_colors = [], [], []
    for mesh, rgb, cull in parts:
        tri = np.asarray(mesh.triangles)
        normals = np.asarray(mesh.face_normals)
        rgb = np.asarray(rgb, dtype=float)
        one_sided = cull is True
        if cull is not False:
            keep = normals @ toward_viewer > -1e-9
            if not one_sided:
                keep |= ~np.asarray(cull, dtype=bool)
            tri, normals = tri[keep], normals[keep]
            if rgb.ndim == 2:
                rgb = rgb[keep]
        lam = normals @ light
        if not one_sided:  # orientation not trusted: light both sides
            lam = np.abs(lam)
        shade = 0.38 + 0.62 * np.clip(lam, 0.0, 1.0)
        all_colors.append(np.clip(shade[:, None] * rgb.reshape(-1, 3), 0.0, 1.0))
        all_polys.append(tri[:, :, [horizontal_axis, 2]])
        all_depth.append(tri.mean(axis=1) @ toward_viewer)
    if not all_polys:
        return np.zeros((0, 3, 2)), np.zeros((0, 3))
    polys = np.concatenate(all_polys)
    depth = np.concatenate(all_depth)
    colors = np.concatenate(all_colors)
    order = np.argsort(depth, kind="stable")  # smallest depth = farthest from the viewer
    return polys[order], colors[order]


class ShadedTriangles(Artist):
    """Triangles filled with one colour each, drawn in the order given (far to near).

    One renderer call (``draw_gouraud_triangles``, each corner given its face's colour)
    fills them all; a :class:`~matplotlib.collections.PolyCollection` makes and strokes a
    path per triangle, about three times slower for the tens of thousands of a report.
    Adjacent triangles meet without the hairline seams of separately antialiased polygons.

    Parameters
    ----------
    polys : (m, 3, 2) float
        Triangles in data coordinates (mm), as :func:`project` returns them.
    colors : (m, 3) float
        RGB per triangle, 0-1.
    alpha : float, optional
        Opacity of the whole layer.  The triangles are drawn opaque, the nearest in front,
        and the layer is blended over what is beneath at this opacity: triangles drawn
        see-through one by one would overlap along every shared edge and show the mesh.
    zorder : float
        Drawing order among the axes' artists.
    """

    def __init__(self, polys: np.ndarray, colors: np.ndarray, *, alpha: float | None = None,
                 zorder: float = 1.0) -> None:
        super().__init__()
        self._polys = np.asarray(polys, dtype=float).reshape(-1, 3, 2)
        rgba = np.ones((len(self._polys), 3, 4))
        rgba[:, :, :3] = np.asarray(colors, dtype=float).reshape(-1, 1, 3)[:, :, :3]
        self._colors = rgba
        self.set_zorder(zorder)
        if alpha is not None and alpha < 1.0:
            self.set_agg_filter(_layer_opacity(float(alpha)))

    @allow_rasterization
    def draw(self, renderer) -> None:
        if not self.get_visible() or len(self._polys) == 0:
            return
        gc = renderer.new_gc()
        self._set_gc_clip(gc)
        renderer.draw_gouraud_triangles(gc, self._polys, self._colors,
                                        self.get_transform().frozen())
        gc.restore()
        self.stale = False


def _layer_opacity(alpha: float):
    """An Agg filter that scales the opacity of an artist's own layer by ``alpha``."""
    def fade(image: np.ndarray, dpi: float):
        image = image.copy()
        image[..., 3] *= alpha
        return image, 0, 0
    return fade


def _add_triangles(ax, polys: np.ndarray, colors: np.ndarray, **kwargs) -> None:
    """Add :class:`ShadedTriangles` to ``ax`` (data coordinates) when there are any."""
    if len(polys):
        ax.add_artist(ShadedTriangles(polys, colors, **kwargs))


def _frame_view(ax, lo, hi, hax: int, flip: bool, half_width: float, pad: float, title: str,
                side: str | None = None, scale_bar: bool = True) -> None:
    """Limits, equal scale, title, label (with the anatomical directions at each end) and
    scale bar of one orthographic view (mm)."""
    c = 0.5 * (lo[hax] + hi[hax])
    ax.set_xlim((c + half_width, c - half_width) if flip else (c - half_width, c + half_width))
    ax.set_ylim(lo[2] - pad, hi[2] + pad)
    ax.set_aspect("equal", adjustable="box")
    # A title at y = 1 is placed without measuring the tick labels (none are on top).
    ax.set_title(title, fontsize=15, y=1.0)
    ax.set_xlabel(_axis_words(hax, flip, side), fontsize=11)
    if scale_bar:
        _scale_bar(ax)


@speaking
def socket_on_limb_png(limb: trimesh.Trimesh | None, socket: trimesh.Trimesh | None, *,
                       side: str | None = None) -> bytes:
    """The shaded socket over the limb (mm, limb frame) in the anterior, lateral (medial for
    a left limb: ``side``) and posterior views side by side, each with medial and lateral
    (or anterior and posterior) at its edges and a 50 mm scale bar; either mesh may be
    empty or None.  PNG bytes.

    Meshes bigger than :data:`MAX_DRAW_FACES` are decimated here; a caller drawing the same
    meshes again passes them decimated (:func:`decimate`) to do that once."""
    parts = []
    if not _is_empty(limb):
        drawn = decimate(limb)
        parts.append((drawn, SKIN_RGB, hidden_when_facing_away(drawn)))
    if not _is_empty(socket):
        drawn = decimate(socket)
        parts.append((drawn, SOCKET_RGB, hidden_when_facing_away(drawn)))
    bounds = [m.bounds for m, _, _ in parts]
    lo = np.min([b[0] for b in bounds], axis=0) if bounds else np.zeros(3)
    hi = np.max([b[1] for b in bounds], axis=0) if bounds else np.ones(3)
    span_xy = max(hi[0] - lo[0], hi[1] - lo[1], 1.0)
    span_z = max(hi[2] - lo[2], 1.0)
    pad = 0.04 * max(span_xy, span_z)
    panel_h = 6.2  # inches; the axes take about 80 % of it
    aspect = (span_xy + 2 * pad) / (span_z + 2 * pad)
    panel_w = float(np.clip(0.8 * panel_h * aspect, 1.6, 6.0)) + 0.75
    fig = Figure(figsize=(3 * panel_w + 0.4, panel_h))
    axes = fig.subplots(1, 3, sharey=True)
    for ax, (title, toward, hax, flip) in zip(axes, _views(side)):
        _add_triangles(ax, *project(parts, toward, hax))
        _frame_view(ax, lo, hi, hax, flip, 0.5 * span_xy + pad, pad, title, side)
        ax.tick_params(labelsize=12)
        for s in ax.spines.values():
            s.set_color("#bbbbbb")
    axes[0].set_ylabel(_t(N_("z (mm), from distal end")), fontsize=13)
    handles = [
        PathPatch(MplPath([(0, 0)]), facecolor=SOCKET_RGB, edgecolor="none",
                  label=_t(N_("socket"))),
        PathPatch(MplPath([(0, 0)]), facecolor=SKIN_RGB, edgecolor="none", label=_t(N_("limb"))),
    ]
    fig.legend(handles=handles, loc="upper center", ncol=2, fontsize=13, frameon=False)
    fig.subplots_adjust(left=0.085, right=0.985, bottom=0.11, top=0.88, wspace=0.14)
    return png_bytes(fig)


def _plane_frame(axis: int, offset: float) -> tuple[np.ndarray, np.ndarray]:
    """Plane normal and a (4, 4) transform mapping the plane onto world XY.

    ``axis`` 0 gives the sagittal plane x = offset drawn as (y, z); ``axis`` 1 the coronal
    plane y = offset drawn as (x, z).  Both transforms are proper rotations plus a shift.
    """
    if axis == 0:
        to_2d = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, -offset], [0, 0, 0, 1]], float)
        normal = np.array([1.0, 0.0, 0.0])
    else:
        to_2d = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, -1, 0, offset], [0, 0, 0, 1]], float)
        normal = np.array([0.0, 1.0, 0.0])
    return normal, to_2d


def _section(mesh: trimesh.Trimesh | None, axis: int, offset: float):
    """Cut ``mesh`` with a plane; return (segments (n, 2, 2) mm, polygons) in plane coords.

    ``polygons`` is a list of shapely polygons (with holes) when the cut closes into loops,
    else an empty list.  Both are empty when the plane misses the mesh.  The mesh is cut
    once; the loops are joined from the same segments.
    """
    empty = (np.zeros((0, 2, 2)), [])
    if _is_empty(mesh):
        return empty
    normal, to_2d = _plane_frame(axis, offset)
    origin = np.zeros(3)
    origin[axis] = offset
    try:
        segs = trimesh.intersections.mesh_plane(mesh, normal, origin)
    except Exception:
        return empty
    if len(segs) == 0:
        return empty
    segs2 = trimesh.transform_points(segs.reshape(-1, 3), to_2d)[:, :2].reshape(-1, 2, 2)
    try:
        polygons = list(trimesh.load_path(segs2).polygons_full)
    except Exception:
        polygons = []
    return segs2, polygons


def _polygon_path(polygons) -> MplPath | None:
    """One compound matplotlib path for shapely polygons, holes wound opposite to shells."""
    verts, codes = [], []
    for poly in polygons:
        if poly is None or poly.is_empty:
            continue
        poly = orient(poly, sign=1.0)
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)
            if len(xy) < 3:
                continue
            verts.append(xy)
            c = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            c[0], c[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            codes.append(c)
    if not verts:
        return None
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def _plane_offset(meshes: list, axis: int) -> float:
    """0 (the limb axis) when the plane there cuts the meshes, else the middle of their bounds."""
    meshes = [m for m in meshes if not _is_empty(m)]
    if not meshes:
        return 0.0
    lo = min(m.bounds[0][axis] for m in meshes)
    hi = max(m.bounds[1][axis] for m in meshes)
    return 0.0 if lo < 0.0 < hi else 0.5 * (lo + hi)


@speaking
def sections_png(limb: trimesh.Trimesh | None, socket: trimesh.Trimesh | None, *,
                 side: str | None = None) -> bytes:
    """Sagittal and coronal cuts through the limb axis (mm, limb frame): the socket wall
    hatched over the limb, the directions (anterior, medial, lateral for ``side``) at the
    ends of each axis and a 50 mm scale bar.  Cut from the meshes as given (not
    decimated).  PNG bytes."""
    fig = Figure(figsize=(10.5, 6.8))
    axes = fig.subplots(1, 2)
    specs = ((0, _t(N_("Sagittal section")), _axis_words(1, False, side)),
             (1, _t(N_("Coronal section, from behind")), _axis_words(0, False, side)))
    cuts = []
    for axis, _, _ in specs:
        offset = _plane_offset([limb, socket], axis)
        cuts.append((offset, _section(socket, axis, offset), _section(limb, axis, offset)))
    # One scale and one z range for both panels, so they can be compared by eye.
    pts = [np.concatenate([s[0].reshape(-1, 2), lb[0].reshape(-1, 2)]) for _, s, lb in cuts]
    allp = np.concatenate(pts)
    if len(allp):
        zlo, zhi = allp[:, 1].min(), allp[:, 1].max()
        half = max((p[:, 0].max() - p[:, 0].min()) / 2 for p in pts if len(p))
    else:
        zlo, zhi, half = 0.0, 1.0, 1.0
    pad = 0.05 * max(zhi - zlo, 2 * half)
    # Size the figure to the data so the equal-aspect panels do not float in white space.
    height = 6.8
    aspect = (2 * half + 2 * pad) / (zhi - zlo + 2 * pad)
    panel_w = float(np.clip(0.8 * height * aspect, 1.8, 6.0)) + 0.9
    fig.set_size_inches(max(2 * panel_w + 0.3, 6.5), height)
    for ax, (axis, title, xlabel), (offset, (s_segs, s_polys), (l_segs, l_polys)), p in zip(
        axes, specs, cuts, pts
    ):
        # The limits are set below: added as artists, the cuts' thousands of segments are
        # not measured for them.
        path = _polygon_path(s_polys)
        if path is not None:
            ax.add_artist(PathPatch(path, facecolor=SOCKET_RGB, edgecolor=SOCKET_EDGE,
                                    hatch="////", linewidth=0, alpha=0.9, zorder=1))
        path = _polygon_path(l_polys)
        if path is not None:
            ax.add_artist(PathPatch(path, facecolor=SKIN_RGB, edgecolor="none", alpha=0.35,
                                    zorder=0))
        if len(s_segs):
            ax.add_collection(LineCollection(s_segs, colors=SOCKET_EDGE, linewidths=1.2,
                                             zorder=3), autolim=False)
        if len(l_segs):
            ax.add_collection(LineCollection(l_segs, colors=SKIN_EDGE, linewidths=1.4,
                                             zorder=4), autolim=False)
        if len(p):
            c = 0.5 * (p[:, 0].min() + p[:, 0].max())
            ax.set_xlim(c - half - pad, c + half + pad)
        else:
            ax.set_xlim(-half - pad, half + pad)
            ax.text(0.5, 0.5, _t(N_("plane misses the meshes")), ha="center", va="center",
                    transform=ax.transAxes, color="#888888")
        ax.set_ylim(zlo - pad, zhi + pad)
        ax.set_aspect("equal", adjustable="box")
        plane = "x" if axis == 0 else "y"
        # Two lines: on a narrow limb the panel is narrower than the title on one.
        ax.set_title(f"{title}\n({plane} = {offset:.0f} mm)", fontsize=12, y=1.0)
        ax.set_xlabel(xlabel, fontsize=10)
        ax.set_ylabel(_t(N_("z (mm), from distal end")), fontsize=11)
        _scale_bar(ax, fontsize=9)
        ax.grid(True, color="#e6e6e6", linewidth=0.6, zorder=-1)
        ax.set_axisbelow(True)
        ax.tick_params(labelsize=10)
    handles = [
        PathPatch(MplPath([(0, 0)]), facecolor=SOCKET_RGB, edgecolor=SOCKET_EDGE, hatch="////",
                  label=_t(N_("socket wall"))),
        PathPatch(MplPath([(0, 0)]), facecolor=(*SKIN_RGB, 0.35), edgecolor=SKIN_EDGE,
                  label=_t(N_("limb"))),
    ]
    fig.legend(handles=handles, loc="upper center", ncol=2, fontsize=11, frameon=False)
    # Two-line titles in a taller script would run into the legend above them.
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.08, top=0.85 if _rtl() else 0.9,
                        wspace=0.3)
    return png_bytes(fig)


@speaking
def print_bed_png(part: trimesh.Trimesh, printer, placement: np.ndarray | None = None,
                  max_overhang_deg: float = 45.0) -> bytes:
    """The part as it prints, from the front and the side, on the printer's bed.

    ``part`` is in its print orientation (+Z up); ``placement`` (4, 4) sets it on the bed
    (default: moved to the bed's middle, not turned).  Faces overhanging more than
    ``max_overhang_deg`` from vertical (and not on the bed) are drawn orange: the slicer puts
    support under them.  The bed's width and the printer's build height are drawn as lines.
    A ``part`` bigger than :data:`MAX_DRAW_FACES` is decimated first.
    """
    mesh = decimate(part).copy()
    mesh.apply_transform(bed_placement(part, printer) if placement is None else placement)
    down = -mesh.face_normals[:, 2]
    over = (down > np.sin(np.radians(max_overhang_deg))) & \
        (mesh.triangles_center[:, 2] > 0.3)
    parts = [(mesh, np.where(over[:, None], SUPPORT_RGB, SOCKET_RGB), True)]
    height = max(float(mesh.bounds[1, 2]), printer.max_height_mm)
    fig = Figure(figsize=(9.0, 5.2))
    axes = fig.subplots(1, 2, sharey=True)
    # Named by the bed's axes, not the limb's: a part turned to print has its anterior
    # side wherever the orientation put it.
    views = ((_t(N_("Bed seen from −Y")), np.array([0.0, -1.0, 0.0]), 0, printer.bed_x_mm),
             (_t(N_("Bed seen from +X")), np.array([1.0, 0.0, 0.0]), 1, printer.bed_y_mm))
    for ax, (title, toward, hax, width) in zip(axes, views):
        _add_triangles(ax, *project(parts, toward, hax))
        ax.plot([0, width], [0, 0], color="#444444", lw=3)
        ax.plot([0, width], [printer.max_height_mm] * 2, color="#aa3333", lw=1, ls="--")
        ax.set_xlim(-0.03 * width, 1.03 * width)
        ax.set_ylim(-0.04 * height, 1.08 * height)
        ax.set_aspect("equal", adjustable="box")
        ax.set_title(title, fontsize=13, y=1.0)
        ax.set_xlabel(_t(N_("bed %(axis)s (mm)"), axis="xy"[hax]), fontsize=11)
        for sp in ax.spines.values():
            sp.set_color("#bbbbbb")
    axes[0].set_ylabel(_t(N_("height on the printer (mm)")), fontsize=11)
    handles = [PathPatch(MplPath([(0, 0)]), facecolor=SOCKET_RGB, edgecolor="none",
                         label=_t(N_("part"))),
               PathPatch(MplPath([(0, 0)]), facecolor=SUPPORT_RGB, edgecolor="none",
                         label=_t(N_("overhang > %(angle)s (supported)"),
                                  angle=f"{max_overhang_deg:g}°")),
               PathPatch(MplPath([(0, 0)]), facecolor="none", edgecolor="#aa3333", ls="--",
                         label=_t(N_("%(printer)s: %(height)s build height"),
                                  printer=printer.name,
                                  height=f"{printer.max_height_mm:g} mm"))]
    fig.legend(handles=handles, loc="upper center", ncol=3, fontsize=10, frameon=False)
    fig.subplots_adjust(left=0.09, right=0.985, bottom=0.11, top=0.86, wspace=0.1)
    return png_bytes(fig)


@speaking
def render_pictures(limb: trimesh.Trimesh, socket: trimesh.Trimesh, *,
                    side: str | None = None) -> dict[str, bytes]:
    """Draw the pictures of the report.

    Parameters
    ----------
    limb : trimesh.Trimesh
        The limb in the design frame, mm (+Z proximal, distal end at z = 0, +Y anterior).
    socket : trimesh.Trimesh
        The socket in the same frame, mm.  Either mesh may be empty; it is then left out.

    Returns
    -------
    dict[str, bytes]
        PNG file bytes: ``"socket_on_limb"`` (shaded socket over the limb, anterior, lateral
        and posterior views side by side) and ``"sections"`` (sagittal and coronal cuts with
        the socket wall hatched).
    """
    lang = _LANG.get()
    return {
        "socket_on_limb": socket_on_limb_png(limb, socket, side=side, lang=lang),
        "sections": sections_png(limb, socket, side=side, lang=lang),
    }


def _series(items: Any) -> tuple[np.ndarray, np.ndarray]:
    """(z mm, circumference mm) arrays from a list of ``{"z_mm", "mm"}``, sorted by z."""
    zs, cs = [], []
    for it in items or []:
        try:
            z, c = float(it["z_mm"]), float(it["mm"])
        except (KeyError, TypeError, ValueError):
            continue
        if math.isfinite(z) and math.isfinite(c):
            zs.append(z)
            cs.append(c)
    order = np.argsort(zs)
    return np.asarray(zs)[order], np.asarray(cs)[order]


@speaking
def circumference_chart(measurements: dict, socket_inner: list | None = None) -> bytes:
    """Chart of the circumference against the height above the distal end.

    Parameters
    ----------
    measurements : dict
        ``"circumferences"``: list of ``{"z_mm": float, "mm": float}`` of the limb, and
        optionally ``"trim_z_mm"`` (float, mm), drawn as a horizontal line.
    socket_inner : list of dict, optional
        The socket's inner circumferences in the same format.

    Returns
    -------
    bytes
        PNG file bytes; z (mm) is on the vertical axis, as the limb stands.
    """
    measurements = measurements or {}
    fig = Figure(figsize=(3.8, 4.4))
    ax = fig.subplots()
    z, c = _series(measurements.get("circumferences"))
    drawn = False
    if len(z):
        ax.plot(c, z, "-o", color=SKIN_EDGE, markersize=3.5, linewidth=1.6,
                label=_t(N_("limb")))
        drawn = True
    zi, ci = _series(socket_inner)
    if len(zi):
        ax.plot(ci, zi, "-s", color=SOCKET_EDGE, markersize=3.2, linewidth=1.6,
                label=_t(N_("socket, inner")))
        drawn = True
    trim = measurements.get("trim_z_mm")
    if isinstance(trim, (int, float)) and not isinstance(trim, bool) and math.isfinite(trim):
        ax.axhline(trim, color="#c0392b", linestyle="--", linewidth=1.2,
                   label=_t(N_("trim line, z = %(z)s"), z=f"{trim:.0f} mm"))
        drawn = True
    if not (len(z) or len(zi)):
        ax.text(0.5, 0.5, _t(N_("no circumferences measured")), ha="center", va="center",
                transform=ax.transAxes, color="#888888")
    if drawn:
        ax.legend(fontsize=8, loc="best")
    ax.set_xlabel(_t(N_("circumference (mm)")), fontsize=9.5)
    ax.set_ylabel(_t(N_("z (mm), height above distal end")), fontsize=9.5)
    ax.set_title(_t(N_("Circumference by height")), fontsize=10.5, y=1.0)
    ax.grid(True, color="#e6e6e6", linewidth=0.6)
    ax.tick_params(labelsize=8.5)
    fig.subplots_adjust(left=0.19, right=0.96, bottom=0.12, top=0.93)
    return png_bytes(fig)


@speaking
def deviation_png(mesh: trimesh.Trimesh, value_of, *, title: str,
                  limit_mm: float | None = None, side: str | None = None) -> bytes:
    """A surface coloured by a signed distance, in the three standard views, with a colour bar.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        The surface to draw (mm, limb frame); large meshes are decimated first.
    value_of : callable
        Maps (n, 3) points to (n,) signed values in mm (evaluated on the drawn vertices).
    title : str
        Shown above the views.
    limit_mm : float, optional
        Colour range is [-limit, +limit]; default: the 98th percentile of |value|.
    """
    drawn = decimate(mesh)
    values = np.asarray(value_of(drawn.vertices), dtype=float)
    face_val = values[drawn.faces].mean(axis=1)
    lim = limit_mm or max(float(np.percentile(np.abs(values), 98)), 0.1)
    norm = Normalize(-lim, lim)
    cmap = colormaps["RdBu"]
    lo, hi = drawn.bounds
    span_xy = max(hi[0] - lo[0], hi[1] - lo[1], 1.0)
    pad = 0.04 * max(span_xy, hi[2] - lo[2])
    fig = Figure(figsize=(12.5, 6.6))
    axes = fig.subplots(1, 3, sharey=True)
    cull = _closed_and_outward(drawn)
    for ax, (view_title, toward, hax, flip) in zip(axes, _views(side)):
        tri = np.asarray(drawn.triangles)
        normals = np.asarray(drawn.face_normals)
        keep = (normals @ toward > -1e-9) if cull else np.ones(len(tri), bool)
        light = np.abs(normals[keep] @ toward)
        base = cmap(norm(face_val[keep]))[:, :3]
        colors = np.clip(base * (0.55 + 0.45 * light)[:, None], 0, 1)
        polys = tri[keep][:, :, [hax, 2]]
        order = np.argsort(tri[keep].mean(axis=1) @ toward, kind="stable")
        _add_triangles(ax, polys[order], colors[order])
        _frame_view(ax, lo, hi, hax, flip, 0.5 * span_xy + pad, pad, view_title, side)
    axes[0].set_ylabel(_t(N_("z (mm), from distal end")), fontsize=12)
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=list(axes), shrink=0.8, pad=0.02)
    bar.set_label(_t(N_("deviation (mm): blue outside, red inside")), fontsize=12)
    fig.suptitle(title, fontsize=14)
    return png_bytes(fig)


#: The bony landmarks' names in the anatomy picture (``prosthetics.limb.bones``).
_LANDMARK_WORDS = {
    "patella_centre": N_("patella centre"), "patella_inferior_pole": N_("patella inferior pole"),
    "patella_superior_pole": N_("patella superior pole"), "tibial_plateau": N_("tibial plateau"),
    "tibial_tuberosity": N_("tibial tuberosity"), "mid_patellar_tendon": N_("mid patellar tendon"),
    "fibular_head": N_("fibular head"), "distal_tibia": N_("distal tibia"),
    "distal_fibula": N_("distal fibula"), "medial_condyle": N_("medial condyle"),
    "lateral_condyle": N_("lateral condyle")}


def _landmark_word(name: str) -> str:
    """A landmark's name as the picture writes it (in its language when known)."""
    word = _LANDMARK_WORDS.get(name)
    return _t(word) if word else name.replace("_", " ")


#: Colours (RGB, 0-1) of the fitted bones.
BONE_RGB = {"femur": np.array([0.85, 0.83, 0.74]), "patella": np.array([0.93, 0.78, 0.35]),
            "tibia": np.array([0.88, 0.86, 0.78]), "fibula": np.array([0.72, 0.80, 0.62])}


def _draw_loop(ax, loop: np.ndarray, toward: np.ndarray, hax: int, flip: bool) -> None:
    """A closed loop (n, 3) seen along ``toward``: its near half solid, its far half dashed,
    named "brim" over its leftmost near point (clear of the landmarks' names, which run to
    the right of their dots)."""
    closed = np.vstack([loop, loop[:1]])
    depth = closed @ toward
    near = depth >= np.median(depth)
    for keep, style, width in ((near, "-", 1.8), (~near, "--", 1.1)):
        seg = np.where(keep[:-1] & keep[1:], 1.0, np.nan)
        xs = np.column_stack([closed[:-1, hax], closed[1:, hax], seg * np.nan]).ravel()
        ys = np.column_stack([closed[:-1, 2] * seg, closed[1:, 2] * seg, seg * np.nan]).ravel()
        ax.plot(xs, ys, style, color=SOCKET_EDGE, linewidth=width, zorder=3)
    shown = closed[:-1][near[:-1]]
    if len(shown):
        # (``flip``: the view's horizontal axis runs right to left.)
        p = shown[int(np.argmax(shown[:, hax]) if flip else np.argmin(shown[:, hax]))]
        ax.annotate(_t(N_("brim")), (p[hax], p[2]), xytext=(0, 7), textcoords="offset points",
                    color=SOCKET_EDGE, fontsize=10, zorder=4)


@speaking
def anatomy_png(limb: trimesh.Trimesh, bones: dict, landmarks: dict | None = None, *,
                trim_z_mm: float | None = None, title: str = "",
                truth: dict | None = None, side: str | None = None,
                brim: np.ndarray | None = None) -> bytes:
    """The fitted bones inside the limb (mm, limb frame), from the front and the side.

    ``bones``: name -> mesh (femur, patella, tibia, fibula); the limb is drawn as a light,
    see-through skin over them.  ``landmarks``: name -> (3,) bone points, drawn as dots with
    their names; ``trim_z_mm``: the anterior trim height, a dashed line; ``brim``: (n, 3) the
    socket's brim round the limb (a closed loop), drawn instead of that line, solid on the
    near side and dashed on the far one, so the wings over the condyles and the posterior
    cut show against the bones; ``truth``: name -> (3,) known positions of the same
    landmarks, drawn as crosses (for judging a fit).  PNG bytes.
    """
    views = _views(side)[:2]
    lo, hi = limb.bounds
    span_xy = max(hi[0] - lo[0], hi[1] - lo[1], 1.0)
    span_z = max(hi[2] - lo[2], 1.0)
    pad = 0.06 * max(span_xy, span_z)
    panel_h = 6.6
    aspect = (span_xy + 2 * pad) / (span_z + 2 * pad)
    panel_w = float(np.clip(0.8 * panel_h * aspect, 1.6, 6.0)) + 1.6
    fig = Figure(figsize=(2 * panel_w + 0.4, panel_h))
    axes = fig.subplots(1, 2, sharey=True)
    # The see-through skin shows little more than its outline: fewer triangles draw it.
    skin = decimate(limb, _SKIN_FACES)
    # Drawn opaque, then faded as one layer: what is behind its near side never shows.
    skin_cull = hidden_when_facing_away(skin)
    if skin_cull is True:                   # a closed skin: still lit on both sides
        skin_cull = np.ones(len(skin.faces), dtype=bool)
    parts = [(decimate(m), BONE_RGB.get(k, np.array([0.8, 0.8, 0.8])), True)
             for k, m in bones.items() if not _is_empty(m)]
    for ax, (vtitle, toward, hax, flip) in zip(axes, views):
        _add_triangles(ax, *project(parts, toward, hax), zorder=1)
        # A faint skin: its near and far sides overlap almost everywhere, and 13 % for the
        # layer looks like two sheets at 8 %.
        _add_triangles(ax, *project([(skin, SKIN_RGB, skin_cull)], toward, hax),
                       alpha=0.13, zorder=2)
        if brim is not None and len(brim) > 2:
            _draw_loop(ax, np.asarray(brim, dtype=float), toward, hax, flip)
        elif trim_z_mm is not None:
            ax.axhline(trim_z_mm, color=SOCKET_EDGE, linestyle="--", linewidth=1.4, zorder=3)
            ax.text(0.02, trim_z_mm + 2, _t(N_("anterior trim")), color=SOCKET_EDGE, fontsize=10,
                    transform=ax.get_yaxis_transform(), zorder=4)
        for name, p in (landmarks or {}).items():
            p = np.asarray(p, dtype=float)
            if p @ toward < -1e3:
                continue
            ax.plot(p[hax], p[2], "o", color="#b3261e", markersize=4.5, zorder=5)
            ax.annotate(_landmark_word(name), (p[hax], p[2]), xytext=(5, 2),
                        textcoords="offset points", fontsize=8, color="#5a1410", zorder=5)
        for p in (truth or {}).values():
            p = np.asarray(p, dtype=float)
            ax.plot(p[hax], p[2], "x", color="#1b4f9c", markersize=8, mew=2.0, zorder=6)
        _frame_view(ax, lo, hi, hax, flip, 0.5 * span_xy + pad, pad, vtitle, side)
        ax.tick_params(labelsize=11)
    if truth:
        axes[1].plot([], [], "o", color="#b3261e", label=_t(N_("fitted")))
        axes[1].plot([], [], "x", color="#1b4f9c", mew=2.0, label=_t(N_("true")))
        axes[1].legend(loc="lower right", fontsize=10)
    axes[0].set_ylabel(_t(N_("z (mm), from distal end")), fontsize=12)
    if title:
        fig.suptitle(title, fontsize=13)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.09, top=0.88, wspace=0.12)
    return png_bytes(fig)
