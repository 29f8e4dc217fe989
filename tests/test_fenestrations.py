"""Ventilation holes: one body, the holes' volume gone, every hole open, the rules kept.

Each template is built twice on its phone-like sample scan (coarse grid, the label on),
without and with holes, and the fenestrated socket is checked against the plain one; the
ventilated preset runs through the whole pipeline (report, STEP, PrusaSlicer).
"""

from types import SimpleNamespace

import numpy as np
import pytest
import trimesh

from prosthetics import design as pipeline
from prosthetics.design.registry import builders
from prosthetics.errors import ParameterError
from prosthetics.geometry.meshing import SurfaceQuery
from prosthetics.geometry.step import read_step_solids, write_step
from prosthetics.printing.checks import measure_wall, solid_checks
from prosthetics.printing.slicer import find_slicer, slice_stl
from prosthetics.sockets.engine import TemplateCache
from prosthetics.sockets.fenestrations import BAND_TRANSITION_MM, FenestrationSides
from prosthetics.sockets.label import label_footprint
from prosthetics.sockets.strength import MAX_OPEN_FRACTION_LOWER_LIMB, fenestration_warnings
from prosthetics.sockets.transfemoral import ISCHIAL_CLEARANCE_MM
from prosthetics.sockets.transradial import CONDYLE_GRIP_MM

from .conftest import ROOT

SOCKET_BUILDERS = {n: (b.params, b.build) for n, b in builders("socket").items()}

COARSE = dict(grid_rows=36, grid_columns=48, label=True, label_case_id="V-1",
              label_date="2026-01-01")
#: Holes asked per template (count, diameter mm): all of them fit on the sample scans.
ASKED = {"transtibial": (8, 8.0), "transradial": (14, 10.0), "transfemoral": (8, 12.0)}
#: The volume removed is the holes' cylinders through the wall measured along each axis
#: to within this (the rims on a curved wall differ from a flat cut).
VOLUME_TOL = 0.02


@pytest.fixture(scope="module")
def ventilated():
    """The ventilated preset on the forearm phone scan, full pipeline (no slicing)."""
    return pipeline.run_design(ROOT / "scans" / "transradial_phone.ply",
                               template="transradial_ventilated", settings={"slice": "false"})


@pytest.fixture(scope="module")
def thigh_phone():
    from prosthetics.limb.align import align_limb
    from prosthetics.scan.clean import clean_scan
    from prosthetics.scan.loaders import load_scan

    return align_limb(clean_scan(load_scan(ROOT / "scans" / "transfemoral_phone.ply"))).mesh


#: The fixture that gives each template's aligned phone-like limb (the first two shared with
#: other runs).
LIMB_FIXTURES = {"transtibial": "sample_design", "transradial": "ventilated",
                 "transfemoral": "thigh_phone"}


def limb_of(request, name: str):
    """The aligned limb for template ``name``, made only when a test asks for it."""
    value = request.getfixturevalue(LIMB_FIXTURES[name])
    return value if isinstance(value, trimesh.Trimesh) else value.limb


@pytest.fixture(scope="module")
def limbs(request):
    """The transradial limb (the tests of one template's holes use the forearm)."""
    return {"transradial": limb_of(request, "transradial")}


# The thigh needs a cleaning of its own (about 30 s): it runs in the full suite only.
@pytest.fixture(scope="module", params=[pytest.param(n, marks=pytest.mark.slow)
                                        if n == "transfemoral" else n
                                        for n in sorted(SOCKET_BUILDERS)])
def pair(request):
    name = request.param
    cls, build = SOCKET_BUILDERS[name]
    cache = TemplateCache()
    count, dia = ASKED[name]
    limb = limb_of(request, name)
    plain = build(limb, cls(**COARSE), cache)
    holed = build(limb, cls(fenestration_count=count, fenestration_diameter_mm=dia,
                                   **COARSE), cache)
    return name, plain, holed


