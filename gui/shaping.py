"""Shaping the socket on the model: landmarks, the trim line and brushes in the 3D view.

The Rectify view draws the cavity coloured by its distance to the limb, the landmarks as
named markers (orange with "?" while they are guesses, green once a person has set or
confirmed them), the trim line with its four control points (anterior, wings, posterior)
and the protected regions.  With a tool chosen on the Rectify page, the left mouse button
works on the model instead of turning it:

- **Move landmarks**: drag a marker over the limb; its zones follow at once.
- **Trim line**: drag a control point over the limb; the line follows through it.  Each
  point is labelled in the view with its height above the distal end and against the MPT
  (mid-patellar tendon landmark, when the design has one), and the Rectify page lists them;
  both follow the point while it moves.
- **Push in / Relieve / Smooth**: click (or drag) on the limb: each dab is a stroke of the
  brush's radius, depth and fall-off; **Protect** marks a region strokes leave alone.

While the button is down everything is computed here, on the GUI thread, from the socket
already built (the cavity is the core's own :func:`prosthetics.sockets.engine.rectify` on
its grid: a few milliseconds) and drawn by changing the shown arrays in place.  On release
the change goes on the undo stack as one command in clinical words; the worker then builds
the socket and its checks.  A press that hits nothing the tool can move turns the view as
usual.
"""

from __future__ import annotations

import time

import numpy as np
import pyvista as pv
from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QObject, Qt, Signal

from prosthetics.limb.compare import SOCK_PLY_PERCENT
from prosthetics.limb.landmarks import LANDMARK_WORDS, TRIM_WORDS, with_overrides
from prosthetics.sockets.engine import _grid_normals, rectify
from prosthetics.sockets.rectification import (
    TRIM_POINTS,
    ProtectRegion,
    Stroke,
    grid_volume_ml,
    trim_point_angle_deg,
    trim_with_points,
)

from .language import translate
from .messages import catalogue_text
from .viewtext import text_options, view_labels

#: The shaping tools by name (translated where shown, context "Shaper").
TOOLS = {"view": QT_TRANSLATE_NOOP("Shaper", "Turn the view"),
         "landmarks": QT_TRANSLATE_NOOP("Shaper", "Move landmarks"),
         "trim": QT_TRANSLATE_NOOP("Shaper", "Trim line"),
         "push": QT_TRANSLATE_NOOP("Shaper", "Push in"),
         "pull": QT_TRANSLATE_NOOP("Shaper", "Relieve"),
         "smooth": QT_TRANSLATE_NOOP("Shaper", "Smooth"),
         "protect": QT_TRANSLATE_NOOP("Shaper", "Protect")}
#: The trim line's control points by name (translated where shown, context "Shaper").
TRIM_POINT_WORDS = {"anterior": QT_TRANSLATE_NOOP("Shaper", "Anterior brim"),
                    "medial_wing": QT_TRANSLATE_NOOP("Shaper", "Medial wing"),
                    "lateral_wing": QT_TRANSLATE_NOOP("Shaper", "Lateral wing"),
                    "posterior": QT_TRANSLATE_NOOP("Shaper", "Posterior cut")}
#: The distal end's height in the limb frame (its origin: docs/architecture.md).
DISTAL_Z_MM = 0.0
GUESS = (0.95, 0.55, 0.10)
CONFIRMED = (0.10, 0.60, 0.25)
TRIM = (0.45, 0.20, 0.65)
PROTECT = (0.20, 0.45, 0.85)
#: A press within this many pixels of a marker grabs it.
GRAB_PX = 14.0
#: A trim point's height label stands this far out from the limb (mm).
LABEL_OUT_MM = 6.0
#: The landmark the trim points' heights are also given against.
MPT = "mid_patellar_tendon"

def _side(sock) -> str:
    return getattr(getattr(sock.params, "limb_side", None), "value", "right")


