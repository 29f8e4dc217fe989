"""A case's measurement history: volume, length and circumferences by scan.

Scans of one limb end at different heights (the phone stops a little higher or lower each
time), so each scan's volume up to its own rim says little about the limb: 15 mm more of
the thigh's end is several per cent of the volume, more than the change being looked for.
The history compares every scan below one **common level**, as ``prosthetics compare``
does: the lowest of the scans' proximal rims (the shortest scan's top), or the
mid-patellar tendon's height when every scan has it placed (and it lies below that rim).
Heights count from each limb's distal end, as the limb frame has them.

The volume below the common level comes from the per-level volumes each measurement keeps
(``volume_by_level``: the volume below each circumference level and the section's area
there): between two levels the section's area is taken to change linearly, so the volume
is a quadratic in z through both levels (exact at the levels and at the scan's own rim; on
the sample limbs within 0.5 ml, 0.03 %, of the mesh's own volume below any level, where a
sock ply is 1.1 %).  A measurement made
before those were kept has only its volume to its own rim: it is shown at its rim, marked,
and left out of the change.
"""

from __future__ import annotations

import math

from prosthetics.errors import CaseError

#: The landmark whose height is the common level when every scan has it.
LEVEL_LANDMARK = "mid_patellar_tendon"


def measurement_entry(scan: str, date: str, m: dict, source: str,
                      landmarks_mm: dict | None = None) -> dict:
    """One scan's row of the history from its measurements (report.json's ``measurements``),
    before the common level is applied (see :func:`at_common_level`)."""
    lz = {k: float(v[2]) for k, v in (landmarks_mm or {}).items()
          if isinstance(v, (list, tuple)) and len(v) == 3}
    return {"scan": scan, "date": date,
            "volume_ml": m.get("volume_ml"), "volume_top_z_mm": m.get("volume_top_z_mm"),
            "own_rim_volume_ml": m.get("volume_ml"), "own_rim_z_mm": m.get("volume_top_z_mm"),
            "length_mm": m.get("length_mm"),
            "circumferences": list(m.get("circumferences") or []),
            "tape_circumferences": list(m.get("tape_circumferences") or []),
            "volume_by_level": list(m.get("volume_by_level") or []),
            "landmarks_z_mm": lz, "source": source}


def _landmarks(report: dict) -> dict | None:
    lm = (report.get("rectification") or {}).get("landmarks")
    pts = lm.get("points_mm") if isinstance(lm, dict) else None
    return pts if isinstance(pts, dict) else None


def trends(case, upto_revision: int | None = None, *, common: bool = True) -> list[dict]:
    """Measurement history: one entry per scan, oldest first.

    The limb's measurements come from the latest revision designed on that scan (up to
    ``upto_revision``), or else from the measurement made when the scan was added.

    Parameters
    ----------
    common : bool
        Give the volumes below the common level (:func:`at_common_level`); off: each to its
        own rim, as measured.

    Returns
    -------
    list of dict
        ``scan``, ``date`` (captured or added), ``volume_ml`` (below ``volume_top_z_mm``:
        the common level, or the scan's own rim where ``volume_level`` says so),
        ``own_rim_volume_ml`` and ``own_rim_z_mm`` (the volume to the scan's own rim),
        ``length_mm``, ``circumferences`` (list of {z_mm, mm}), ``tape_circumferences``,
        ``volume_by_level``, ``landmarks_z_mm``, ``source``; with ``common`` also
        ``volume_level``, ``common_z_mm`` and ``common_level`` (what set it, in words).
    """
    by_scan: dict[str, tuple[int, dict, dict | None]] = {}
    n_max = upto_revision or len(case.revisions)
    for entry in case.revisions[:n_max]:
        try:
            rec = case.revision(entry["number"])
        except CaseError:
            continue
        report = rec.get("report") or {}
        m = report.get("measurements")
        if m:
            by_scan[entry["scan"]] = (entry["number"], m, _landmarks(report))
    out = []
    for s in case.scans:
        lm = None
        if s["id"] in by_scan:
            n, m, lm = by_scan[s["id"]]
            source = f"revision {n}"
        elif s.get("measurements"):
            m, source = s["measurements"], "when added"
        else:
            continue
        out.append(measurement_entry(s["id"], s.get("captured_on") or s["added_utc"][:10], m,
                                     source, lm))
    return at_common_level(out) if common else out


def common_level(entries: list[dict]) -> tuple[float | None, str]:
    """The common level (mm above the distal end) and what set it, in words.

    The lowest of the scans' proximal rims; or, when every scan has the mid-patellar
    tendon placed, its lowest height if that lies below the rims.
    """
    rims = [(e["own_rim_z_mm"], e["scan"]) for e in entries if e.get("own_rim_z_mm") is not None]
    if not rims:
        return None, "no volume measured"
    rim, shortest = min(rims)
    mpt = [e["landmarks_z_mm"].get(LEVEL_LANDMARK) for e in entries]
    if len(entries) > 1 and all(z is not None for z in mpt) and min(mpt) < rim:
        return float(min(mpt)), ("the mid-patellar tendon (its lowest height among the scans, "
                                 "mm above the distal end)")
    if len(rims) == 1:
        return float(rim), f"the rim of the only scan ({shortest})"
    return float(rim), f"the lowest proximal rim of the scans ({shortest}'s, the shortest scan)"


