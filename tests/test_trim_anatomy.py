"""The transtibial brim placed from the anatomy: anterior at mid-patella, the medial and
lateral wings at the fitted femoral condyles, the posterior under the popliteal crease;
measured on the built socket's inner surface, on OpenLimbTT limbs whose shape model fit is
confident."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from prosthetics.limb.anatomy import fit_anatomy
from prosthetics.limb.landmarks import Side
from prosthetics.reports.context import Fmt, rectification
from prosthetics.sockets.engine import TemplateCache
from prosthetics.sockets.rectification import Rectification
from prosthetics.sockets.transtibial import (
    MIN_POSTERIOR_DROP_MM,
    TranstibialParams,
    build_transtibial,
)
from tests.test_anatomy import held_out_limb

#: The angle (deg from +X, +Y anterior) of each control point, right leg.
RIGHT = {"anterior": 90.0, "lateral_wing": 0.0, "posterior": -90.0, "medial_wing": 180.0}
LEFT = {**RIGHT, "lateral_wing": 180.0, "medial_wing": 0.0}


def brim_z(sock, deg: float, window_deg: float = 4.0) -> float:
    """The top of the socket's inner surface (its brim, mm) around angle ``deg``."""
    v = sock.inner_surface.vertices
    ang = np.degrees(np.arctan2(v[:, 1], v[:, 0]))
    near = np.abs((ang - deg + 180.0) % 360.0 - 180.0) < window_deg
    assert near.sum() > 3
    return float(v[near, 2].max())


class Limb:
    """A held-out limb turned so that its fitted anterior is +Y, with the fit."""

    def __init__(self, name: str, mirror: bool = False) -> None:
        skin, _truth = held_out_limb(name, 0.0, mirror=mirror)
        self.side = "left" if mirror else "right"
        fit = fit_anatomy(skin, sides=(self.side,))[self.side]
        assert fit.confident
        turn = trimesh.transformations.rotation_matrix(np.radians(-fit.anterior_deg),
                                                       [0, 0, 1])
        self.mesh = skin.copy().apply_transform(turn)
        self.fit = fit.turned(-fit.anterior_deg)
        self.marks = {k: float(v[2]) for k, v in self.fit.landmarks.items()}
        self.angles = LEFT if mirror else RIGHT

    def build(self, anatomy=True, limb=None, hand=None, **settings):
        cache = TemplateCache()
        cache.anatomy = self.fit if anatomy else None
        cache.rectification = hand
        p = TranstibialParams(label=False, limb_side=Side(self.side), **settings)
        return build_transtibial(self.mesh if limb is None else limb, p, cache)

    def measured(self, sock) -> dict:
        return {k: brim_z(sock, a) for k, a in self.angles.items()}


@pytest.fixture(scope="module", params=[("2023-06_mean", False), ("2022-10_102P", True)],
                ids=["right", "left"])
def limb(request):
    return Limb(*request.param)


@pytest.fixture(scope="module")
def default(limb):
    return limb.build()


def test_wings_sit_at_the_condyles_and_the_posterior_under_the_crease(limb, default):
    m, z = limb.marks, limb.measured(default)
    assert z["anterior"] == pytest.approx(m["patella_centre"], abs=1.5)
    assert z["medial_wing"] == pytest.approx(m["medial_condyle"], abs=1.5)
    assert z["lateral_wing"] == pytest.approx(m["lateral_condyle"], abs=1.5)
    # The popliteal crease is at the knee joint line (the fitted tibial plateau).
    assert z["posterior"] == pytest.approx(m["tibial_plateau"] - 10.0, abs=1.5)
    # Lower than the old fixed 25 mm drop from the anterior brim, which ignored the knee.
    assert z["posterior"] < z["anterior"] - 25.0
    assert default.trim_lowest_z_mm == pytest.approx(m["tibial_plateau"] - 10.0, abs=0.5)
    assert default.trim_anterior_z_mm == pytest.approx(m["patella_centre"], abs=1e-6)
    assert not [w for w in default.warnings if "wing" in w or "posterior brim" in w]


def test_the_socket_records_each_brim_height_and_its_source(limb, default):
    b = default.brim
    assert set(b) == {"anterior", "lateral_wing", "posterior", "medial_wing"}
    assert b["anterior"]["from"] == "mid-patella"
    assert b["medial_wing"]["from"] == "medial femoral condyle"
    assert b["lateral_wing"]["from"] == "lateral femoral condyle"
    assert b["posterior"]["from"] == "popliteal crease -10 mm"
    assert b["posterior"]["landmark_z_mm"] == pytest.approx(limb.marks["tibial_plateau"],
                                                            abs=0.01)
    z = limb.measured(default)
    for name, rec in b.items():
        assert rec["z_mm"] == pytest.approx(z[name], abs=1.5), name
        assert rec["angle_deg"] % 360.0 == pytest.approx(limb.angles[name] % 360.0)
    # The design report shows them in the rectification rows.
    rows = rectification({"rectification": {"global": {}}, "socket": {"brim": b}}, Fmt("en"))
    text = [r["value"] for r in rows["rows"] if r["label"] == "Brim heights"]
    assert len(text) == 1
    assert f"medial wing {b['medial_wing']['z_mm']:.1f} mm (medial femoral condyle)" in text[0]
    assert "posterior cut" in text[0] and "popliteal crease -10 mm" in text[0]


