"""The distal interfaces and the label's text from the geometry cache: a hit is the mesh a
build makes, array for array; a warm cache builds a socket without CadQuery; a damaged
entry is built again; the label still steps aside with a warning."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from prosthetics import cache
from prosthetics.sockets import adapters, label, mounts, wrist
from prosthetics.sockets.engine import TemplateCache
from prosthetics.sockets.interfaces import WristCouplerParams
from prosthetics.sockets.transtibial import TranstibialParams, build_transtibial

COARSE = dict(grid_rows=40, grid_columns=48)
LABEL = dict(label=True, label_case_id="CASE-017", label_date="2026-11-21")


def params(**kw):
    return TranstibialParams(**{k: TranstibialParams.coerce(k, v) for k, v in kw.items()})


def interfaces():
    """One of each distal interface in the library (heights as a socket puts them, mm)."""
    out = {
        "four_hole": adapters.make_interface(params(), -14.30517, -8.30517),
        "counterbores": adapters.make_interface(
            params(adapter_counterbore_diameter_mm=9.0), -13.25, -7.25),
        "inserts": adapters.make_interface(params(adapter_insert_diameter_mm=6.4), -21.7, -15.7),
        "shuttle_lock": adapters.make_interface(params(adapter_shuttle_lock=True), -19.4, -5.4),
        "collar": adapters.make_interface(
            params(adapter_mount="collar", adapter_collar_bore_diameter_mm=12.0), -55.1, -9.0),
    }
    for kind in ("threaded", "bolted"):
        p = WristCouplerParams(coupler_kind=WristCouplerParams.coerce("coupler_kind", kind))
        out[f"wrist_{kind}"] = p.make_coupler(-16.8, -2.0)
    turn = adapters.Alignment(flexion_deg=7.0, adduction_deg=-3.0).interface_to_design(-8.3)
    out["placed"] = adapters.PlacedInterface(interface=out["four_hole"],
                                             interface_to_design=turn, bottom_z_mm=-16.0,
                                             pedestal_top_z_mm=-7.0)
    return out


IFACES = interfaces()


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """An empty cache of its own, and no text kept in memory from other tests."""
    monkeypatch.setenv(cache.CACHE_ENV_VAR, str(tmp_path / "cache"))
    monkeypatch.setattr(label, "_TEXT_CACHE", {})
    return tmp_path / "cache"


@pytest.fixture
def builds(monkeypatch):
    """Counts the tessellations of CadQuery parts (each is a build)."""
    calls = []
    real = adapters.tessellate

    def counted(*a, **k):
        calls.append(k.get("what"))
        return real(*a, **k)

    monkeypatch.setattr(adapters, "tessellate", counted)
    monkeypatch.setattr(label, "tessellate", counted)
    return calls


def assert_same_meshes(a, b):
    for x, y in zip(a, b, strict=True):
        assert x.vertices.dtype == y.vertices.dtype and x.faces.dtype == y.faces.dtype
        np.testing.assert_array_equal(x.vertices, y.vertices)
        np.testing.assert_array_equal(x.faces, y.faces)


@pytest.mark.parametrize("name", list(IFACES))
def test_a_cached_interface_is_the_built_one(folder, builds, monkeypatch, name):
    iface = IFACES[name]
    top = -8.3 + 200.0
    first = adapters.interface_meshes(iface, top)             # built and kept
    assert len(builds) == 2 and len(list((folder / "interface").glob("*.npz"))) == 1
    again = adapters.interface_meshes(iface, top)             # read back
    assert len(builds) == 2
    assert_same_meshes(first, again)
    for mesh in again:
        assert mesh.is_watertight and mesh.volume > 0
    # Without a cache: the same arrays, built again.
    monkeypatch.setenv(cache.CACHE_ENV_VAR, "off")
    assert_same_meshes(adapters.interface_meshes(iface, top), again)
    assert len(builds) == 4


def test_every_field_of_an_interface_keys_its_entry(folder, builds):
    plate = IFACES["four_hole"]
    adapters.interface_meshes(plate, 100.0)
    # The same plate 1 mm lower (OCC triangulates a moved part with other diagonals), a
    # hole 0.1 mm wider, holes reaching higher: each its own entry, built.
    for other, top in [(replace(plate, bottom_z_mm=-15.30517, pedestal_top_z_mm=-9.30517), 100.0),
                       (replace(plate, bolt_hole_diameter_mm=5.1), 100.0),
                       (plate, 200.0)]:
        n = len(builds)
        solid, cutters = adapters.interface_meshes(other, top)
        assert len(builds) == n + 2
        assert solid.bounds[0, 2] == pytest.approx(other.bottom_z_mm, abs=1e-9)
        assert cutters.bounds[1, 2] == pytest.approx(top, abs=1e-9)
    assert len(list((folder / "interface").glob("*.npz"))) == 4


def test_the_builders_source_files_key_the_entries():
    sources = set(adapters.INTERFACE_SOURCES)
    for part in (adapters.FourHoleAdapter, adapters.CollarBlock, adapters.ShuttleLock,
                 adapters.Stack, adapters.BoltHoles, adapters.WristCoupler,
                 adapters.PlacedInterface, adapters.interface_meshes, adapters.tessellate):
        assert inspect.getsourcefile(part) in sources, part
    assert inspect.getsourcefile(label._raw_line) in label.TEXT_SOURCES
    assert inspect.getsourcefile(adapters.text_solid) in label.TEXT_SOURCES
    assert inspect.getsourcefile(label.tessellate) in label.TEXT_SOURCES
    assert {mounts.__file__, wrist.__file__} <= sources


def test_a_damaged_entry_is_built_again(folder, builds):
    iface = IFACES["shuttle_lock"]
    first = adapters.interface_meshes(iface, 150.0)
    (entry,) = (folder / "interface").glob("*.npz")
    whole = entry.read_bytes()
    for damage in (whole[: len(whole) // 3], b"", b"PK\x03\x04 not an archive"):
        entry.write_bytes(damage)
        n = len(builds)
        assert_same_meshes(adapters.interface_meshes(iface, 150.0), first)
        assert len(builds) == n + 2                        # built again...
        assert_same_meshes(adapters.interface_meshes(iface, 150.0), first)
        assert len(builds) == n + 2                        # ...and kept whole


def test_the_label_text_comes_from_the_cache(folder, builds, monkeypatch):
    text = "CASE-017 R\n2026-11-21"
    built = label.text_mesh(text)
    assert sorted(builds) == sorted(f"label text {t!r}" for t in ("CASE-017 R", "H",
                                                                  "2026-11-21"))
    # A new process (nothing in memory) reads the lines back without CadQuery.
    monkeypatch.setattr(label, "_TEXT_CACHE", {})
    monkeypatch.setattr(label, "text_solid", None)          # any build would fail
    again = label.text_mesh(text)
    assert len(builds) == 3
    assert_same_meshes([built], [again])
    assert again.is_watertight and again.volume > 0
    # Another set of fonts installed is another entry (the text may take another font).
    monkeypatch.setattr(label, "_TEXT_CACHE", {})
    monkeypatch.setattr(label, "installed_fonts_digest", lambda: "other fonts")
    with pytest.raises(TypeError):
        label.text_mesh(text)


def test_the_fonts_digest_follows_the_font_files(tmp_path, monkeypatch):
    fonts = tmp_path / "fonts"
    (fonts / "truetype").mkdir(parents=True)
    (fonts / "truetype" / "a.ttf").write_bytes(b"font a")
    monkeypatch.setattr(label, "_font_folders", lambda: [fonts, tmp_path / "none"])

    def digest():
        label.installed_fonts_digest.cache_clear()
        return label.installed_fonts_digest()

    try:
        before = digest()
        assert digest() == before
        (fonts / "truetype" / "b.otf").write_bytes(b"font b")
        added = digest()
        assert added != before
        (fonts / "truetype" / "b.otf").write_bytes(b"font b, version 2")
        assert digest() != added
    finally:
        label.installed_fonts_digest.cache_clear()


def test_a_label_that_fits_nowhere_steps_aside_from_a_warm_cache(aligned_truth, folder,
                                                                  builds, monkeypatch):
    # 16 characters of 20 mm: longer than half way round the socket at every height.
    p = TranstibialParams(**{**LABEL, "label_case_id": "WWWWWWWWWWWWWWWW",
                             "label_height_mm": 20.0}, **COARSE)
    cold = build_transtibial(aligned_truth.mesh, p, TemplateCache())
    monkeypatch.setattr(label, "_TEXT_CACHE", {})
    n = len(builds)
    warm = build_transtibial(aligned_truth.mesh, p, TemplateCache())
    assert len(builds) == n                                  # nothing built
    for s in (cold, warm):
        assert not s.label["placed"] and s.label["places_tried"] > 100
        (warning,) = s.warnings
        assert warning.startswith("label left off: ") and "label = false" in warning
    assert warm.warnings == cold.warnings and warm.label == cold.label
    assert_same_meshes([warm.mesh], [cold.mesh])


_SUBPROCESS = """
import json, sys
import numpy as np, trimesh
from prosthetics.sockets.engine import TemplateCache
from prosthetics.sockets.transtibial import TranstibialParams, build_transtibial
limb = np.load(sys.argv[1])
p = TranstibialParams(**json.loads(sys.argv[2]))
s = build_transtibial(trimesh.Trimesh(limb["v"], limb["f"], process=False), p, TemplateCache())
np.savez(sys.argv[3], v=s.mesh.vertices, f=s.mesh.faces)
print(json.dumps({"cadquery": sorted(m for m in sys.modules
                                     if m.split(".")[0] in ("cadquery", "OCP")),
                  "placed": s.label["placed"], "warnings": s.warnings}))
"""


def test_a_warm_cache_builds_a_socket_without_cadquery(aligned_truth, tmp_path):
    """A socket with its interface and label, built again in a fresh process from the
    cache (the conftest's, passed on in the environment): no CadQuery module loaded, the
    same mesh."""
    limb = aligned_truth.mesh
    np.savez(tmp_path / "limb.npz", v=limb.vertices, f=limb.faces)
    kw = {**LABEL, **COARSE, "adapter_shuttle_lock": True}
    here = build_transtibial(limb, TranstibialParams(**kw), TemplateCache())
    assert here.label["placed"]
    out = subprocess.run([sys.executable, "-c", _SUBPROCESS, str(tmp_path / "limb.npz"),
                          json.dumps(kw), str(tmp_path / "socket.npz")],
                         capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["cadquery"] == []
    assert got["placed"] and got["warnings"] == here.warnings
    there = np.load(tmp_path / "socket.npz")
    np.testing.assert_array_equal(there["v"], here.mesh.vertices)
    np.testing.assert_array_equal(there["f"], here.mesh.faces)