def test_one_body_smaller_by_the_holes_volume(pair):
    name, plain, holed = pair
    fen = holed.fenestrations
    c = solid_checks(holed.mesh)
    assert c["watertight"] and c["winding_consistent"] and c["bodies"] == 1
    assert fen.placed == fen.asked == ASKED[name][0] and not holed.warnings
    removed = plain.mesh.volume - holed.mesh.volume
    assert removed == pytest.approx(fen.expected_volume_mm3(), rel=VOLUME_TOL)
    # ... which is n x pi r^2 x the wall asked, within the wall's variation round the socket.
    nominal = fen.placed * np.pi * (fen.diameter_mm / 2) ** 2 * plain.params.wall_thickness_mm
    assert removed == pytest.approx(nominal, rel=0.15)
    assert plain.fenestrations is None


def test_every_hole_opens_through(pair):
    """Rays from inside the cavity along each hole's axis, at its centre and 0.6 r off it,
    leave the socket without touching it; the same rays hit the plain socket."""
    _name, plain, holed = pair
    fen = holed.fenestrations
    r = fen.diameter_mm / 2
    origins, dirs = [], []
    for c, a in zip(fen.centres, fen.axes):
        u = np.cross(a, [0.0, 0.0, 1.0])
        u /= np.linalg.norm(u)
        v = np.cross(a, u)
        for off in ([0, 0], [0.6, 0], [-0.6, 0], [0, 0.6], [0, -0.6]):
            origins.append(c - 8.0 * a + r * (off[0] * u + off[1] * v))
            dirs.append(a)
    origins, dirs = np.array(origins), np.array(dirs)
    assert np.all(np.isinf(SurfaceQuery(holed.mesh).cast(origins, dirs)))
    assert np.all(np.isfinite(SurfaceQuery(plain.mesh).cast(origins, dirs)))


def test_holes_keep_the_stated_distances(pair):
    name, _plain, s = pair
    fen, p = s.fenestrations, s.params
    r = fen.diameter_mm / 2
    c = fen.centres
    # A web at least the larger of the parameter and the wall between any two holes.
    gap = np.linalg.norm(c[:, None] - c[None], axis=2) + np.eye(len(c)) * 1e9
    assert gap.min() - 2 * r >= max(p.fenestration_web_mm, p.wall_thickness_mm) - 1e-6
    # Below the trim band and its transition, with the margin.
    theta = np.mod(np.arctan2(c[:, 1], c[:, 0]), 2 * np.pi)
    cols = np.linspace(0.0, 2 * np.pi, len(s.grid.trim_z), endpoint=False)
    trim = np.interp(theta, cols, s.grid.trim_z, period=2 * np.pi)
    assert np.all(trim - (c[:, 2] + r) >= p.trim_band_height_mm + BAND_TRANSITION_MM
                  + p.fenestration_trim_margin_mm - 1e-6)
    # Above the distal block, with the margin.
    assert np.all(c[:, 2] - r >= s.adapter.pedestal_top_z_mm + p.fenestration_distal_margin_mm)
    # Clear of the label's box (the label is on).
    box = label_footprint(p, p.limb_side.value, 0.45 * s.trim_anterior_z_mm)
    arc = np.abs(np.angle(np.exp(1j * (theta - np.radians(box["angle_deg"]))))) * np.hypot(
        c[:, 0], c[:, 1])
    assert np.all((arc - r >= box["width_mm"] / 2) | (np.abs(c[:, 2] - box["centre_z_mm"]) - r
                                                       >= box["height_mm"] / 2))
    if name == "transtibial":
        # Off every landmark zone's core and fall-off.
        for zone, names in (("patellar_tendon", "mid_patellar_tendon"),
                            ("popliteal", "popliteal_fossa"), ("fibular_head", "fibular_head"),
                            ("medial_flare", "medial_flare"), ("lateral_flare", "lateral_flare"),
                            ("distal_tibia", "distal_tibia"), ("distal_end", "distal_end")):
            reach = getattr(p, f"{zone}_size_mm") / 2 + p.zone_falloff_mm + r
            assert np.linalg.norm(c - s.landmarks[names], axis=1).min() >= reach, zone
        assert {k.name for k in fen.keep_outs} >= {"tibial_crest", "fibular_head", "popliteal"}
    elif name == "transradial":
        assert np.all(c[:, 2] + r <= s.grid.trim_z.max() - CONDYLE_GRIP_MM)
    else:
        assert np.all(c[:, 2] + r <= s.trim_lowest_z_mm)
        level = p.ischial_level_mm if p.ischial_level_mm is not None else None
        assert level is None or np.all(c[:, 2] + r <= level - ISCHIAL_CLEARANCE_MM)