def test_raising_the_wings_moves_only_the_wings(limb, default):
    up = limb.build(wing_above_condyles_mm=10.0)
    a, b = limb.measured(default), limb.measured(up)
    assert b["medial_wing"] - a["medial_wing"] == pytest.approx(10.0, abs=1.5)
    assert b["lateral_wing"] - a["lateral_wing"] == pytest.approx(10.0, abs=1.5)
    assert b["anterior"] == pytest.approx(a["anterior"], abs=0.5)
    assert b["posterior"] == pytest.approx(a["posterior"], abs=0.5)
    assert up.brim["lateral_wing"]["from"] == "lateral femoral condyle +10 mm"


def test_the_posterior_follows_its_offset_under_the_crease(limb, default):
    deeper = limb.build(posterior_below_crease_mm=4.0)
    assert limb.measured(deeper)["posterior"] == pytest.approx(
        limb.marks["tibial_plateau"] - 4.0, abs=1.5)
    assert limb.measured(deeper)["anterior"] == pytest.approx(
        limb.measured(default)["anterior"], abs=0.5)


def test_a_trim_point_placed_by_hand_still_wins(limb):
    # On the skin, at the lateral wing's angle, 15 mm under the lateral condyle.
    z = limb.marks["lateral_condyle"] - 15.0
    a = np.radians(limb.angles["lateral_wing"])
    d = np.array([[np.cos(a), np.sin(a), 0.0]])
    cache = TemplateCache().for_limb(limb.mesh)
    t = cache.limb_query.cast(np.array([[0.0, 0.0, z]]), d)[0]
    point = tuple(np.array([0.0, 0.0, z]) + t * d[0])
    sock = limb.build(hand=Rectification(trim_points={"lateral_wing": point}))
    got = limb.measured(sock)
    assert got["lateral_wing"] == pytest.approx(z, abs=1.5)
    # The other control points keep their anatomical heights.
    assert got["medial_wing"] == pytest.approx(limb.marks["medial_condyle"], abs=1.5)
    assert got["posterior"] == pytest.approx(limb.marks["tibial_plateau"] - 10.0, abs=1.5)
    assert got["anterior"] == pytest.approx(limb.marks["patella_centre"], abs=1.5)
    assert sock.brim["lateral_wing"]["from"] == "placed by hand"
    assert sock.brim["medial_wing"]["from"] == "medial femoral condyle"


def test_a_wing_above_the_scan_stops_at_its_top_and_says_so(limb):
    # A scan that ends just above mid-patella: the knee is in view, wings 20 mm above the
    # condyles are not.
    m = limb.marks
    cut = max(m["patella_centre"], m["medial_condyle"], m["lateral_condyle"]) + 6.0
    short = limb.mesh.slice_plane([0, 0, cut], [0, 0, -1.0], cap=False)
    top = TemplateCache().for_limb(short).rim_z - 2.0
    assert m["patella_centre"] < top < min(m["medial_condyle"], m["lateral_condyle"]) + 15.0
    sock = limb.build(limb=short, wing_above_condyles_mm=20.0)
    z = limb.measured(sock)
    assert z["medial_wing"] == pytest.approx(top, abs=1.5)
    assert z["lateral_wing"] == pytest.approx(top, abs=1.5)
    assert z["anterior"] == pytest.approx(m["patella_centre"], abs=1.5)
    assert any(w.startswith("the medial wing at the medial femoral condyle +20 mm")
               and "above the top of the scan" in w for w in sock.warnings)
    assert any(w.startswith("the lateral wing at the lateral femoral condyle +20 mm")
               for w in sock.warnings)
    assert sock.brim["medial_wing"]["from"].startswith("the scan's top")


def test_a_posterior_above_the_anterior_is_held_under_it(limb):
    # The anterior 5 mm under the MPT: the crease less 10 mm would be above it.
    sock = limb.build(trim_above_mpt_mm=-5.0)
    anterior = sock.brim["anterior"]["z_mm"]
    assert limb.marks["tibial_plateau"] - 10.0 > anterior - MIN_POSTERIOR_DROP_MM
    z = limb.measured(sock)
    assert z["anterior"] == pytest.approx(anterior, abs=1.5)
    assert z["posterior"] == pytest.approx(anterior - MIN_POSTERIOR_DROP_MM, abs=1.5)
    assert any(w.startswith("the posterior brim") and "would not be under the anterior" in w
               for w in sock.warnings)


def test_a_trim_height_set_by_hand_keeps_the_fixed_drop(limb):
    sock = limb.build(trim_height_mm=limb.marks["patella_centre"] - 5.0)
    z = limb.measured(sock)
    assert z["lateral_wing"] == pytest.approx(z["anterior"], abs=1.0)
    assert z["anterior"] - z["posterior"] == pytest.approx(25.0, abs=1.5)
    assert sock.brim["posterior"]["from"].startswith("the anterior brim less")


def test_a_scan_cut_below_the_knee_keeps_the_scan_top_trim_and_warns(limb):
    cut = limb.marks["patella_inferior_pole"] - 25.0
    short = limb.mesh.slice_plane([0, 0, cut], [0, 0, -1.0], cap=False)
    with_fit = limb.build(limb=short)
    without = limb.build(anatomy=False, limb=short)
    rim = TemplateCache().for_limb(short).rim_z
    assert with_fit.trim_anterior_z_mm == pytest.approx(rim - 10.0)
    np.testing.assert_allclose(with_fit.grid.trim_z, without.grid.trim_z, atol=1e-9)
    z = limb.measured(with_fit)
    assert z["anterior"] == pytest.approx(rim - 10.0, abs=1.0)
    assert z["anterior"] - z["posterior"] == pytest.approx(25.0, abs=1.5)
    assert z["medial_wing"] == pytest.approx(z["anterior"], abs=1.0)
    assert any("knee is not in the scan" in w for w in with_fit.warnings)
    assert with_fit.brim["anterior"]["from"] == "10 mm under the scan's top"
