"""Bony landmarks of a transtibial limb from its bones (femur, patella, tibia, fibula).

One set of rules, used on the bones a shape-model fit predicts inside a scan and on the
known bones of test limbs, so the two are compared like for like.  The rules make their own
anatomical frame from the bones, so they work in any coordinates:

- long axis: the tibia's principal axis, pointing from the tibia toward the patella;
- anterior: the patella's offset from that axis; lateral: the fibula's side.

Landmarks (all bone points, mm, in the coordinates given):

- ``patella_centre``, ``patella_inferior_pole``, ``patella_superior_pole``: the patella's
  mean point and its lowest and highest points along the axis;
- ``tibial_plateau``: the mean of the tibia's top 5 mm;
- ``tibial_tuberosity``: the tibia's anterior bump 5-70 mm below the plateau: on its
  anterior profile (the most anterior point of each level), the point that stands out most
  from the chord between the profile's ends (so a tilted tibia does not move it);
- ``mid_patellar_tendon``: the clinical MPT, half-way (along the axis) between the patella's
  inferior pole and the tibial tubercle, on the tendon's line between them.  The tubercle's
  height is taken as the plateau's less its mean depth below it (``TUBERCLE_DEPTH_MM``, the
  mean model's): the bump itself is too shallow to find reliably in a smooth shape model
  (fitted and true tuberosities differed by up to 28 mm on limbs the model was not built
  from, the plateau and the patella by under 8 mm on all but two extreme shapes);
- ``fibular_head``: the mean of the fibula's top 15 mm;
- ``distal_tibia``, ``distal_fibula``: the lowest 5 mm of each cut bone;
- ``medial_condyle``, ``lateral_condyle``: the femur's most medial and lateral points within
  its lowest 40 mm (the epicondyles' level).
"""

from __future__ import annotations

import numpy as np

#: Mean depth of the tibial tubercle below the top of the tibia (mm), in the shape model.
TUBERCLE_DEPTH_MM = 17.3

#: Bony landmark names, in the order they are reported.
BONY_NAMES = ("patella_centre", "patella_inferior_pole", "patella_superior_pole",
              "tibial_plateau", "tibial_tuberosity", "mid_patellar_tendon", "fibular_head",
              "distal_tibia", "distal_fibula", "medial_condyle", "lateral_condyle")


def bone_frame(patella: np.ndarray, tibia: np.ndarray, fibula: np.ndarray) -> np.ndarray:
    """(3, 3) rows: lateral, anterior, proximal unit vectors of the bones' own frame.

    ``lateral x anterior = proximal`` holds for a right leg; for a left leg the lateral row
    still points to the fibula's side (the frame is then left-handed).
    """
    c = tibia.mean(axis=0)
    _, _, vt = np.linalg.svd(tibia - c, full_matrices=False)
    up = vt[0]
    if (patella.mean(axis=0) - c) @ up < 0:
        up = -up
    ant = patella.mean(axis=0) - c
    ant = ant - (ant @ up) * up
    ant /= np.linalg.norm(ant)
    lat = fibula.mean(axis=0) - c
    lat = lat - (lat @ up) * up - (lat @ ant) * ant
    lat /= np.linalg.norm(lat)
    return np.vstack([lat, ant, up])


def _tuberosity(tibia: np.ndarray, h: np.ndarray, ant: np.ndarray) -> np.ndarray:
    """The point of the tibia's anterior profile 5-70 mm below its top that stands out most
    from the chord between the profile's ends."""
    top = h.max()
    levels = np.arange(top - 70.0, top - 4.9, 2.5)
    a = tibia @ ant
    best = []
    for z in levels:
        near = np.flatnonzero(np.abs(h - z) < 1.5)
        if len(near):
            best.append(near[int(np.argmax(a[near]))])
    if len(best) < 3:
        return tibia[int(np.argmax(a))]
    best = np.array(best)
    hb, ab = h[best], a[best]
    chord = ab[0] + (hb - hb[0]) * (ab[-1] - ab[0]) / (hb[-1] - hb[0])
    return tibia[best[int(np.argmax(ab - chord))]]


def bony_landmarks(femur: np.ndarray, patella: np.ndarray, tibia: np.ndarray,
                   fibula: np.ndarray) -> dict[str, np.ndarray]:
    """Bony landmarks (name -> (3,) mm) from the bones' vertices ((n, 3) each, mm)."""
    frame = bone_frame(patella, tibia, fibula)
    lat, ant, up = frame

    def h(v):
        return v @ up

    pat_h = h(patella)
    tib_h = h(tibia)
    fib_h = h(fibula)
    out = {
        "patella_centre": patella.mean(axis=0),
        "patella_inferior_pole": patella[int(np.argmin(pat_h))],
        "patella_superior_pole": patella[int(np.argmax(pat_h))],
        "tibial_plateau": tibia[tib_h > tib_h.max() - 5.0].mean(axis=0),
    }
    out["tibial_tuberosity"] = _tuberosity(tibia, tib_h, ant)
    pole, tub = out["patella_inferior_pole"], out["tibial_tuberosity"]
    level = 0.5 * (h(pole) + h(out["tibial_plateau"]) - TUBERCLE_DEPTH_MM)
    f = np.clip((h(pole) - level) / max(h(pole) - h(tub), 1e-6), 0.0, 1.0)
    out["mid_patellar_tendon"] = pole + f * (tub - pole) + (level - h(pole + f * (tub - pole))) * up
    out["fibular_head"] = fibula[fib_h > fib_h.max() - 15.0].mean(axis=0)
    out["distal_tibia"] = tibia[tib_h < tib_h.min() + 5.0].mean(axis=0)
    out["distal_fibula"] = fibula[fib_h < fib_h.min() + 5.0].mean(axis=0)
    fem_h = h(femur)
    low = femur[fem_h < fem_h.min() + 40.0]
    out["lateral_condyle"] = low[int(np.argmax(low @ lat))]
    out["medial_condyle"] = low[int(np.argmin(low @ lat))]
    return {k: np.asarray(out[k], dtype=float) for k in BONY_NAMES}
