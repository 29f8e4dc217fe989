"""The 3D view (pyvistaqt): what each step shows, standard views, colour map.

Everything here runs in the GUI thread and only draws arrays the model already holds.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv
from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pyvistaqt import QtInteractor
from vtkmodules.vtkCommonCore import vtkCommand

from .language import translate
from .viewtext import bar_title, text_options, view_labels, view_text

SKIN = (0.91, 0.72, 0.60)
BONE_COLOURS = {"femur": (0.85, 0.83, 0.74), "patella": (0.93, 0.78, 0.35),
                "tibia": (0.88, 0.86, 0.78), "fibula": (0.72, 0.80, 0.62)}
SOCKET = (0.30, 0.50, 0.78)
REMOVED = (0.85, 0.12, 0.12)
AXIS = (0.80, 0.10, 0.10)
RING = (0.45, 0.20, 0.10)
TEXT = (0.15, 0.15, 0.18)

#: The caption's last line when a preview is shown and the full build was cancelled.
CANCELLED_PREVIEW = QT_TRANSLATE_NOOP("Viewport", "Preview (coarser grid); the full socket was "
                                                  "cancelled: press F5 (Design > Run) to build "
                                                  "it and run the checks")

#: Standard views: direction from the focal point to the camera, and the view-up vector.
#: Design frame: +Z proximal, +Y anterior, +X the patient's right.
VIEWS = {
    "anterior": ((0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    "posterior": ((0.0, -1.0, 0.0), (0.0, 0.0, 1.0)),
    "right": ((1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    "left": ((-1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    "distal": ((0.0, 0.0, -1.0), (0.0, 1.0, 0.0)),
    "three_quarter": ((0.55, 1.0, 0.35), (0.0, 0.0, 1.0)),
}
#: How far above the horizontal the Clean step's first view looks when it shows the
#: proximal cut's disc, deg.
CUT_VIEW_ELEVATION_DEG = 20.0
#: The standard views' names (in English in the 3D view, whose text cannot lay out Urdu;
#: translated in widgets, context "Viewport").
VIEW_LABELS = {"anterior": QT_TRANSLATE_NOOP("Viewport", "Anterior"),
               "posterior": QT_TRANSLATE_NOOP("Viewport", "Posterior"),
               "right": QT_TRANSLATE_NOOP("Viewport", "Patient's right (+X)"),
               "left": QT_TRANSLATE_NOOP("Viewport", "Patient's left (-X)"),
               "distal": QT_TRANSLATE_NOOP("Viewport", "Distal (from below)"),
               "three_quarter": QT_TRANSLATE_NOOP("Viewport", "Three-quarter")}


def mesh_poly(vertices: np.ndarray, faces: np.ndarray) -> pv.PolyData:
    return pv.PolyData.from_regular_faces(np.asarray(vertices, dtype=np.float32),
                                          np.asarray(faces, dtype=np.int64))


def rings_poly(levels) -> pv.PolyData:
    """Closed polylines, one per measured level (loop x, y at height z)."""
    pts, lines, n = [], [], 0
    for s in levels:
        loop = np.asarray(s.loop, dtype=np.float64)
        if len(loop) > 1 and np.allclose(loop[0], loop[-1]):
            loop = loop[:-1]
        k = len(loop)
        if k < 3:
            continue
        pts.append(np.column_stack([loop, np.full(k, s.z_mm)]))
        lines.append(np.concatenate([[k + 1], np.arange(n, n + k), [n]]))
        n += k
    if not pts:
        return pv.PolyData()
    poly = pv.PolyData(np.vstack(pts).astype(np.float32))
    poly.lines = np.concatenate(lines).astype(np.int64)
    return poly


def add_view_label(plotter, view: str) -> None:
    """The name of the standard view (:data:`VIEW_LABELS`) in the lower right corner, in the
    window's language (the main and the compare window's views)."""
    plotter.add_text(view_text(translate("Viewport", VIEW_LABELS.get(view, ""))),
                     position="lower_right", font_size=9, color=TEXT, name="view_label",
                     render=False, **text_options())


class DragPlane:
    """A plane widget (``vtkImplicitPlaneWidget``) over a disc drawn in the view, held at
    its normal: a press on it (left button) moves it along that normal only.  While it
    moves and where it is let go, ``on_drag(origin, released)`` is called with its origin
    ((3,) mm).  The section plane and the cleaning's proximal cut are each one of these."""

    #: The widget's own square (where a press grabs it), faint under the disc.
    GRAB_OPACITY = 0.08

    def __init__(self, viewport: Viewport, colour, edge, on_drag, axis: str | None = None):
        self.viewport = viewport
        self.colour, self.edge, self.on_drag, self.axis = colour, edge, on_drag, axis
        self.widget = None
        self.bounds = None
        self.normal = None
        self.dragging = False

    def place(self, origin, normal, bounds) -> None:
        """Make the widget (or make it again for another box or normal), or move it to
        ``origin``."""
        normal = tuple(float(v) for v in normal)
        bounds = tuple(float(v) for v in bounds)
        w = self.widget
        if w is not None and self.bounds == bounds and self.normal == normal:
            if not self.dragging:
                w.SetOrigin(*[float(v) for v in origin])
            return
        self.drop()
        plotter = self.viewport.plotter
        w = plotter.add_plane_widget(
            None, normal=self.axis or normal, origin=tuple(float(v) for v in origin),
            bounds=bounds, factor=1.0, color=self.edge, assign_to_axis=self.axis,
            origin_translation=False, outline_translation=False, implicit=True,
            test_callback=False, interaction_event="always", outline_opacity=0.0,
            normal_rotation=self.axis is not None)
        # pyvista shows the plane only while it is dragged: here it is the handle.
        w.RemoveObservers(vtkCommand.StartInteractionEvent)
        w.RemoveObservers(vtkCommand.EndInteractionEvent)
        w.RemoveObservers(vtkCommand.InteractionEvent)
        if self.axis is None:
            w.SetNormal(*normal)
        w.SetDrawPlane(True)
        w.ScaleEnabledOff()                  # the right button zooms, as everywhere
        w.GetPlaneProperty().SetColor(self.colour)
        w.GetPlaneProperty().SetOpacity(self.GRAB_OPACITY)
        w.GetSelectedPlaneProperty().SetColor(self.colour)
        w.GetSelectedPlaneProperty().SetOpacity(0.2)
        edges = w.GetEdgesProperty()
        edges.SetColor(self.edge)
        edges.SetLineWidth(1.5)
        # The widget colours its edges by the cut's scalars (red): its own colour instead.
        # A normal not along an axis is held by hiding the arrow that would turn it.
        props = plotter.renderer.GetViewProps()
        for i in range(props.GetNumberOfItems()):
            prop = props.GetItemAsObject(i)
            if not prop.IsA("vtkActor"):
                continue
            if prop.GetProperty() is edges:
                prop.GetMapper().ScalarVisibilityOff()
            elif self.axis is None and prop.GetProperty() is w.GetNormalProperty():
                prop.PickableOff()
                prop.VisibilityOff()
        w.AddObserver(vtkCommand.StartInteractionEvent, lambda *_a: self._on_event("start"))
        w.AddObserver(vtkCommand.InteractionEvent, lambda *_a: self._on_event("move"))
        w.AddObserver(vtkCommand.EndInteractionEvent, lambda *_a: self._on_event("end"))
        self.widget, self.bounds, self.normal = w, bounds, normal

    def drop(self) -> bool:
        w = self.widget
        if w is None:
            return False
        w.Off()
        w.RemoveAllObservers()
        widgets = self.viewport.plotter.widgets.plane_widgets
        if w in widgets:
            widgets.remove(w)
        self.widget, self.bounds, self.normal = None, None, None
        if self.dragging:
            self.dragging = False
            self.viewport.plotter.renderer.SetUseFXAA(True)
        return True

    def _on_event(self, kind: str) -> None:
        w = self.widget
        if w is None:
            return
        if kind in ("start", "end"):
            # While the plane moves, the anti-aliasing pass (about two thirds of a frame in
            # software rendering) is left out, as while the shaping tools drag.
            self.dragging = kind == "start"
            self.viewport.plotter.renderer.SetUseFXAA(not self.dragging)
        if kind == "start":
            return
        if self.axis is None and np.abs(np.subtract(w.GetNormal(), self.normal)).max() > 1e-6:
            w.SetNormal(*self.normal)        # moved along its normal only
        self.on_drag(np.asarray(w.GetOrigin(), dtype=float), kind == "end")


