"""The socket's final booleans: a pinch on the cavity's face, inside a sound wall, is made
again with the cavity pushed out a hundredth of a millimetre; a pinch at the outer wall (the
wall folding into the cavity) and a body that stays open are refused."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from prosthetics.errors import ParameterError
from prosthetics.sockets import regions


def _parts():
    outer = trimesh.creation.cylinder(radius=50.0, height=120.0, sections=64)
    # Subdivided, so that a face of its side lies inside the wall, away from the brim.
    cavity = trimesh.creation.cylinder(radius=44.0, height=110.0, sections=64)
    cavity = cavity.subdivide().subdivide()
    cavity.apply_translation([0.0, 0.0, 10.0])
    block = trimesh.creation.cylinder(radius=20.0, height=12.0, sections=48)
    block.apply_translation([0.0, 0.0, -64.0])
    cutter = trimesh.creation.cylinder(radius=3.0, height=25.0, sections=24)
    cutter.apply_translation([10.0, 0.0, -62.5])          # through the block and the floor
    return outer, cavity, block, cutter


def test_a_clean_join_is_one_closed_body_with_the_cavity_as_given():
    outer, cavity, block, cutter = _parts()
    mesh = regions.join_interface(outer, cavity, block, cutter)
    assert mesh.is_watertight and mesh.body_count == 1
    # The block sinks 2 mm into the floor; the cutter runs through both, below the cavity.
    overlap = np.pi * 20.0 ** 2 * 2.0
    expected = (outer.volume + block.volume - overlap - cavity.intersection(outer).volume
                - cutter.intersection(block.union(outer)).volume)
    assert mesh.volume == pytest.approx(expected, rel=2e-3)


def _drop_face(mesh: trimesh.Trimesh, radius_mm: float) -> trimesh.Trimesh:
    """``mesh`` without one of its side faces at ``radius_mm`` from the axis (an open edge
    there, as a pinch leaves)."""
    c = mesh.triangles_center
    r = np.linalg.norm(c[:, :2], axis=1)
    i = int(np.argmin(np.abs(r - radius_mm) + 1e3 * (np.abs(c[:, 2]) > 30.0)))
    assert abs(r[i] - radius_mm) < 1.0
    return trimesh.Trimesh(mesh.vertices, np.delete(mesh.faces, i, axis=0), process=False)


def _pinched_first(monkeypatch, radius_mm: float) -> list:
    """The first join leaves an open edge at ``radius_mm``; the cavities joined, in order."""
    real, seen = regions._joined, []

    def joined(shell, cav, *rest):
        seen.append(cav)
        mesh = real(shell, cav, *rest)
        return _drop_face(mesh, radius_mm) if len(seen) == 1 else mesh

    monkeypatch.setattr(regions, "_joined", joined)
    return seen


def test_a_pinch_on_the_cavity_face_is_made_again_with_the_cavity_nudged_out(monkeypatch):
    outer, cavity, block, cutter = _parts()
    seen = _pinched_first(monkeypatch, 44.0)           # on the cavity's face, 6 mm of wall
    mesh = regions.join_interface(outer, cavity, block, cutter)
    assert len(seen) == 2 and mesh.is_watertight and mesh.body_count == 1
    moved = np.linalg.norm(seen[1].vertices - cavity.vertices, axis=1)
    np.testing.assert_allclose(moved, regions.CAVITY_NUDGE_MM, rtol=1e-9)
    # A hundredth of a millimetre over the cavity's faces inside the shell (its sides and
    # floor, not its top above the brim): about 0.35 ml here.
    whole = regions.join_interface(outer, cavity, block, cutter).volume
    inside = cavity.area - np.pi * 44.0 ** 2
    assert 0.8 * regions.CAVITY_NUDGE_MM * inside < whole - mesh.volume \
        < 1.05 * regions.CAVITY_NUDGE_MM * inside


def test_a_second_join_with_a_fin_by_the_pinch_is_refused(monkeypatch):
    """Where the cavity folds over itself, the second join closes but leaves a fin a
    fraction of a millimetre thick by the pinch: that is no socket either."""
    from prosthetics.geometry.meshing import from_manifold, to_manifold

    outer, cavity, block, cutter = _parts()
    real, seen = regions._joined, []

    def joined(shell, cav, *rest):
        seen.append(cav)
        mesh = real(shell, cav, *rest)
        if len(seen) == 1:
            first = _drop_face(mesh, 44.0)
            seen.append(regions._pinch_ends(first).mean(axis=0))
            return first
        # A fin 0.05 mm thick standing 6 mm into the cavity from the wall, by the pinch.
        at = seen[1]
        angle = np.arctan2(at[1], at[0])
        fin = trimesh.creation.box(extents=(7.0, 0.05, 10.0))
        fin.apply_translation([41.5, 0.0, 0.0])
        fin.apply_transform(trimesh.transformations.rotation_matrix(angle, [0, 0, 1]))
        fin.apply_translation([0.0, 0.0, at[2]])
        return from_manifold(to_manifold(mesh) + to_manifold(fin))

    monkeypatch.setattr(regions, "_joined", joined)
    with pytest.raises(ParameterError, match="folds over itself"):
        regions.join_interface(outer, cavity, block, cutter)
    assert len(seen) == 3                   # two joins (and the pinch's place)


def test_a_pinch_at_the_outer_wall_is_refused_without_a_second_join(monkeypatch):
    outer, cavity, block, cutter = _parts()
    seen = _pinched_first(monkeypatch, 50.0)           # on the outer surface: a fold
    with pytest.raises(ParameterError, match="folds over itself.*wall_thickness_mm"):
        regions.join_interface(outer, cavity, block, cutter)
    assert len(seen) == 1


def test_a_join_that_stays_open_is_refused_with_what_to_change(monkeypatch):
    outer, cavity, block, cutter = _parts()
    real = regions._joined
    monkeypatch.setattr(regions, "_joined", lambda *a: _drop_face(real(*a), 44.0))
    with pytest.raises(ParameterError, match="folds over itself.*wall_thickness_mm"):
        regions.join_interface(outer, cavity, block, cutter)
