"""The transradial template on the forearm crop: the cubital cut and the wrist couplers.

(Its default preset on the phone-like scan is checked in test_templates.py.)
"""

import numpy as np
import pytest

from prosthetics.errors import ParameterError
from prosthetics.printing.checks import solid_checks
from prosthetics.sockets.adapters import CouplerKind
from prosthetics.sockets.transradial import TransradialParams, build_transradial

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def truth_limb(aligned_forearm):
    return aligned_forearm


def test_trim_is_cut_down_at_the_elbow_crease(truth_limb):
    p = TransradialParams(grid_rows=40, grid_columns=48, cut_direction_deg=90.0,
                          anterior_trim_drop_mm=40.0)
    s = build_transradial(truth_limb, p)
    theta = np.degrees(np.arctan2(s.grid.inner[-1, :, 1], s.grid.inner[-1, :, 0]))
    top = s.grid.trim_z
    assert top[np.argmin(np.abs(theta - 90))] == pytest.approx(top.max() - 40.0, abs=0.5)
    assert top[np.argmin(np.abs(theta + 90))] == pytest.approx(top.max(), abs=0.5)
    assert solid_checks(s.mesh)["watertight"]


def test_threaded_and_bolted_couplers(truth_limb):
    kw = dict(grid_rows=40, grid_columns=48)
    thr = build_transradial(truth_limb, TransradialParams(**kw))
    a = thr.adapter
    z = a.bottom_z_mm + 0.5 * a.insert_depth_mm
    # The insert pocket is empty, the disc around it solid.
    assert thr.mesh.contains(np.array([[0, 0, z], [6.0, 0, z], [10.0, 0, z]])).tolist() == \
        [False, False, True]
    bolt = build_transradial(truth_limb, TransradialParams(coupler_kind=CouplerKind.BOLTED, **kw))
    c = bolt.adapter.hole_centres()          # design frame, on the bed face
    assert len(c) == 4 and np.linalg.norm(c[:, :2], axis=1) == pytest.approx([16.0] * 4)
    assert c[:, 2] == pytest.approx([bolt.adapter.bottom_z_mm] * 4)
    zb = bolt.adapter.bottom_z_mm + 2.0
    assert not bolt.mesh.contains(np.array([[*c[0, :2], zb]]))[0]
    assert solid_checks(bolt.mesh)["bodies"] == 1


def test_coupler_parameters_are_checked():
    with pytest.raises(ParameterError, match="under 2 mm of wall"):
        TransradialParams(coupler_diameter_mm=30.0, coupler_insert_diameter_mm=28.0)
    with pytest.raises(ParameterError, match="thicker"):
        TransradialParams(coupler_thickness_mm=8.0, coupler_insert_depth_mm=8.0)
    with pytest.raises(ParameterError, match="disc edge"):
        TransradialParams(coupler_kind=CouplerKind.BOLTED, coupler_bolt_circle_radius_mm=21.0)


def test_points_set_off_the_forearm_are_refused(truth_limb):
    from prosthetics.sockets.engine import TemplateCache
    from prosthetics.sockets.rectification import Rectification, Stroke

    kw = dict(grid_rows=40, grid_columns=48)
    lo, hi = truth_limb.bounds
    mid = 0.5 * (lo + hi)
    # A point on the surface, then moved 1 m out and 12 mm out along +X.
    v = truth_limb.vertices
    on = v[np.argmax(v[:, 0] - abs(v[:, 2] - mid[2]))]       # the most lateral, mid-height
    for offset, what in ((1000.0, "stroke 1 (push)"), (12.0, "landmark distal_end")):
        cache = TemplateCache()
        far = on + [offset, 0.0, 0.0]
        cache.rectification = (
            Rectification(strokes=(Stroke("push", tuple(far), (1.0, 0.0, 0.0), 10.0,
                                          depth_mm=1.0),))
            if what.startswith("stroke") else Rectification(landmarks={"distal_end": far}))
        with pytest.raises(ParameterError) as err:
            build_transradial(truth_limb, TransradialParams(**kw), cache)
        msg = str(err.value)
        assert f"rectification: {what} at" in msg and "off the limb's surface" in msg
    # Within the tolerance: built.
    cache = TemplateCache()
    cache.rectification = Rectification(landmarks={"distal_end": on + [3.0, 0.0, 0.0]})
    assert solid_checks(build_transradial(truth_limb, TransradialParams(**kw), cache).mesh
                        )["watertight"]
