"""Random parameters inside the documented ranges: a valid watertight part or a ParameterError.

Seeded sampling over every template parameter (the grid kept coarse for speed), until each
template has given a number of parts; any other outcome (another exception, an open or
split mesh, a wall thinner than asked) fails with the parameters that caused it.
"""

import enum

import numpy as np
import pytest

from prosthetics.design.registry import builders
from prosthetics.errors import ParameterError
from prosthetics.params import param_infos, param_type
from prosthetics.printing.checks import measure_wall, solid_checks
from prosthetics.sockets.engine import TemplateCache

BUILDERS = {n: (b.params, b.build) for n, b in builders("socket").items()}


PARTS_WANTED = 4
MAX_TRIES = 150
FIXED = {"grid_rows": 36, "grid_columns": 48, "label_case_id": "P-1", "label_date": "2026-01-01"}


#: Parameters drawn from a stream of their own (the socket's alignment over its distal
#: interface), so that adding them left the draws of all the others as they were.
OWN_STREAM = ("socket_",)


def random_settings(cls, rng: np.random.Generator, keep: float = 0.6,
                    own: np.random.Generator | None = None) -> dict:
    """Each parameter kept at its default with probability ``keep``, else drawn in range
    (those named in :data:`OWN_STREAM` from ``own`` when given)."""
    out = {}
    main = rng
    for name, (f, info) in param_infos(cls).items():
        if name in FIXED:
            out[name] = FIXED[name]
            continue
        rng = own if own is not None and name.startswith(OWN_STREAM) else main
        if rng.random() < keep:
            continue
        optional, tp = param_type(cls, name)
        if optional and rng.random() < 0.3:
            out[name] = None
        elif isinstance(tp, type) and issubclass(tp, enum.Enum):
            out[name] = list(tp)[rng.integers(len(tp))]
        elif tp is bool:
            out[name] = bool(rng.random() < 0.5)
        elif tp is int:
            out[name] = int(rng.integers(int(info.min), int(info.max) + 1))
        elif tp is float:
            lo, hi = info.min, info.max
            out[name] = float(rng.uniform(lo, hi))
    return out


@pytest.fixture(scope="module")
def limbs(aligned_truth, aligned_forearm, aligned_thigh):
    return {"transtibial": aligned_truth.mesh, "transradial": aligned_forearm,
            "transfemoral": aligned_thigh}


@pytest.mark.slow
@pytest.mark.parametrize("template", sorted(BUILDERS))
def test_random_parameters_give_a_part_or_a_parameter_error(template, limbs):
    cls, build = BUILDERS[template]
    rng = np.random.default_rng(sum(map(ord, template)))
    own = np.random.default_rng(sum(map(ord, template)) + 1)
    cache = TemplateCache()
    parts = errors = 0
    messages = []
    for _ in range(MAX_TRIES):
        settings = random_settings(cls, rng, own=own)
        try:
            p = cls(**settings)
            sock = build(limbs[template], p, cache)
        except ParameterError as exc:
            msg = str(exc)
            assert "\n" not in msg and len(msg) < 300, msg
            errors += 1
            messages.append(msg[:60])
            continue
        except Exception as exc:   # noqa: BLE001 - the test's point
            pytest.fail(f"{type(exc).__name__}: {exc} with {settings}")
        c = solid_checks(sock.mesh)
        assert c["watertight"] and c["winding_consistent"] and c["bodies"] == 1 and \
            c["volume_positive"], (c, settings)
        w = measure_wall(sock.mesh, sock.inner_surface,
                         above_z_mm=max(sock.adapter.pedestal_top_z_mm + 1.0,
                                        sock.wall_check_above_z_mm),
                         brim_clearance_mm=float(sock.wall_target_mm.max()) + 0.5, n=15_000,
                         openings=sock.fenestrations)
        assert w["min_wall_mm"] >= p.wall_thickness_mm - 0.1, (w, settings)
        parts += 1
        if parts >= PARTS_WANTED:
            break
    assert parts >= PARTS_WANTED, (f"only {parts} parts in {MAX_TRIES} draws ({errors} errors: "
                                   f"{sorted(set(messages))[:8]})")