class Viewport(QWidget):
    """A pyvistaqt interactor showing the current step."""

    rendered = Signal(str)     # what was drawn: a step name, or "preview"/"socket"
    #: The section plane dragged in the view: its level (mm above the distal end), and
    #: whether the button was released (False while it moves).
    sectionDragged = Signal(float, bool)
    #: The cleaning's proximal cut dragged in the Clean view: its height (mm from the
    #: distal end along the limb's axis), and whether the button was released.
    cutDragged = Signal(float, bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.plotter = QtInteractor(self, auto_update=False)
        lay.addWidget(self.plotter)
        self.plotter.set_background("white", top="#d9e2ec")
        self.plotter.enable_anti_aliasing("fxaa")
        # One letter per axis (longer names were clipped by the small corner viewport or ran
        # into each other); what the letters mean is written beside the triad.
        self.axes_actor = self.plotter.add_axes(xlabel="X", ylabel="Y", zlabel="Z",
                                                line_width=2, labels_off=False,
                                                viewport=(0.0, 0.0, 0.16, 0.16))
        self.axes_legend = ""
        self.caption_lines: list[str] = []
        self.distance_range_text = ""
        self.step = "scan"
        self.model = None
        self.see_through = False
        self._frame = None
        self._drawn_limb = None
        self._need_fit = True
        self._view = "three_quarter"
        self._cache: dict = {}
        #: The shaping tools (:class:`.shaping.Shaper`), drawn over the Rectify scene.
        self.shaper = None
        self._section_drag = DragPlane(self, self.SECTION_COLOUR, self.SECTION_EDGE,
                                       lambda o, released: self.sectionDragged.emit(
                                           float(o[2]), released), axis="z")
        self._cut_drag = DragPlane(self, self.CUT_COLOUR, self.CUT_EDGE, self._on_cut_moved)
        #: The proximal cut drawn in the Clean view (design frame): ``centre`` (3,),
        #: ``normal`` (3,), ``height_mm`` as the cleaning found or was set it, ``radius``,
        #: ``rule``; None when none is drawn.
        self.cut_shown: dict | None = None
        #: The height the drawn cut stands at now (moves while it is dragged).
        self.cut_height_mm: float | None = None

    # -- data ------------------------------------------------------------------------
    def _poly_of(self, key_obj, make):
        """Converted meshes by the identity of what they came from (a few kept)."""
        k = id(key_obj)
        hit = self._cache.get(k)
        if hit is not None and hit[0] is key_obj:
            return hit[1]
        poly = make()
        if len(self._cache) > 12:
            self._cache.clear()
        self._cache[k] = (key_obj, poly)
        return poly

    def _limb_poly(self):
        a = self.model.aligned
        return self._poly_of(a.mesh, lambda: mesh_poly(a.mesh.vertices, a.mesh.faces))

    def _socket_poly(self):
        s = self.model.socket
        return self._poly_of(s.mesh, lambda: mesh_poly(s.mesh.vertices, s.mesh.faces))

    # -- scenes ----------------------------------------------------------------------
    def show_step(self, step: str, model) -> None:
        """Draw ``step``, fitted to its scene (the viewing direction is kept)."""
        if step != self.step:
            self._need_fit = True
        self.step, self.model = step, model
        self.refresh()

    def refresh(self, what: str | None = None) -> None:
        """Redraw the current step from the model (rendered once, at the end)."""
        if what in ("preview", "template") and self._replace_socket():
            self.rendered.emit(what)
            return
        p = self.plotter
        m = self.model
        self._drawn_limb = None
        p.clear_actors()
        for title in list(p.scalar_bars.keys()):
            p.remove_scalar_bar(title, render=False)
        frame, lines = "design", []
        self.cut_shown = None
        if m is None or m.session is None:
            lines.append(translate("Viewport", "No scan open: File > Open scan, or drop a scan "
                                               "file here"))
        else:
            build = getattr(self, f"_scene_{self.step}")
            frame, lines = build(m)
        if self.cut_shown is None:
            self._cut_drag.drop()
            self.cut_height_mm = None
        self.caption_lines = list(lines)
        p.add_text(view_text("\n".join(lines)), position="upper_left", font_size=10, color=TEXT,
                   name="caption", render=False, **text_options())
        self._add_axes_legend(frame)
        add_view_label(p, self._view)
        if self._has_geometry():
            if frame != self._frame:
                # New kind of scene: its own standard view.
                self._frame = frame
                self._need_fit = False
                self.set_view("anterior" if frame in ("clean", "scan") else "three_quarter",
                              render=False)
                if self.cut_shown is not None and self._view == "anterior":
                    # The proximal cut's disc is level: seen from a little above, not
                    # edge-on, so that it can be seen and grabbed.
                    cam = p.camera
                    cam.Elevation(CUT_VIEW_ELEVATION_DEG)
                    cam.OrthogonalizeViewUp()
                    p.reset_camera()
            elif self._need_fit:
                self._need_fit = False
                p.reset_camera()
        p.render()
        self.rendered.emit(what or self.step)

    def _add_axes_legend(self, frame: str) -> None:
        """What the triad's letters mean: the limb's directions in the design frame, or the
        scan file's own axes while the scan is shown as read (before alignment)."""
        if frame == "scan":
            text = translate("Viewport", "File axes: X, Y, Z as in the scan file")
        else:
            text = translate("Viewport", "X: patient's right   Y: anterior   Z: proximal")
        self.axes_legend = text
        self.plotter.add_text(view_text(text), position=(0.01, 0.165), viewport=True,
                              font_size=8, color=TEXT, name="axes_legend", render=False,
                              **text_options())

    def _has_geometry(self) -> bool:
        b = self.plotter.bounds
        return np.all(np.isfinite(b)) and (b[1] - b[0]) > 0

    def _raw_cloud(self, raw, mark_removed: bool) -> pv.PolyData:
        poly = pv.PolyData(raw.points)
        if raw.colors is not None:
            rgb = raw.colors.copy()
        else:
            rgb = np.tile(np.array([[200, 170, 150]], np.uint8), (len(raw.points), 1))
        if mark_removed and raw.removed is not None:
            rgb[raw.removed] = (np.array(REMOVED) * 255).astype(np.uint8)
        poly["rgb"] = rgb
        return poly

    def _add_raw(self, raw, mark_removed: bool) -> None:
        """The scan's points, in their own colours (removed ones in red when asked)."""
        self.plotter.add_mesh(self._raw_cloud(raw, mark_removed), scalars="rgb", rgb=True,
                              point_size=2.0, name="raw", show_scalar_bar=False, render=False)

    def _scene_scan(self, m):
        raw = m.raw
        if raw is None:
            return "design", [translate("Viewport", "Reading the scan…")]
        self._add_raw(raw, mark_removed=False)
        text = (translate("Viewport", "Scan as read: {} points, in the design frame (mm)")
                if raw.frame == "design" else
                translate("Viewport", "Scan as read: {} points, in the file's axes (mm)"))
        return raw.frame, [text.format(f"{len(raw.points):,}")]

    def _scene_clean(self, m):
        raw = m.raw
        if raw is None:
            return "design", [translate("Viewport", "Reading the scan…")]
        self._add_raw(raw, mark_removed=True)
        if m.aligned is None or raw.frame != "design":
            return "scan", [translate("Viewport", "Before cleaning (the cleaned surface "
                                                  "follows)…")]
        limb = self._limb_poly()
        rb, lb = np.asarray(raw.points), limb.bounds
        # Seen from anterior, the patient's left (-X) is on the viewer's right: "after" there.
        dx = float(rb[:, 0].min() - lb[1] - 40.0)
        shifted = limb.translate((dx, 0.0, 0.0), inplace=False)
        self.plotter.add_mesh(shifted, color=SKIN, smooth_shading=True, name="cleaned",
                              specular=0.2, render=False)
        top = float(max(rb[:, 2].max(), lb[5])) + 25.0
        self.plotter.add_point_labels(
            np.array([[float(np.median(rb[:, 0])), 0.0, top],
                      [dx + 0.5 * (lb[0] + lb[1]), 0.0, top]]),
            view_labels([translate("Viewport", "before"), translate("Viewport", "after")]),
            font_size=14, text_color="black", shape_color="white", shape_opacity=0.8,
            show_points=False, name="labels", always_visible=True, render=False,
            **text_options())
        n_removed = int(raw.removed.sum()) if raw.removed is not None else 0
        tri = len(m.aligned.mesh.faces)
        lines = [translate("Viewport", "Left: the scan as read, {} points; red: {} removed "
                                       "(floor, hand, strays)")
                 .format(f"{len(raw.points):,}", f"{n_removed:,}"),
                 translate("Viewport", "Right: the cleaned limb surface, {} triangles")
                 .format(f"{tri:,}")]
        if self._add_proximal_cut(m, raw):
            lines.append(translate("Viewport", "Blue disc: the proximal cut from the thigh; "
                                               "drag it (left button) to move it along the "
                                               "limb's axis"))
        return "clean", lines

    # -- the cleaning's proximal cut (Clean view) --------------------------------------
    CUT_COLOUR = (0.22, 0.48, 0.90)
    CUT_EDGE = (0.08, 0.24, 0.58)
    #: The lowest cut the drag sets (mm from the distal end): below, no limb is left.
    CUT_MIN_MM = 40.0

    @staticmethod
    def proximal_cut_in_design(m) -> dict | None:
        """The cleaning's proximal cut in the design frame (the frame of the Clean view's
        points): ``centre`` (3,), unit ``normal`` (3,) pointing proximally, ``height_mm``
        from the distal end along it and ``rule``; None when the scan held no thigh."""
        cut = getattr(m.cleaned, "proximal_cut", None) if m.cleaned is not None else None
        if not cut or m.aligned is None:
            return None
        t = np.asarray(m.aligned.transform, dtype=float)
        n = t[:3, :3] @ np.asarray(cut["normal"], dtype=float)
        return {"centre": t[:3, :3] @ np.asarray(cut["point_mm"], dtype=float) + t[:3, 3],
                "normal": n / np.linalg.norm(n), "height_mm": float(cut["height_mm"]),
                "rule": str(cut.get("rule", ""))}

    def _add_proximal_cut(self, m, raw) -> bool:
        """A translucent disc where the cleaning cut the limb from the thigh, across the
        scan as read, labelled with its height, and a plane widget over it that drags it
        along its normal (``cutDragged``).  False (nothing drawn) without a cut."""
        cut = self.proximal_cut_in_design(m)
        if cut is None:
            return False
        c, n = cut["centre"], cut["normal"]
        pts = np.asarray(raw.points, dtype=float)
        d = pts - c
        along = d @ n
        radial = np.linalg.norm(d - np.outer(along, n), axis=1)
        limb = np.asarray(m.aligned.mesh.vertices, dtype=float)
        r_limb = float(np.linalg.norm((limb - c) - np.outer((limb - c) @ n, n), axis=1).max())
        near = (np.abs(along) < 10.0) & (radial < 2.0 * r_limb + 40.0)
        r = (float(np.percentile(radial[near], 98)) if near.sum() > 20 else r_limb) + 20.0
        p = self.plotter
        p.add_mesh(pv.Disc(center=c, inner=0.0, outer=r, normal=n, r_res=1, c_res=96),
                   color=self.CUT_COLOUR, opacity=0.4, name="cut_plane", pickable=False,
                   reset_camera=False, render=False)
        p.add_mesh(pv.Disc(center=c, inner=r - 0.01, outer=r, normal=n, r_res=1, c_res=96)
                   .extract_feature_edges(boundary_edges=True, feature_edges=False,
                                          manifold_edges=False, non_manifold_edges=False),
                   color=self.CUT_EDGE, line_width=2.5, name="cut_rim", pickable=False,
                   reset_camera=False, render=False)
        self.cut_shown = {**cut, "radius": r}
        self.cut_height_mm = cut["height_mm"]
        self._cut_label(c, cut["height_mm"])
        # The widget's box: the disc's width across, from low on the limb to the top of
        # the scan (the thigh) along the axis.
        top = float(max(pts[:, 2].max(), limb[:, 2].max()))
        lo = self.CUT_MIN_MM
        self._cut_drag.place(c, n, (c[0] - r, c[0] + r, c[1] - r, c[1] + r, lo, top))
        return True

    def _cut_label(self, centre, height_mm: float) -> None:
        cut = self.cut_shown
        n = cut["normal"]
        # Beside the disc's rim on the patient's right (+X: the viewer's left from the
        # front), reading away from the disc.
        side = np.cross(n, (0.0, 1.0, 0.0))
        side = side / (np.linalg.norm(side) or 1.0)
        if side[0] < 0:
            side = -side
        at = np.asarray(centre, dtype=float) + side * (cut["radius"] + 5.0)
        self.plotter.add_point_labels(
            at[None], view_labels([translate("Viewport", "Proximal cut: {} from the distal end")
                                   .format(f"{height_mm:.0f} mm")]),
            font_size=14, text_color="black", shape=None, background_color="white",
            background_opacity=0.85, show_points=False, always_visible=True,
            name="cut_label", pickable=False,
            justification_horizontal="right", reset_camera=False, render=False,
            **text_options())

    def _on_cut_moved(self, origin, released: bool) -> None:
        """The cut's plane widget moved to ``origin``: the disc and its label follow; the
        new height (mm from the distal end along the cut's normal) is reported."""
        cut = self.cut_shown
        if cut is None:
            return
        n = cut["normal"]
        h = cut["height_mm"] + float((np.asarray(origin) - cut["centre"]) @ n)
        top = self._cut_drag.bounds[5] if self._cut_drag.bounds else h
        h = float(min(max(h, self.CUT_MIN_MM), cut["height_mm"] + top - cut["centre"][2]))
        shift = n * (h - cut["height_mm"])
        actors = self.plotter.renderer.actors
        for name in ("cut_plane", "cut_rim"):
            if name in actors:
                actors[name].SetPosition(*shift)
        self._cut_label(cut["centre"] + shift, h)
        self.cut_height_mm = h
        if not self._cut_drag.dragging:
            self.plotter.render()            # (the widget renders while it moves)
        self.cutDragged.emit(h, bool(released))

    @property
    def cut_widget(self):
        """The proximal cut's plane widget while the cut is drawn."""
        return self._cut_drag.widget

    def move_cut(self, height_mm: float, released: bool = True) -> None:
        """Move the drawn proximal cut to ``height_mm`` as a drag there would (for the
        tests and the keyboard): the widget, the disc and ``cutDragged``."""
        cut = self.cut_shown
        w = self._cut_drag.widget
        if cut is None or w is None:
            return
        o = cut["centre"] + cut["normal"] * (float(height_mm) - cut["height_mm"])
        w.SetOrigin(*[float(v) for v in o])
        self._on_cut_moved(np.asarray(w.GetOrigin(), dtype=float), released)

    def _axis(self, m, length: float) -> None:
        self.plotter.add_mesh(pv.Line((0, 0, -15.0), (0, 0, length + 25.0)), color=AXIS,
                              line_width=3, name="axis", render=False)

    def _scene_align(self, m):
        if m.aligned is None:
            return "design", [translate("Viewport", "Aligning the limb…")]
        limb = self._limb_poly()
        length = float(limb.bounds[5])
        a = m.aligned
        fit = getattr(a, "anatomy", None)
        self.plotter.add_mesh(limb, color=SKIN, smooth_shading=True,
                              opacity=0.3 if fit is not None else 0.55,
                              name="limb", specular=0.2, render=False)
        bones = self._bones_polys(fit)
        for name in ("femur", "patella", "tibia", "fibula"):
            if name in bones:
                self.plotter.add_mesh(bones[name], color=BONE_COLOURS[name], smooth_shading=True,
                                      name=f"bone_{name}", render=False)
            else:
                self.plotter.remove_actor(f"bone_{name}", render=False)
        self._axis(m, length)
        self.plotter.add_mesh(pv.Arrow(start=(0, 0, 0), direction=(0, 1, 0), scale=90.0, tip_length=0.2,
                                       shaft_radius=0.02, tip_radius=0.06),
                              color=(0.1, 0.55, 0.2), name="anterior", render=False)
        self.plotter.add_point_labels(np.array([[0.0, 95.0, 0.0], [0.0, 0.0, length + 30.0]]),
                                      view_labels([translate("Viewport", "anterior (+Y)"),
                                                   translate("Viewport", "long axis (+Z)")]),
                                      font_size=12, show_points=False, shape_opacity=0.7,
                                      shape_color="white", name="align_labels",
                                      always_visible=True, render=False, **text_options())
        lines = [translate("Viewport", "Aligned limb: long axis (red) along +Z, distal end at "
                                       "z = 0")]
        g = float(a.anterior_guess_deg)
        turn = (translate("Viewport", "rotated {} counter-clockwise from the scan's +Y (seen "
                                      "from proximal)") if g > 0 else
                translate("Viewport", "rotated {} clockwise from the scan's +Y (seen from "
                                      "proximal)")).format(f"{abs(g):.0f}°")
        if fit is not None:
            lines.append(translate("Viewport", "Anterior found from the fitted anatomy model "
                                               "(bones shown; confidence {}, skin fit {}): {}")
                         .format(f"{fit.confidence:.0%}", f"{fit.residual_mean_mm:.1f} mm", turn))
        else:
            lines.append(translate("Viewport", "Anterior found from the sections' shape: {}")
                         .format(turn))
        lines.append(translate("Viewport", "Axis tilt from the scan's principal axis {}")
                     .format(f"{a.axis_tilt_deg:.1f}°"))
        return "design", lines

    def _bones_polys(self, fit) -> dict:
        """The fitted model's bones as meshes for the view (none without a fit)."""
        if fit is None:
            return {}

        def make():
            parts = fit.parts()
            return {k: mesh_poly(v.vertices, v.faces) for k, v in parts.items() if k != "skin"}

        return self._poly_of(fit, make)

    def _scene_measure(self, m):
        if m.aligned is None:
            return "design", [translate("Viewport", "Aligning the limb…")]
        limb = self._limb_poly()
        self.plotter.add_mesh(limb, color=SKIN, smooth_shading=True, opacity=0.35, name="limb", render=False)
        self._axis(m, float(limb.bounds[5]))
        meas = m.measurements
        if meas is None:
            return "design", [translate("Viewport", "Measuring…")]
        rings = self._poly_of(meas, lambda: rings_poly(meas.levels))
        if rings.n_points:
            self.plotter.add_mesh(rings, color=RING, line_width=2, name="rings", render=False)
        sp = m.groups["measure"].circumference_spacing_mm
        return "design", [translate("Viewport", "{} levels every {}; length {}, volume {}")
                          .format(len(meas.levels), f"{sp:g} mm", f"{meas.length_mm:.0f} mm",
                                  f"{meas.volume_ml:.0f} ml")]

    def _scene_rectify(self, m):
        sv = m.socket_view
        if sv is None:
            return "design", [translate("Viewport", "Building the socket…")]
        # A fresh copy each time: the shaping tools change its arrays in place while a
        # landmark or a brush moves.
        poly = self._distance_poly(sv)
        d = sv.distance_mm[sv.inner_vertices[:, 2] <= sv.trim_z_mm]
        # The full range (a percentile would show a 5 mm relief as 1 mm), rounded up.
        lim = float(max(1.0, np.ceil(np.abs(d).max() * 2) / 2 if len(d) else 1.0))
        lo, hi = (float(d.min()), float(d.max())) if len(d) else (0.0, 0.0)
        bar = view_text(translate("Viewport", "Cavity to limb (mm)"))
        self.plotter.add_mesh(poly, scalars="distance_mm", cmap="RdBu", clim=(-lim, lim),
                              smooth_shading=True, name="distance",
                              scalar_bar_args={"title": bar, "vertical": True,
                                               "position_x": 0.86, "position_y": 0.2,
                                               "height": 0.6, "width": 0.08,
                                               "title_font_size": 14, "label_font_size": 12,
                                               "fmt": "%.1f", "color": "black",
                                               "n_labels": 5}, render=False)
        bar_title(self.plotter, bar)
        # The bar runs over the largest distance either way; the true extremes are written
        # under it, so a deep relief is read at its depth.
        self.distance_range_text = translate("Viewport", "Below the trim:\n{} to {}\n(scale {})")\
            .format(f"{lo:+.1f}", f"{hi:+.1f} mm", f"±{lim:g} mm")
        self.plotter.add_text(view_text(self.distance_range_text), position=(0.80, 0.06),
                              viewport=True, font_size=9, color=TEXT, name="distance_range",
                              render=False, **text_options())
        if m.aligned is not None:
            self.plotter.add_mesh(self._limb_poly(), color=SKIN, opacity=0.18, name="limb", render=False)
        if self.shaper is not None and sv.key == id(m.socket):
            self.shaper.add_overlays()
        st = sv.stats()
        lines = [translate("Viewport", "Socket cavity coloured by its distance to the limb "
                                       "(mm): red inside the limb (compressed), blue outside "
                                       "(room)"),
                 translate("Viewport", "Below the trim line: {} to {}, mean {}; volume {} "
                                       "smaller")
                 .format(f"{st['min']:+.1f}", f"{st['max']:+.1f} mm", f"{st['mean']:+.1f} mm",
                         f"{sv.reduction_percent:.1f} %")]
        if sv.preview:
            lines.append(translate("Viewport", CANCELLED_PREVIEW) if m.cancelled
                         else translate("Viewport", "Preview (coarser grid); the full socket "
                                                    "follows"))
        return "design", lines

    @staticmethod
    def _distance_poly(sv) -> pv.PolyData:
        poly = mesh_poly(sv.inner_vertices, sv.inner_faces)
        poly["distance_mm"] = sv.distance_mm.astype(np.float32)
        return poly

    def _scene_template(self, m):
        if m.socket is None:
            return "design", [translate("Viewport", "Building the socket…")]
        if m.aligned is not None:
            self.plotter.add_mesh(self._limb_poly(), color=SKIN, smooth_shading=True,
                                  name="limb", specular=0.2, render=False)
            self._drawn_limb = m.aligned.mesh
        self._add_socket(m)
        return "design", self._socket_caption(m)

    @staticmethod
    def _socket_caption(m) -> list[str]:
        s = m.socket
        lines = [translate("Viewport", "Socket over the limb: trim {} (anterior), {} triangles")
                 .format(f"{s.trim_anterior_z_mm:.0f} mm", f"{len(s.mesh.faces):,}")]
        if m.socket_is_preview:
            lines.append(translate("Viewport", CANCELLED_PREVIEW) if m.cancelled
                         else translate("Viewport", "Preview (coarser grid); the full socket "
                                                    "and its checks follow"))
        return lines

    def _replace_socket(self) -> bool:
        """On the socket steps a new socket replaces only its own actor and the caption
        (the fast path of the live preview).  False when the whole scene must be drawn."""
        m = self.model
        if self.step not in ("template", "export") or m is None or m.socket is None \
                or m.aligned is None or self._drawn_limb is not m.aligned.mesh \
                or "socket" not in self.plotter.renderer.actors:
            return False
        self._add_socket(m)
        self.caption_lines = self._socket_caption(m)
        self.plotter.add_text(view_text("\n".join(self.caption_lines)), position="upper_left",
                              font_size=10, color=TEXT, name="caption", render=False,
                              **text_options())
        self.plotter.render()
        return True

    _scene_export = _scene_template

    def _add_socket(self, m) -> None:
        self.plotter.add_mesh(self._socket_poly(), color=SOCKET, smooth_shading=True,
                              split_sharp_edges=True, specular=0.3, name="socket",
                              opacity=0.45 if self.see_through else 1.0, render=False)

    # -- camera ----------------------------------------------------------------------
    def set_view(self, name: str, render: bool = True) -> None:
        """Look at the scene from a standard direction, fitted to it."""
        self._view = name
        d, up = VIEWS[name]
        d = np.asarray(d, dtype=float)
        d /= np.linalg.norm(d)
        p = self.plotter
        b = np.asarray(p.bounds, dtype=float)
        if not np.all(np.isfinite(b)):
            return
        c = np.array([(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2])
        r = float(np.linalg.norm([b[1] - b[0], b[3] - b[2], b[5] - b[4]])) or 100.0
        p.camera_position = [tuple(c + d * 3 * r), tuple(c), tuple(up)]
        p.reset_camera()
        add_view_label(p, name)
        if render:
            p.render()
            self.rendered.emit("view")

    def fit(self) -> None:
        self.plotter.reset_camera()
        self.plotter.render()

    def set_see_through(self, on: bool) -> None:
        self.see_through = bool(on)
        if self.step in ("template", "export") and self.model is not None \
                and self.model.socket is not None:
            self._add_socket(self.model)
            self.plotter.render()
            self.rendered.emit("socket")

    def close(self) -> bool:
        try:
            self.plotter.close()
        except Exception:  # noqa: BLE001 - closing twice at exit
            pass
        return super().close()

    # -- section plane and tape (the Section and tape panel, gui/measuretools.py) ------
    #: Steps whose scene is in the limb frame, where the section plane and tape are drawn.
    OVERLAY_STEPS = ("align", "measure", "rectify", "template", "export")
    SECTION_COLOUR = (0.96, 0.76, 0.12)
    TAPE_COLOUR = (0.10, 0.62, 0.25)
    #: The actors they are drawn with (point labels add "-points" and "-labels").
    _SECTION_ACTORS = ("section_plane", "section_rim", "section_label-labels")
    _TAPE_ACTORS = ("tape_path", "tape_ends-points", "tape_ends-labels")

    SECTION_EDGE = (0.65, 0.45, 0.0)

    def show_section_plane(self, z_mm: float | None) -> None:
        """A translucent disc across the limb at height ``z_mm`` (mm above the distal end),
        or none; it stays over redraws of the scene on the steps in the limb frame.  With
        the disc comes a plane widget held normal to the limb's axis: dragging the plane
        (left button) moves it along the axis and reports ``sectionDragged``."""
        self._hook_overlays()
        self._section_z_mm = None if z_mm is None else float(z_mm)
        if self._section_z_mm is not None and self._section_drag.dragging \
                and self._follow_drag():
            return
        self._draw_overlays(force=True)

    @property
    def section_widget(self):
        """The plane widget (a ``vtkImplicitPlaneWidget``) while the section is shown."""
        return self._section_drag.widget

    def _follow_drag(self) -> bool:
        """While the plane is dragged: move the drawn disc and its label to the level
        without building them again (the widget renders the frame).  False when they are
        not drawn."""
        actors = self.plotter.renderer.actors
        if not all(n in actors for n in ("section_plane", "section_rim")) \
                or self._section_drawn is None:
            return False
        (cx, cy, z0), r = self._section_drawn
        z = self._section_z_mm
        for name in ("section_plane", "section_rim"):
            actors[name].SetPosition(0.0, 0.0, z - z0)
        self._section_label(cx + r, cy, z)
        return True

    def _section_label(self, x: float, y: float, z: float) -> None:
        self.plotter.add_point_labels(np.array([[x, y, z]]), [f"z = {z:.0f} mm"],
                                      font_size=12, shape_color="white", shape_opacity=0.8,
                                      show_points=False, always_visible=True,
                                      name="section_label", pickable=False,
                                      reset_camera=False, render=False)

    def _place_plane_widget(self, centre, r: float, z: float) -> None:
        """The section's plane widget over the disc: made (or made again for another
        limb), or moved to ``z``."""
        b = self._limb_poly().bounds
        self._section_drag.place((centre[0], centre[1], z), (0.0, 0.0, 1.0),
                                 (centre[0] - r, centre[0] + r, centre[1] - r, centre[1] + r,
                                  float(b[4]), float(b[5])))

    @property
    def _plane_dragging(self) -> bool:
        """A plane of the view (the section or the proximal cut) is being dragged."""
        return self._section_drag.dragging or self._cut_drag.dragging

    def show_tape(self, path_points: np.ndarray | None) -> None:
        """A tape along ``path_points`` (k, 3) mm, its ends marked A and B (one point: A
        alone), or none."""
        self._hook_overlays()
        self._tape_path = None if path_points is None or not len(path_points) \
            else np.asarray(path_points, dtype=float).reshape(-1, 3)
        self._draw_overlays(force=True)

    def start_point_picking(self, callback) -> bool:
        """Call ``callback(point)`` ((3,) float, mm) for each left click on the limb (through
        the socket, which is not pickable meanwhile) until :meth:`stop_point_picking`.
        False when the view cannot pick now."""
        self._hook_overlays()
        self.stop_point_picking()
        try:
            self.plotter.enable_surface_point_picking(
                callback=self._on_point_picked, left_clicking=True, show_message=False,
                show_point=False, picker="cell", use_picker=True, clear_on_no_selection=False)
        except Exception:  # noqa: BLE001 - pyvista refuses while another picking is on
            return False
        self._pick_callback = callback
        self._only_limb_pickable()
        return True

    def stop_point_picking(self) -> None:
        if getattr(self, "_pick_callback", None) is not None:
            self._pick_callback = None
            self.plotter.disable_picking()
            for actor in self.plotter.renderer.actors.values():
                if hasattr(actor, "SetPickable"):
                    actor.SetPickable(True)

    def _on_point_picked(self, point, picker) -> None:
        limb = self.plotter.renderer.actors.get("limb")
        if self._pick_callback is None or limb is None or picker.GetActor() is not limb:
            return
        self._pick_callback(np.asarray(point, dtype=float))

    def _only_limb_pickable(self) -> None:
        limb = self.plotter.renderer.actors.get("limb")
        for actor in self.plotter.renderer.actors.values():
            if hasattr(actor, "SetPickable"):
                actor.SetPickable(actor is limb)

    def _hook_overlays(self) -> None:
        if not getattr(self, "_overlays_hooked", False):
            self._overlays_hooked = True
            self._section_z_mm = None
            self._section_drawn = None
            self._tape_path = None
            self._pick_callback = None
            self.rendered.connect(lambda _what: self._draw_overlays(force=False))

    def _draw_overlays(self, force: bool) -> None:
        """Add the section disc and the tape to the scene (after the scene was redrawn, or
        when they changed), or take them away."""
        p = self.plotter
        actors = p.renderer.actors
        m = self.model
        here = self.step in self.OVERLAY_STEPS and m is not None \
            and getattr(m, "aligned", None) is not None
        z, path = self._section_z_mm, self._tape_path
        changed = False
        if not here or z is None:
            for name in self._SECTION_ACTORS:
                changed |= bool(name in actors and p.remove_actor(name, render=False))
            changed |= self._section_drag.drop()
            self._section_drawn = None
        elif force or "section_plane" not in actors:
            b = self._limb_poly().bounds
            c = (0.5 * (b[0] + b[1]), 0.5 * (b[2] + b[3]), z)
            r = 0.5 * max(b[1] - b[0], b[3] - b[2]) + 20.0
            p.add_mesh(pv.Disc(center=c, inner=0.0, outer=r, normal=(0, 0, 1), r_res=1,
                               c_res=96), color=self.SECTION_COLOUR, opacity=0.35,
                       name="section_plane", pickable=False, reset_camera=False, render=False)
            p.add_mesh(pv.Circle(radius=r, resolution=96).translate(c, inplace=False),
                       style="wireframe", color=self.SECTION_EDGE, line_width=2,
                       name="section_rim", pickable=False, reset_camera=False, render=False)
            self._section_label(c[0] + r, c[1], z)
            self._section_drawn = (c, r)
            self._place_plane_widget(c, r, z)
            changed = True
        if not here or path is None:
            for name in self._TAPE_ACTORS:
                changed |= bool(name in actors and p.remove_actor(name, render=False))
        elif force or "tape_ends-labels" not in actors:
            if len(path) > 1:
                p.add_mesh(pv.lines_from_points(path), color=self.TAPE_COLOUR, line_width=5,
                           render_lines_as_tubes=True, name="tape_path", pickable=False,
                           reset_camera=False, render=False)
            else:
                p.remove_actor("tape_path", render=False)
            ends = path[[0, -1]] if len(path) > 1 else path[:1]
            p.add_point_labels(ends, ["A", "B"][:len(ends)], font_size=14, point_size=14,
                               point_color=self.TAPE_COLOUR, render_points_as_spheres=True,
                               shape_color="white", shape_opacity=0.8, always_visible=True,
                               name="tape_ends", pickable=False, reset_camera=False,
                               render=False)
            changed = True
        if self._pick_callback is not None:
            self._only_limb_pickable()
        if changed and not self._plane_dragging:      # the widget renders while it moves
            p.render()
