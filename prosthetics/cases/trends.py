"""A case's measurement history: volume, length and circumferences by scan."""

from __future__ import annotations

from prosthetics.errors import CaseError


def trends(case, upto_revision: int | None = None) -> list[dict]:
    """Measurement history: one entry per scan, oldest first.

    The limb's measurements come from the latest revision designed on that scan (up to
    ``upto_revision``), or else from the measurement made when the scan was added.

    Returns
    -------
    list of dict
        ``scan``, ``date`` (captured or added), ``volume_ml``, ``volume_top_z_mm``,
        ``length_mm``, ``circumferences`` (list of {z_mm, mm}), ``source``.
    """
    by_scan: dict[str, tuple[int, dict]] = {}
    n_max = upto_revision or len(case.revisions)
    for entry in case.revisions[:n_max]:
        try:
            rec = case.revision(entry["number"])
        except CaseError:
            continue
        m = (rec.get("report") or {}).get("measurements")
        if m:
            by_scan[entry["scan"]] = (entry["number"], m)
    out = []
    for s in case.scans:
        if s["id"] in by_scan:
            n, m = by_scan[s["id"]]
            source = f"revision {n}"
        elif s.get("measurements"):
            m, source = s["measurements"], "when added"
        else:
            continue
        out.append({"scan": s["id"], "date": s.get("captured_on") or s["added_utc"][:10],
                    "volume_ml": m.get("volume_ml"), "volume_top_z_mm": m.get("volume_top_z_mm"),
                    "length_mm": m.get("length_mm"),
                    "circumferences": list(m.get("circumferences") or []), "source": source})
    return out


def circumference_change(entries: list[dict]) -> list[dict]:
    """Per scan, the mean change of circumference (%) from the first scan over the levels
    both measured (levels matched to 1 mm)."""
    if not entries:
        return []
    first = {round(c["z_mm"]): c["mm"] for c in entries[0]["circumferences"]}
    out = []
    for e in entries:
        cur = {round(c["z_mm"]): c["mm"] for c in e["circumferences"]}
        common = sorted(set(first) & set(cur))
        if common:
            pct = sum(100.0 * (cur[z] / first[z] - 1.0) for z in common) / len(common)
            out.append({"scan": e["scan"], "levels": len(common), "mean_change_percent":
                        round(pct, 2), "z_range_mm": [common[0], common[-1]]})
        else:
            out.append({"scan": e["scan"], "levels": 0, "mean_change_percent": None,
                        "z_range_mm": None})
    return out