def test_thinnest_wall_is_still_as_set(pair):
    _name, _plain, s = pair
    w = measure_wall(s.mesh, s.inner_surface, above_z_mm=s.wall_check_above_z_mm,
                     brim_clearance_mm=float(s.wall_target_mm.max()) + 0.5, n=20_000,
                     openings=s.fenestrations)
    assert w["min_wall_mm"] >= s.params.wall_thickness_mm - 0.1, w


def test_ventilated_preset_report(ventilated):
    r = ventilated.report
    f = r["socket"]["fenestrations"]
    assert f["asked"] == f["placed"] == 18 and f["diameter_mm"] == 10.0
    assert len(f["holes"]) == 18
    assert f["open_area_cm2"] == pytest.approx(18 * np.pi * 0.25, abs=0.01)
    assert f["open_fraction_percent"] == pytest.approx(
        100 * f["open_area_cm2"] / f["outer_wall_area_cm2"], abs=0.02)
    axes = np.array([h["axis"] for h in f["holes"]])
    assert np.linalg.norm(axes, axis=1) == pytest.approx(1.0, abs=1e-3)
    c = r["checks"]
    assert c["watertight"] and c["bodies"] == 1 and c["wall_ok"]
    assert not [w for w in r["warnings"] if "ventilation" in w]
    assert r["template"]["parameters"]["fenestration_count"] == 18


@pytest.mark.slicer
def test_fenestrated_socket_slices_without_repairs(limbs, tmp_path):
    """The coarse fenestrated forearm socket, with the product's slicing settings."""
    if find_slicer() is None:
        pytest.skip("PrusaSlicer is not installed")
    cls, build = SOCKET_BUILDERS["transradial"]
    s = build(limbs["transradial"], cls(fenestration_count=14, **COARSE))
    assert s.fenestrations.placed == 14
    stl = tmp_path / "socket.stl"
    s.mesh.export(stl)
    r = slice_stl(stl, "large_300", "petg")
    assert r.ran and r.ok and r.repaired is False, r.message
    assert r.filament_g > 0


def test_step_of_a_fenestrated_socket_keeps_its_volume(limbs, tmp_path):
    """On a coarse grid (the STEP is built the same way at any size)."""
    cls, build = SOCKET_BUILDERS["transradial"]
    s = build(limbs["transradial"], cls(grid_rows=24, grid_columns=32, fenestration_count=6,
                                        fenestration_diameter_mm=12.0))
    assert s.fenestrations.placed == 6
    info = write_step(s.mesh, tmp_path / "s.step")
    solids = read_step_solids(tmp_path / "s.step")
    assert info["faces"] == len(s.mesh.faces)
    assert len(solids) == 1 and solids[0].isValid()
    assert solids[0].Volume() == pytest.approx(s.mesh.volume, rel=0.005)


def test_holes_that_cannot_fit_give_a_warning_not_an_error(limbs):
    cls, build = SOCKET_BUILDERS["transradial"]
    cache = TemplateCache()
    kw = dict(grid_rows=24, grid_columns=32)
    none = build(limbs["transradial"], cls(fenestration_count=4, fenestration_diameter_mm=20.0,
                                           fenestration_web_mm=60.0,
                                           fenestration_distal_margin_mm=150.0, **kw), cache)
    assert none.fenestrations.placed == 0 and solid_checks(none.mesh)["bodies"] == 1
    assert len(none.warnings) == 1 and none.warnings[0].startswith("no ventilation hole of 20")
    assert "\n" not in none.warnings[0]
    many = build(limbs["transradial"], cls(fenestration_count=120, fenestration_diameter_mm=8.0,
                                           fenestration_sides=FenestrationSides.MEDIAL_LATERAL,
                                           **kw), cache)
    n = many.fenestrations.placed
    assert 0 < n < 120 and f"placed {n}" in many.warnings[0]
    assert solid_checks(many.mesh)["watertight"]
    # Only on the sides asked: within 45 degrees of +X or -X.
    theta = np.degrees(np.arctan2(many.fenestrations.centres[:, 1],
                                  many.fenestrations.centres[:, 0]))
    assert np.all(np.minimum(np.abs(theta), 180 - np.abs(theta)) <= 45.0 + 1e-6)