def trim_height_text(height: dict) -> str:
    """A trim point's heights as the 3D view labels it: "212 mm, MPT +15 mm" (mm above the
    distal end, and above (+) or below the MPT; the same in every language)."""
    text = f"{height['distal_mm']:.0f} mm"
    if height.get("mpt_mm") is not None:
        text += f", MPT {height['mpt_mm']:+.0f} mm"
    return text


class Shaper(QObject):
    """The tools that work on the model in the Rectify view (see the module notes)."""

    liveChanged = Signal(dict)     # volume change and what is being dragged, while it moves
    trimHeightsChanged = Signal(dict)  # name -> trim_heights() row, drawn and while dragged
    frameDrawn = Signal(str)       # a live frame was rendered: "landmark", "trim", "stroke"
    toolChanged = Signal(str)

    def __init__(self, viewport, model, parent: QObject | None = None):
        super().__init__(parent)
        self.vp, self.model = viewport, model
        self.tool = "view"
        self.radius_mm = 12.0
        self.depth_mm = 2.0
        self.falloff_mm = 10.0
        self.strength = 0.5
        self._drag: dict | None = None
        self._query = (None, None)
        self._through = False
        viewport.plotter.installEventFilter(self)
        model.handChanged.connect(self.show_hand)

    # -- state -----------------------------------------------------------------------
    def set_tool(self, name: str) -> None:
        if name not in TOOLS:
            raise KeyError(name)
        self.tool = name
        self.vp.plotter.setCursor(Qt.CursorShape.ArrowCursor if name == "view"
                                  else Qt.CursorShape.CrossCursor)
        self.toolChanged.emit(name)

    def active(self) -> bool:
        m = self.model
        return (self.tool != "view" and self.vp.step == "rectify" and m.socket is not None
                and m.aligned is not None and m.socket_view is not None
                and m.socket_view.key == id(m.socket))

    def limb_query(self):
        limb = self.model.aligned.mesh
        if self._query[0] is not limb:
            from prosthetics.geometry.meshing import SurfaceQuery

            self._query = (limb, SurfaceQuery(limb))
        return self._query[1]

    def landmark_points(self) -> dict:
        """Landmarks as shown: the socket's, with what was set by hand since over them."""
        sock = self.model.socket
        if sock is None or sock.landmarks is None:
            return {}
        pts = {k: np.asarray(v, dtype=float) for k, v in sock.landmarks.points.items()}
        pts.update({k: np.asarray(v, dtype=float) for k, v in self.model.hand.landmarks.items()})
        return pts

    def is_confirmed(self, name: str) -> bool:
        h = self.model.hand
        return name in h.confirmed or name in h.landmarks

    def trim_points(self) -> dict:
        """The trim line's control points (name -> (3,) mm) on the socket's brim."""
        sock = self.model.socket
        top = sock.grid.limb_points[-1]
        ang = np.degrees(np.arctan2(top[:, 1], top[:, 0]))
        out = {}
        for name in TRIM_POINTS:
            if name in self.model.hand.trim_points:
                out[name] = np.asarray(self.model.hand.trim_points[name], dtype=float)
                continue
            a = trim_point_angle_deg(name, _side(sock))
            j = int(np.argmin(np.abs((ang - a + 180.0) % 360.0 - 180.0)))
            out[name] = top[j].copy()
        return out

    def trim_heights(self, points: dict | None = None, marks: dict | None = None) -> dict:
        """Each trim point's height: name -> {"z_mm", "distal_mm" (above the distal end,
        z = 0 of the limb frame), "mpt_mm" (above the MPT landmark; None without one)}, for
        ``points`` (default: as shown) against the landmarks ``marks`` (default: as shown)."""
        points = self.trim_points() if points is None else points
        marks = self.landmark_points() if marks is None else marks
        mpt = marks.get(MPT)
        out = {}
        for name, p in points.items():
            z = float(p[2])
            out[name] = {"z_mm": z, "distal_mm": z - DISTAL_Z_MM,
                         "mpt_mm": None if mpt is None else z - float(mpt[2])}
        return out

    # -- the cavity, live ------------------------------------------------------------------
    def cavity(self, hand, marks: dict | None = None):
        """Cavity rows and pole of the shown socket's grid for ``hand`` (and landmarks)."""
        sock = self.model.socket
        lm = sock.landmarks
        if lm is not None:
            lm = with_overrides(lm, {**hand.landmarks, **(marks or {})})
        rows, pole, _ = rectify(sock.grid, sock.params, sock.trim_anterior_z_mm, lm, hand)
        return rows, pole

    def live_figures(self, rows, pole) -> dict:
        g = self.model.socket.grid
        limb_ml = grid_volume_ml(g.limb_points, g.limb_pole)
        change = 100.0 * (grid_volume_ml(rows, pole) / limb_ml - 1.0)
        return {"volume_change_percent": change, "sock_plies": change / SOCK_PLY_PERCENT}

    def _show_cavity(self, rows, pole) -> None:
        actor = self.vp.plotter.renderer.actors.get("distance")
        if actor is None:
            return
        poly = actor.mapper.dataset
        g = self.model.socket.grid
        verts = np.vstack([pole[None], rows.reshape(-1, 3)])
        if poly.n_points != len(verts):
            return
        n = _grid_normals(g.limb_points, g.limb_pole)
        d = np.einsum("ijk,ijk->ij", rows - g.limb_points, n).ravel()
        d_pole = float(g.limb_pole[2] - pole[2])
        poly.points = verts.astype(np.float32)
        poly["distance_mm"] = np.concatenate([[d_pole], d]).astype(np.float32)
        self.liveChanged.emit(self.live_figures(rows, pole))

    # -- picking -----------------------------------------------------------------------
    def ray(self, x: float, y: float):
        """The viewing ray (origin, unit direction) through widget pixel (x, y)."""
        w = self.vp.plotter
        ren = w.renderer
        dpr = w.devicePixelRatioF()
        X, Y = x * dpr, (w.height() - y - 1) * dpr
        ends = []
        for depth in (0.0, 1.0):
            ren.SetDisplayPoint(X, Y, depth)
            ren.DisplayToWorld()
            p = np.array(ren.GetWorldPoint(), dtype=float)
            ends.append(p[:3] / (p[3] if p[3] else 1.0))
        d = ends[1] - ends[0]
        return ends[0], d / np.linalg.norm(d)

    def pick(self, x: float, y: float):
        """The point of the limb under pixel (x, y) and the limb's outward normal there, or
        None."""
        o, d = self.ray(x, y)
        q = self.limb_query()
        t = q.cast(o[None], d[None])[0]
        if not np.isfinite(t):
            return None
        p = o + d * t
        _pts, tri = q.closest_points(p[None])
        n = np.asarray(self.model.aligned.mesh.face_normals[int(tri[0])], dtype=float)
        return p, n

    def screen_of(self, point) -> tuple[float, float]:
        """Widget pixel of a world point (for driving the tools without a mouse)."""
        w = self.vp.plotter
        ren = w.renderer
        ren.SetWorldPoint(*[float(c) for c in point], 1.0)
        ren.WorldToDisplay()
        X, Y, _ = ren.GetDisplayPoint()
        dpr = w.devicePixelRatioF()
        return X / dpr, w.height() - 1 - Y / dpr

    # -- mouse -------------------------------------------------------------------------
    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 - Qt API
        t = ev.type()
        if t not in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                     QEvent.Type.MouseButtonRelease):
            return False
        if t == QEvent.Type.MouseButtonPress:
            if ev.button() != Qt.MouseButton.LeftButton or not self.active():
                return False
            pos = ev.position()
            self._through = not self.press(pos.x(), pos.y())
            return not self._through
        if self._drag is None:
            return False
        pos = ev.position()
        if t == QEvent.Type.MouseMove:
            self.move(pos.x(), pos.y())
        else:
            self.release()
        return True

    def press(self, x: float, y: float) -> bool:
        """Start the tool's work at pixel (x, y); False when nothing there for it."""
        hit = self.pick(x, y)
        if hit is None:
            return False
        p, n = hit
        if self.tool in ("landmarks", "trim"):
            pts = self.landmark_points() if self.tool == "landmarks" else self.trim_points()
            if not pts:
                return False
            # The marker nearest the pointer on the screen, within a few pixels.
            px = {k: np.hypot(*np.subtract(self.screen_of(v), (x, y))) for k, v in pts.items()}
            name = min(px, key=px.get)
            if px[name] > GRAB_PX:
                return False
            self._drag = {"kind": self.tool, "name": name, "start": pts[name], "at": pts[name]}
            self._interacting(True)
            self.move(x, y)
            return True
        if self.tool == "protect":
            self._drag = {"kind": "protect", "regions": [ProtectRegion(
                centre_mm=tuple(p), radius_mm=self.radius_mm, falloff_mm=5.0)]}
            self._draw_protect(self._drag["regions"])
            self._render("stroke")
            return True
        self._drag = {"kind": "stroke", "strokes": [], "last": None}
        self._interacting(True)
        self._dab(p, n)
        return True

    def _interacting(self, on: bool) -> None:
        """While a marker or a brush moves, the translucent limb and the anti-aliasing
        pass (about two thirds of a frame in software rendering) are left out."""
        p = self.vp.plotter
        for name in ("limb", "landmark_labels-labels"):
            actor = p.renderer.actors.get(name)
            if actor is not None:
                actor.SetVisibility(not on)
        p.renderer.SetUseFXAA(not on)

    def move(self, x: float, y: float) -> None:
        d = self._drag
        if d is None:
            return
        hit = self.pick(x, y)
        if hit is None:
            return
        p, n = hit
        if d["kind"] == "landmarks":
            d["at"] = p
            rows, pole = self.cavity(self.model.hand, {d["name"]: p})
            self._show_cavity(rows, pole)
            self._move_marker("landmark_points", d["name"], p)
            if d["name"] == MPT:
                self._draw_trim_heights(marks={**self.landmark_points(), MPT: p})
            self._render("landmark")
        elif d["kind"] == "trim":
            d["at"] = p
            self._draw_trim_line(self._trim_line_through(d["name"], p))
            self._move_marker("trim_points", d["name"], p)
            self._draw_trim_heights({**self.trim_points(), d["name"]: p})
            self._render("trim")
        elif d["kind"] == "stroke":
            if d["last"] is None or np.linalg.norm(p - d["last"]) >= 0.5 * self.radius_mm:
                self._dab(p, n)

    def _stroke(self, p, n) -> Stroke:
        kind = self.tool
        return Stroke(kind=kind, centre_mm=tuple(float(c) for c in p),
                      normal=tuple(float(c) for c in n / np.linalg.norm(n)),
                      radius_mm=self.radius_mm, falloff_mm=self.falloff_mm,
                      depth_mm=0.0 if kind == "smooth" else self.depth_mm,
                      strength=self.strength)

    def _dab(self, p, n) -> None:
        d = self._drag
        d["strokes"].append(self._stroke(p, n))
        d["last"] = p
        hand = self.model.hand.replace(strokes=(*self.model.hand.strokes, *d["strokes"]))
        rows, pole = self.cavity(hand)
        self._show_cavity(rows, pole)
        self._render("stroke")

    def release(self) -> None:
        d, self._drag = self._drag, None
        if d is None:
            return
        self._interacting(False)
        self.vp.plotter.render()
        m = self.model
        h = m.hand
        if d["kind"] == "landmarks":
            name = d["name"]
            moved = float(np.linalg.norm(d["at"] - d["start"]))
            if moved < 0.5:
                m.set_hand(h.replace(confirmed=h.confirmed | {name}),
                           translate("Shaper", "Confirm the {} landmark")
                           .format(LANDMARK_WORDS.get(name, name)))
            else:
                m.set_hand(h.replace(landmarks={**h.landmarks, name: tuple(d["at"])}),
                           translate("Shaper", "Move the {} landmark {} mm")
                           .format(LANDMARK_WORDS.get(name, name), f"{moved:.0f}"))
        elif d["kind"] == "trim":
            name = d["name"]
            dz = float(d["at"][2] - d["start"][2])
            m.set_hand(h.replace(trim_points={**h.trim_points, name: tuple(d["at"])}),
                       (translate("Shaper", "Move the {} of the trim line up {} mm") if dz >= 0
                        else translate("Shaper", "Move the {} of the trim line down {} mm"))
                       .format(TRIM_WORDS[name], f"{abs(dz):.0f}"))
        elif d["kind"] == "protect":
            m.set_hand(h.replace(protect=(*h.protect, *d["regions"])),
                       translate("Shaper", "Protect a region {} mm across")
                       .format(f"{2 * self.radius_mm:.0f}"))
        else:
            strokes = d["strokes"]
            words = strokes[0].describe()
            if len(strokes) > 1:
                words += translate("Shaper", " ({} dabs)").format(len(strokes))
            m.set_hand(h.replace(strokes=(*h.strokes, *strokes)), words[:1].upper() + words[1:])

    def show_hand(self) -> None:
        """After an undo, a redo or a change of the hand rectification: the markers where
        they now are and the cavity as it will be, at once (the socket follows)."""
        m = self.model
        if self._drag is not None or self.vp.step != "rectify" or m.socket is None \
                or m.socket_view is None or m.socket_view.key != id(m.socket):
            return
        self.vp.refresh("hand")
        rows, pole = self.cavity(m.hand)
        self._show_cavity(rows, pole)
        self._render("hand")

    # -- drawing -----------------------------------------------------------------------
    def _render(self, what: str) -> None:
        self.vp.plotter.render()
        self.frameDrawn.emit(what)

    def _move_marker(self, actor_name: str, name: str, p) -> None:
        actor = self.vp.plotter.renderer.actors.get(actor_name)
        if actor is None:
            return
        poly = actor.mapper.dataset
        names = list(poly.field_data["names"])
        if name in names:
            pts = np.array(poly.points)
            pts[names.index(name)] = p
            poly.points = pts

    def _trim_line_through(self, name: str, p) -> np.ndarray:
        """The brim line on the limb with one control point moved to ``p`` (live preview):
        the core's :func:`trim_with_points` over the shown brim instead of the template's
        curve (the socket built afterwards uses the template's)."""
        sock = self.model.socket
        top = sock.grid.limb_points[-1]
        ang = np.degrees(np.arctan2(top[:, 1], top[:, 0]))
        order = np.argsort(ang)

        def shown(theta, _p, _z):
            return np.interp(np.degrees(theta), ang[order], top[order, 2], period=360.0)

        trim = trim_with_points(shown, {**self.trim_points(), name: tuple(p)}, _side(sock))
        th = np.radians(ang)
        z = trim(th, None, None)
        dirs = np.column_stack([np.cos(th), np.sin(th), np.zeros_like(th)])
        origins = np.column_stack([np.zeros_like(z), np.zeros_like(z), z])
        t = self.limb_query().cast(origins, dirs)
        t = np.where(np.isfinite(t), t, np.linalg.norm(top[:, :2], axis=1))
        return origins + dirs * t[:, None]

    def _draw_trim_line(self, loop: np.ndarray) -> None:
        actor = self.vp.plotter.renderer.actors.get("trim_line")
        if actor is not None and actor.mapper.dataset.n_points == len(loop) + 1:
            actor.mapper.dataset.points = np.vstack([loop, loop[:1]]).astype(np.float32)
            return
        self.vp.plotter.add_mesh(pv.lines_from_points(np.vstack([loop, loop[:1]])),
                                 color=TRIM, line_width=4, name="trim_line", render=False)

    def _draw_trim_heights(self, points: dict | None = None,
                           marks: dict | None = None) -> None:
        """Label each trim point with its heights (:func:`trim_height_text`), and tell the
        page (``trimHeightsChanged``).  A label stands a few millimetres out from the limb
        beside its point and shows only from where the point can be seen (the posterior
        cut's does not print over the front of the limb)."""
        heights = self.trim_heights(points, marks)
        points = self.trim_points() if points is None else points
        names = list(heights)
        at = np.array([points[k] for k in names], dtype=float)
        out = at[:, :2] / np.maximum(np.linalg.norm(at[:, :2], axis=1, keepdims=True), 1e-9)
        at[:, :2] += LABEL_OUT_MM * out
        self.vp.plotter.add_point_labels(
            at, [trim_height_text(heights[k]) for k in names], font_size=10, bold=True,
            text_color=TRIM, shape_color="white", shape_opacity=0.8, show_points=False,
            always_visible=False, tolerance=0.01, name="trim_heights", pickable=False,
            reset_camera=False, render=False)
        self.trimHeightsChanged.emit(heights)

    def _draw_protect(self, regions) -> None:
        for i, r in enumerate(regions):
            self.vp.plotter.add_mesh(
                pv.Sphere(radius=r.radius_mm, center=r.centre_mm, theta_resolution=16,
                          phi_resolution=12),
                color=PROTECT, opacity=0.25, name=f"protect_{len(self.model.hand.protect) + i}",
                render=False)

    def add_overlays(self) -> None:
        """Draw the landmarks, trim line and protected regions of the shown socket (the
        Rectify scene calls this; nothing is rendered here)."""
        m, p = self.model, self.vp.plotter
        if m.socket is None or m.aligned is None:
            return
        marks = self.landmark_points()
        if marks:
            names = list(marks)
            poly = pv.PolyData(np.array([marks[k] for k in names], dtype=np.float32))
            poly.field_data["names"] = np.array(names)
            poly["rgb"] = (np.array([CONFIRMED if self.is_confirmed(k) else GUESS
                                     for k in names]) * 255).astype(np.uint8)
            p.add_mesh(poly, scalars="rgb", rgb=True, point_size=16,
                       render_points_as_spheres=True, name="landmark_points",
                       show_scalar_bar=False, render=False)
            labels = [catalogue_text(LANDMARK_WORDS.get(k, k))
                      + ("" if self.is_confirmed(k) else " ?") for k in names]
            p.add_point_labels(poly.points, view_labels(labels), font_size=10,
                               show_points=False, shape_opacity=0.6, shape_color="white",
                               name="landmark_labels", always_visible=True, render=False,
                               **text_options())
        tp = self.trim_points()
        names = list(tp)
        poly = pv.PolyData(np.array([tp[k] for k in names], dtype=np.float32))
        poly.field_data["names"] = np.array(names)
        p.add_mesh(poly, color=TRIM, point_size=18, render_points_as_spheres=True,
                   name="trim_points", render=False)
        self._draw_trim_line(m.socket.grid.limb_points[-1])
        self._draw_trim_heights(tp, marks)
        for i, r in enumerate(m.hand.protect):
            p.add_mesh(pv.Sphere(radius=r.radius_mm, center=r.centre_mm, theta_resolution=16,
                                 phi_resolution=12), color=PROTECT, opacity=0.25,
                       name=f"protect_{i}", render=False)


def timed_drag(shaper: Shaper, start, path, tool: str) -> list[float]:
    """Drag with ``tool`` from world point ``start`` along world points ``path`` by sending
    mouse events to the view; returns each move's time from event to rendered frame (ms).
    For the benchmark and the tests."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    w = shaper.vp.plotter
    shaper.set_tool(tool)

    def send(kind, point):
        x, y = shaper.screen_of(point)
        ev = QMouseEvent(kind, QPointF(x, y), QPointF(x, y), Qt.MouseButton.LeftButton,
                         Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseButtonRelease
                         else Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(w, ev)

    times = []
    drawn: list = []
    shaper.frameDrawn.connect(drawn.append)
    try:
        send(QEvent.Type.MouseButtonPress, start)
        for q in path:
            drawn.clear()
            t0 = time.perf_counter()
            send(QEvent.Type.MouseMove, q)
            if drawn:
                times.append(1000.0 * (time.perf_counter() - t0))
        send(QEvent.Type.MouseButtonRelease, path[-1] if len(path) else start)
    finally:
        shaper.frameDrawn.disconnect(drawn.append)
    return times
