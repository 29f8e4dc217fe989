"""A STEP file's repeated geometry written once: the text (hand-made files) and the shape
read back (a CadQuery part whose faces share surfaces)."""

from __future__ import annotations

import re

import pytest

from prosthetics.geometry.part21 import LINE_CHARS, share_repeated_geometry

HEAD = """ISO-10303-21;
HEADER;
FILE_DESCRIPTION(('a; test'),'2;1');
FILE_NAME('x','2026-01-01T00:00:00',(''),(''),'','','');
FILE_SCHEMA(('AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }'));
ENDSEC;
DATA;
"""
TAIL = "ENDSEC;\nEND-ISO-10303-21;\n"


def _step(data: str) -> str:
    return HEAD + data + TAIL


def _entities(text: str) -> dict[int, str]:
    data = text[text.index("DATA;") + 5:text.rindex("ENDSEC;")]
    return {int(m.group(1)): re.sub(r"\s+", "", m.group(2))
            for m in re.finditer(r"#(\d+)\s*=\s*(.*?);\s*(?=#|\Z)", data, re.S)}


def test_copies_are_written_once_and_referred_to():
    text = _step("""#1=PRODUCT('socket #7; left','it''s #9',#2,(#3));
#2=CARTESIAN_POINT('',(1.,2.,3.));
#3=CARTESIAN_POINT('', ( 1., 2.,
   3. ));
#4=DIRECTION('',(0.,0.,1.));
#5=AXIS2_PLACEMENT_3D('',#2,#4,$);
#6=DIRECTION('',(0.,0.,1.));
#7=AXIS2_PLACEMENT_3D('',#3,#6,$);
#8=PLANE('',#5);
#9=PLANE('',#7);
#10=ADVANCED_FACE('',(),#8,.T.);
#11=ADVANCED_FACE('',(),#9,.T.);
#12=CARTESIAN_POINT('',(1.,2.,3.000001));
""")
    out, info = share_repeated_geometry(text)
    ents = _entities(out)
    # 3 -> 2, 6 -> 4, then 7 -> 5 (its point and direction now the same), then 9 -> 8.
    assert sorted(ents) == [1, 2, 4, 5, 8, 10, 11, 12]
    assert info == {"entities_before": 12, "entities_after": 8}
    assert ents[10] == "ADVANCED_FACE('',(),#8,.T.)" and ents[11] == ents[10]
    # Topology is not merged, strings are untouched (their ';', '#' and quotes), the
    # references outside them follow.
    assert "#1=PRODUCT('socket #7; left','it''s #9',#2,(#2));" in out
    assert ents[12] == "CARTESIAN_POINT('',(1.,2.,3.000001))"      # not the same point
    assert out.startswith(HEAD.replace("DATA;\n", "")) and out.endswith(TAIL)
    again, info2 = share_repeated_geometry(out)
    assert again == out and info2["entities_after"] == 8


def test_long_geometry_is_wrapped_at_commas():
    points = "".join(f"#{i}=CARTESIAN_POINT('',({i}.,0.,0.));\n" for i in range(1, 41))
    refs = ",".join(f"#{i}" for i in range(1, 41))
    text = _step(points + f"#41=B_SPLINE_CURVE_WITH_KNOTS('',3,({refs}),.UNSPECIFIED.,.F.,"
                          f".F.,(4,{','.join(['1'] * 36)},4),({','.join(map(str, range(38)))}.),"
                          ".UNSPECIFIED.);\n")
    out, _ = share_repeated_geometry(text)
    curve = out[out.index("#41="):out.index(";", out.index("#41=")) + 1]
    assert len(curve.splitlines()) > 3
    assert all(len(line) <= LINE_CHARS for line in curve.splitlines())
    given = text[text.index("#41="):text.index(";\n", text.index("#41=")) + 1]
    assert re.sub(r"\s+", "", curve) == re.sub(r"\s+", "", given)


@pytest.mark.parametrize("bad", ["no data section", HEAD + "1=X();\n" + TAIL,
                                 HEAD + "#1=X('open);\n" + TAIL,
                                 HEAD + "#1=X();\n#2=Y()\n" + TAIL])
def test_what_is_not_a_step_file_is_refused(bad):
    with pytest.raises(ValueError):
        share_repeated_geometry(bad)


def test_a_part_reads_back_the_same_and_smaller(tmp_path):
    cq = pytest.importorskip("cadquery")
    from OCP.BRepCheck import BRepCheck_Analyzer

    from prosthetics.geometry.step import read_step_solids, write_solid_step

    # A plate cut across by slots: its faces share the plate's planes and the slots'
    # cylinders, each face written with copies of them by OCC.
    part = cq.Workplane("XY").box(80, 40, 10)
    for x in (-25, 0, 25):
        part = part.cut(cq.Workplane("XY").center(x, 0).slot2D(30, 6, 90).extrude(20,
                                                                                both=True))
    solid = part.val()
    plain, shared = tmp_path / "plain.step", tmp_path / "shared.step"
    a = write_solid_step(solid, plain, case_id="C-1", program="prosthetics 9.9",
                         share_geometry=False)
    b = write_solid_step(solid, shared, case_id="C-1", program="prosthetics 9.9")
    assert b["entities_after"] < b["entities_before"] and b["bytes"] < 0.8 * a["bytes"]
    back_a, back_b = read_step_solids(plain)[0], read_step_solids(shared)[0]
    assert BRepCheck_Analyzer(back_b.wrapped).IsValid()
    assert back_b.Volume() == pytest.approx(back_a.Volume(), rel=1e-9)
    assert back_b.Volume() == pytest.approx(solid.Volume(), rel=1e-9)
    assert len(back_b.Faces()) == len(back_a.Faces()) == len(solid.Faces())
    assert len(back_b.Edges()) == len(back_a.Edges())