def test_out_of_range_parameters_are_refused():
    cls, _ = SOCKET_BUILDERS["transradial"]
    with pytest.raises(ParameterError, match="fenestration_diameter_mm"):
        cls(fenestration_diameter_mm=30.0)
    with pytest.raises(ParameterError, match="fenestration_count"):
        cls(fenestration_count=-1)
    assert all(cls_().fenestration_count == 0 for cls_, _b in SOCKET_BUILDERS.values())


def test_strength_warnings_for_open_area_and_clearances():
    def fen(fraction, trim, distal):
        return SimpleNamespace(placed=10, open_fraction=fraction,
                               edge_to_trim_mm=np.array([trim, 80.0]),
                               edge_to_distal_mm=np.array([distal, 90.0]))

    assert fenestration_warnings(None, True) == []
    assert fenestration_warnings(fen(0.03, 50.0, 50.0), True) == []
    w = fenestration_warnings(fen(MAX_OPEN_FRACTION_LOWER_LIMB + 0.01, 20.0, 10.0), True)
    assert len(w) == 3 and "6.0 %" in w[0] and "trim line" in w[1] and "distal" in w[2]
    # An upper-limb socket: a larger open fraction, and no load-bearing clearances.
    assert fenestration_warnings(fen(0.10, 20.0, 10.0), False) == []
    assert len(fenestration_warnings(fen(0.25, 20.0, 10.0), False)) == 1


def _join_fails_unless(monkeypatch, ok):
    """join_interface that refuses the body unless ``ok(holes, turned)``; the holes'
    cutters are recorded with whether they were turned."""
    import prosthetics.sockets.engine as engine
    from prosthetics.sockets.fenestrations import Fenestrations

    real_join, real_cutter = engine.join_interface, Fenestrations.cutter
    made, calls = {}, []

    def cutter(self, turned=False):
        m = real_cutter(self, turned)
        made[id(m)] = turned
        return m

    def join(shell, cavity, block, cutters, extra, holes=None):
        turned = made.get(id(holes)) if holes is not None else None
        calls.append((len(extra), holes is not None, turned))
        if not ok(holes is not None, turned):
            raise ParameterError("the socket's outer wall folds over itself")
        return real_join(shell, cavity, block, cutters, extra, holes=holes)

    monkeypatch.setattr(Fenestrations, "cutter", cutter)
    monkeypatch.setattr(engine, "join_interface", join)
    return calls


def test_a_bore_that_leaves_the_wall_open_is_turned_not_refused(limbs, monkeypatch):
    """A bore whose facets fall on the wall's own vertices can leave the union open (the
    shipped forearm's ventilated preset, on one CPU): the holes are made again turned by
    half a facet, and the socket keeps its blend and every hole."""
    cls, build = SOCKET_BUILDERS["transradial"]
    calls = _join_fails_unless(monkeypatch, lambda holes, turned: not holes or turned)
    s = build(limbs["transradial"], cls(fenestration_count=6, fenestration_diameter_mm=10.0,
                                        grid_rows=24, grid_columns=32), TemplateCache())
    # the forearm's preset has no distal blend: the pedestal is the one extra part
    assert calls == [(1, True, False), (1, True, True)]      # the holes turned
    assert s.fenestrations.placed == 6 and not s.warnings
    assert solid_checks(s.mesh)["watertight"] and solid_checks(s.mesh)["bodies"] == 1


def test_holes_that_never_join_step_aside_with_a_warning(limbs, monkeypatch):
    """Ventilation holes are never why a socket is refused: when the wall with them does
    not join as one closed body, turned or not, the socket is made without them."""
    cls, build = SOCKET_BUILDERS["transradial"]
    calls = _join_fails_unless(monkeypatch, lambda holes, turned: not holes)
    s = build(limbs["transradial"], cls(fenestration_count=6, fenestration_diameter_mm=10.0,
                                        grid_rows=24, grid_columns=32), TemplateCache())
    assert calls == [(1, True, False), (1, True, True), (1, False, None)]
    assert s.fenestrations is None
    (w,) = s.warnings
    assert w.startswith("the 6 ventilation holes are left off") and "\n" not in w
    assert w.msgid.startswith("the %(count)s ventilation holes")      # a catalogue line
    assert solid_checks(s.mesh)["watertight"] and solid_checks(s.mesh)["bodies"] == 1
