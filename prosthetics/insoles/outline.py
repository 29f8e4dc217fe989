"""The insole's outline: the foot's footprint, shoe-size grading and the outline polygon.

:func:`footprint_polygon` is the foot's outline seen from above, :func:`shoe_last_length_mm`
the inside length of a shoe of a given size (:class:`SizeSystem`), and :func:`insole_outline`
the insole's outline polygon from either (:class:`OutlineFrom`), full or 3/4 length
(:class:`LengthKind`); all in mm in the foot frame (+X heel to toe, +Z up, unmirrored), as
shapely polygons that :mod:`prosthetics.insoles.template` extrudes with CadQuery.
"""

from __future__ import annotations

import enum

import numpy as np
import shapely
from shapely import affinity

from prosthetics.errors import N_, ParameterError
from prosthetics.insoles.foot import Foot
from prosthetics.params import Params


class LengthKind(enum.Enum):
    """Full length, or three-quarter (ending behind the metatarsal heads)."""

    FULL = "full"
    THREE_QUARTER = "three_quarter"


class OutlineFrom(enum.Enum):
    """What the outline's length comes from: the footprint plus a margin, or a shoe size."""

    FOOTPRINT = "footprint"
    SHOE_SIZE = "shoe_size"


class SizeSystem(enum.Enum):
    """Shoe size systems (see :func:`shoe_last_length_mm`)."""

    EU = "eu"
    UK = "uk"
    US_MEN = "us_men"
    US_WOMEN = "us_women"


def shoe_last_length_mm(size: float, system: SizeSystem) -> float:
    """Inside length of a shoe (its last) for a size, mm.

    EU: Paris point, 2/3 cm per size: ``20/3 * size``.  UK (adult): a barleycorn (1/3 inch)
    per size from 25 barleycorns: ``(size + 25) * 25.4 / 3``.  US men's is UK + 1, US
    women's UK + 2 (the common conversions).  So EU 42 = 280.0 mm, UK 8 = 279.4 mm.

    Parameters
    ----------
    size : float
        Shoe size in ``system``.
    system : SizeSystem

    Returns
    -------
    float, mm
    """
    if system is SizeSystem.EU:
        return 20.0 / 3.0 * size
    uk = {SizeSystem.UK: size, SizeSystem.US_MEN: size - 1.0,
          SizeSystem.US_WOMEN: size - 2.0}[system]
    return (uk + 25.0) * 25.4 / 3.0


def footprint_polygon(foot: Foot):
    """The foot's outline seen from above as a shapely polygon (mm, foot frame).

    The concave hull of the points below 60 mm (the ankle and leg are not footprint),
    closed over the gaps between the toes by a 6 mm closing.

    Parameters
    ----------
    foot : Foot
        Its ``points`` (n, 3) mm in the foot frame.

    Returns
    -------
    shapely.Polygon
        Without holes, x and y in mm.
    """

    p = foot.points
    low = p[p[:, 2] < 60.0]
    rng = np.random.default_rng(0)
    sub = low[rng.permutation(len(low))[:40_000], :2]
    # GEOS takes the hull of the geometry's distinct coordinates, whatever their order or
    # geometry type: one line through the points is the same hull as a MultiPoint of them
    # and is made at once, not point by point.
    hull = shapely.concave_hull(shapely.linestrings(sub), ratio=0.03)
    poly = hull.buffer(6.0).buffer(-6.0)
    if poly.geom_type == "MultiPolygon":
        poly = max(poly.geoms, key=lambda g: g.area)
    return shapely.Polygon(poly.exterior)


def insole_outline(foot: Foot, p: Params, fp=None):
    """The insole's outline polygon (mm, foot frame) and notes.

    The footprint is offset by half the length margin, then stretched along x about the
    heel so its length is exactly the foot length plus the margin (the footprint's own
    length differs from the measured foot length by the hull's sampling, under 1 mm), or the
    graded shoe length.  A 3/4 insole is cut 5 mm behind the metatarsal heads, with
    rounded corners.

    Parameters
    ----------
    foot : Foot
    p : InsoleParams
        Its ``length_margin_mm``, ``outline_from``, ``shoe_size``, ``shoe_size_system`` and
        ``length_kind``.
    fp : shapely.Polygon, optional
        The footprint (:func:`footprint_polygon`), computed when not given.

    Returns
    -------
    outline : shapely.Polygon
        x and y in mm, unmirrored.
    notes : dict
        ``shoe_length_mm`` or ``three_quarter_cut_x_mm`` when they apply.

    Raises
    ------
    ParameterError
        A shoe size is asked for but not given, or is shorter than the foot.
    """

    m = foot.measurements
    fp = footprint_polygon(foot) if fp is None else fp
    out = fp.buffer(p.length_margin_mm / 2.0, quad_segs=16)
    x0, _, x1, _ = out.bounds
    notes = {}
    if p.outline_from is OutlineFrom.SHOE_SIZE:
        if p.shoe_size is None:
            raise ParameterError.of(N_("outline_from = shoe_size needs shoe_size; add --set "
                                       "shoe_size=42 (and shoe_size_system=eu|uk|us_men|"
                                       "us_women)"))
        target = shoe_last_length_mm(p.shoe_size, p.shoe_size_system)
        notes["shoe_length_mm"] = round(target, 1)
        if target < m.foot_length_mm:
            raise ParameterError.of(N_("shoe size %(size)s %(system)s is %(length)s mm long, "
                                       "shorter than the %(foot)s mm foot; choose a larger size"),
                                    size=f"{p.shoe_size:g}", system=p.shoe_size_system.value,
                                    length=f"{target:.0f}", foot=f"{m.foot_length_mm:.0f}")
    else:
        target = m.foot_length_mm + p.length_margin_mm
    heel_x = -p.length_margin_mm / 2.0
    out = affinity.translate(out, xoff=heel_x - x0)
    out = affinity.scale(out, xfact=target / (x1 - x0), yfact=1.0, origin=(heel_x, 0.0))
    if p.length_kind is LengthKind.THREE_QUARTER:
        cut = m.met_heads_x_mm - 5.0
        out = out.intersection(shapely.box(-1e3, -1e3, cut, 1e3))
        out = out.buffer(-6.0).buffer(6.0, quad_segs=16)
        notes["three_quarter_cut_x_mm"] = round(cut, 1)
    if out.geom_type == "MultiPolygon":
        out = max(out.geoms, key=lambda g: g.area)
    out = shapely.Polygon(out.exterior).simplify(0.05)
    return out, notes
