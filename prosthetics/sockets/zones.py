"""Rectification zones: where a socket pushes in or relieves, on the limb's landmarks.

Each zone sits on one landmark, or along the line between two (the tibial crest), and
moves the cavity along its normal by its depth (push-in positive, relief negative) over a
core of its size, with a cosine fall-off of ``zone_falloff_mm`` round it.  The list of
zones is data (:data:`ZONE_LIST`); the parameters ``<zone>_depth_mm`` and
``<zone>_size_mm`` of every socket template are generated from it (:class:`ZoneParams`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from prosthetics.limb.landmarks import Landmarks
from prosthetics.params import Params, param
from prosthetics.sockets.fenestrations import KeepOut


@dataclass(frozen=True)
class Zone:
    """One rectification zone: its name (the parameter prefix), label, the landmark(s) it
    sits on, what kind of tissue it is for, and its default core size (mm)."""

    name: str
    label: str
    landmarks: tuple[str, ...]
    kind: str
    size_mm: float


_LOAD = "Load-tolerant (push-in)"
_BONY = "Bony (relief)"

#: Every zone, in the order the report and the desktop application list them.
ZONE_LIST: tuple[Zone, ...] = (
    Zone("patellar_tendon", "Patellar tendon bar", ("mid_patellar_tendon",), _LOAD, 30.0),
    Zone("medial_flare", "Medial tibial flare", ("medial_flare",), _LOAD, 30.0),
    Zone("lateral_flare", "Lateral tibial flare", ("lateral_flare",), _LOAD, 30.0),
    Zone("popliteal", "Popliteal area", ("popliteal_fossa",), _LOAD, 50.0),
    Zone("fibular_head", "Fibular head", ("fibular_head",), _BONY, 25.0),
    Zone("tibial_crest", "Tibial crest", ("tibial_crest_bottom", "tibial_crest_top"),
         _BONY + ", along the crest line", 12.0),
    Zone("distal_tibia", "Distal tibia", ("distal_tibia",), _BONY, 25.0),
    Zone("distal_end", "Distal end", ("distal_end",), "Relief at the tip", 30.0),
)

#: Zones: parameter prefix -> the landmark(s) it sits on (two names: along that line).
ZONES: dict[str, tuple[str, ...]] = {z.name: z.landmarks for z in ZONE_LIST}

#: The parameter names the zones generate, in order.
ZONE_PARAMETERS: tuple[str, ...] = tuple(f"{z.name}_{what}" for z in ZONE_LIST
                                         for what in ("depth_mm", "size_mm"))


def _zone_fields() -> list[tuple]:
    fields: list[tuple] = [("zone_falloff_mm", float, param(
        15.0, label="Zone fall-off", unit="mm", min=2.0, max=60.0,
        help="Width of the smooth edge around every zone"))]
    for z in ZONE_LIST:
        fields.append((f"{z.name}_depth_mm", float, param(
            0.0, label=f"{z.label} depth", unit="mm", min=-10.0, max=10.0,
            help=f"{z.kind}: push-in positive, relief negative")))
        fields.append((f"{z.name}_size_mm", float, param(
            z.size_mm, label=f"{z.label} size", unit="mm", min=4.0, max=150.0,
            help="Diameter of the zone's full-depth core")))
    return fields


#: Parameters of every zone (depth and size) and the common fall-off, made from
#: :data:`ZONE_LIST`; socket templates with landmark zones inherit it.
ZoneParams = dataclasses.make_dataclass(
    "ZoneParams", _zone_fields(), bases=(Params,), frozen=True, kw_only=True,
    namespace={"__doc__": "Depth and size of every rectification zone, and their fall-off.",
               "__module__": __name__})


def distance_to_anchor(points: np.ndarray, anchor: list[np.ndarray]) -> np.ndarray:
    """Distance (n,) from points (n, 3) to a landmark, or to the segment between two (mm)."""
    if len(anchor) == 1:
        return np.linalg.norm(points - anchor[0], axis=-1)
    a, b = anchor
    ab = b - a
    t = np.clip(((points - a) @ ab) / (ab @ ab), 0.0, 1.0)
    return np.linalg.norm(points - (a + t[..., None] * ab), axis=-1)


def zone_weight(distance: np.ndarray, size_mm: float, falloff_mm: float) -> np.ndarray:
    """1 inside the core (diameter ``size_mm``), a cosine edge over ``falloff_mm``, then 0."""
    x = np.clip((distance - 0.5 * size_mm) / falloff_mm, 0.0, 1.0)
    return 0.5 * (1.0 + np.cos(np.pi * x))


def zone_shift(rows: np.ndarray, pole: np.ndarray, p, marks: Landmarks
               ) -> tuple[np.ndarray, float, list[dict]]:
    """How far each grid point (rows, cols) and the pole move inward (mm), and the record of
    every active zone for the report."""
    shift = np.zeros(rows.shape[:2])
    shift_pole = 0.0
    records = []
    for zone, names in ZONES.items():
        depth = getattr(p, f"{zone}_depth_mm")
        if depth == 0.0:
            continue
        size = getattr(p, f"{zone}_size_mm")
        anchor = [marks[nm] for nm in names]
        shift += depth * zone_weight(distance_to_anchor(rows, anchor), size, p.zone_falloff_mm)
        shift_pole += depth * float(zone_weight(distance_to_anchor(pole[None], anchor),
                                                size, p.zone_falloff_mm)[0])
        records.append({"zone": zone, "depth_mm": depth, "size_mm": size,
                        "falloff_mm": p.zone_falloff_mm, "landmarks": list(names),
                        "kind": "push-in" if depth > 0 else "relief"})
    return shift, shift_pole, records


def zone_keep_outs(p, marks: Landmarks) -> list[KeepOut]:
    """Every landmark zone, active or not, as a region ventilation holes keep clear of:
    its core and fall-off (a hole there takes away contact where the socket carries load
    or relieves bone)."""
    return [KeepOut(name=zone, a=marks[names[0]], b=marks[names[-1]],
                    radius_mm=0.5 * getattr(p, f"{zone}_size_mm") + p.zone_falloff_mm)
            for zone, names in ZONES.items()]
