"""The socket's final booleans: a zero-thickness fin on the cavity's face is made again with
the cavity pushed out a hundredth of a millimetre; a body that stays open is refused."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from prosthetics.errors import ParameterError
from prosthetics.sockets import regions


def _parts():
    outer = trimesh.creation.cylinder(radius=50.0, height=120.0, sections=64)
    cavity = trimesh.creation.cylinder(radius=44.0, height=110.0, sections=64)
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


def test_an_open_join_is_made_again_with_the_cavity_nudged_out(monkeypatch):
    outer, cavity, block, cutter = _parts()
    real, seen = regions._joined, []

    def joined(shell, cav, *rest):
        seen.append(cav)
        mesh = real(shell, cav, *rest)
        if len(seen) == 1:                    # the first join leaves a fin: drop a face
            mesh = trimesh.Trimesh(mesh.vertices, mesh.faces[1:], process=False)
        return mesh

    monkeypatch.setattr(regions, "_joined", joined)
    mesh = regions.join_interface(outer, cavity, block, cutter)
    assert len(seen) == 2 and mesh.is_watertight
    moved = np.linalg.norm(seen[1].vertices - cavity.vertices, axis=1)
    np.testing.assert_allclose(moved, regions.CAVITY_NUDGE_MM, rtol=1e-9)


def test_a_join_that_stays_open_is_refused_with_what_to_change(monkeypatch):
    outer, cavity, block, cutter = _parts()
    real = regions._joined
    monkeypatch.setattr(regions, "_joined", lambda *a: trimesh.Trimesh(
        real(*a).vertices, real(*a).faces[1:], process=False))
    with pytest.raises(ParameterError, match="folds over itself.*wall_thickness_mm"):
        regions.join_interface(outer, cavity, block, cutter)