def volume_below_level(entry: dict, z_mm: float) -> float | None:
    """The volume (ml) of a scan's limb below ``z_mm`` from its stored measurements, or None
    where they cannot give it (the level above its rim or below its first level, or no
    per-level volumes stored).

    Between stored levels the section's area changes linearly; between the last level and
    the rim, the area at the last level and the volume at the rim fix the quadratic.
    """
    top, v_top = entry.get("own_rim_z_mm"), entry.get("own_rim_volume_ml")
    if top is None or v_top is None or z_mm > top + 0.01:
        return None
    if abs(z_mm - top) <= 0.01:
        return float(v_top)
    levels = sorted((float(r["z_mm"]), float(r["volume_below_ml"]), float(r["area_mm2"]))
                    for r in entry.get("volume_by_level") or [])
    if not levels or z_mm < levels[0][0] - 1e-9:
        return None
    for (z0, v0, a0), (z1, _v1, a1) in zip(levels, levels[1:]):
        if z0 <= z_mm <= z1:
            h, t = z1 - z0, z_mm - z0
            return v0 + (a0 * t + 0.5 * (a1 - a0) * t * t / h) / 1000.0
    z0, v0, a0 = levels[-1]
    h, t = top - z0, z_mm - z0
    if h <= 0:
        return None
    c = (v_top - v0 - a0 * h / 1000.0) / (h * h)
    return v0 + a0 * t / 1000.0 + c * t * t


def at_common_level(entries: list[dict]) -> list[dict]:
    """The entries with their volumes below the common level (:func:`common_level`).

    Each entry gains ``common_z_mm``, ``common_level`` (what set it) and ``volume_level``:
    ``"common"`` with ``volume_ml`` below the common level and ``volume_top_z_mm`` that
    level, or ``"own rim"`` (its per-level volumes were not stored) with both as measured.
    """
    z, why = common_level(entries)
    out = []
    for e in entries:
        v = volume_below_level(e, z) if z is not None else None
        if v is not None and math.isfinite(v):
            e = {**e, "volume_ml": round(v, 2), "volume_top_z_mm": round(z, 2),
                 "volume_level": "common"}
        else:
            e = {**e, "volume_ml": e.get("own_rim_volume_ml"),
                 "volume_top_z_mm": e.get("own_rim_z_mm"), "volume_level": "own rim"}
        e["common_z_mm"] = None if z is None else round(z, 2)
        e["common_level"] = why
        out.append(e)
    return out


def volume_change(entries: list[dict]) -> list[dict]:
    """Per scan, the change of volume (ml, %, sock plies) from the first scan below the
    common level; None where either volume is not at the common level."""
    # Imported here: the history is read without trimesh (case show, verify), and the
    # change is only worked out where the limb's geometry is already loaded.
    from prosthetics.limb.measure import SOCK_PLY_PERCENT

    if not entries:
        return []
    first = entries[0]
    base = first.get("volume_ml") if first.get("volume_level") == "common" else None
    out = []
    for e in entries:
        v = e.get("volume_ml") if e.get("volume_level") == "common" else None
        if v is None or not base:
            out.append({"scan": e["scan"], "volume_ml": v, "change_ml": None,
                        "change_percent": None, "sock_ply_equivalent": None,
                        "level_z_mm": e.get("common_z_mm")})
            continue
        pct = 100.0 * (v / base - 1.0)
        out.append({"scan": e["scan"], "volume_ml": v, "change_ml": round(v - base, 2),
                    "change_percent": round(pct, 2),
                    "sock_ply_equivalent": round(pct / SOCK_PLY_PERCENT, 2),
                    "level_z_mm": e.get("common_z_mm")})
    return out


def circumference_change(entries: list[dict], key: str = "circumferences") -> list[dict]:
    """Per scan, the mean change of circumference (%) from the first scan over the levels
    both measured (levels matched to 1 mm) up to the common level.

    ``key`` ``"tape_circumferences"`` compares the tape readings (convex hull) instead of
    the perimeters.
    """
    if not entries:
        return []
    field = "tape_mm" if key == "tape_circumferences" else "mm"
    top = entries[0].get("common_z_mm")
    limit = math.inf if top is None else top + 0.5

    def by_level(e: dict) -> dict:
        return {round(c["z_mm"]): c[field] for c in e.get(key) or [] if c["z_mm"] <= limit}

    first = by_level(entries[0])
    out = []
    for e in entries:
        cur = by_level(e)
        common = sorted(set(first) & set(cur))
        if common:
            pct = sum(100.0 * (cur[z] / first[z] - 1.0) for z in common) / len(common)
            out.append({"scan": e["scan"], "levels": len(common), "mean_change_percent":
                        round(pct, 2), "z_range_mm": [common[0], common[-1]]})
        else:
            out.append({"scan": e["scan"], "levels": 0, "mean_change_percent": None,
                        "z_range_mm": None})
    return out
