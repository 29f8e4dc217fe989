"""A STEP file's text (ISO 10303-21) with its repeated geometry written once.

OpenCascade's STEP writer (7.9, the version CadQuery ships) writes a surface, curve or point
again for every face, edge or vertex that uses it.  The socket's smooth B-rep has faces that
share one B-spline surface (the wall's pieces after the distal interface's booleans, down
to slivers of a square millimetre): on the sample limb 9 faces wrote the same 3,762 control
points each, and the file was 6.5 MB where its geometry needs 3.5.  OCCT 8 has a cleaner of
its own (``StepTidy``); until CadQuery ships it, :func:`share_repeated_geometry` does the
same on the written text: geometric entities (points, directions, placements, lines,
circles, planes, cylinders, cones and B-spline curves and surfaces) whose content is the
same, after their own references are shared, are written once and referred to from every
place that used a copy.  Topology (vertices, edges, faces, shells) and the product's
entities are kept as they are, only their references changed, so the shape read back is the
same shape.  Whitespace outside strings is dropped from the geometry (it carries nothing in
the format) and its lines are wrapped at commas.

Pure text: no OpenCascade here (tested on small files made by hand).
"""

from __future__ import annotations

import re

#: Entity types that are values: two of them with the same content are the same thing.
GEOMETRY = frozenset({
    "CARTESIAN_POINT", "DIRECTION", "VECTOR", "AXIS1_PLACEMENT", "AXIS2_PLACEMENT_2D",
    "AXIS2_PLACEMENT_3D", "LINE", "CIRCLE", "ELLIPSE", "PLANE", "CYLINDRICAL_SURFACE",
    "CONICAL_SURFACE", "SPHERICAL_SURFACE", "TOROIDAL_SURFACE", "B_SPLINE_CURVE_WITH_KNOTS",
    "B_SPLINE_SURFACE_WITH_KNOTS"})

#: Longest line written for an entity whose whitespace was dropped (characters).
LINE_CHARS = 80

_STRING = re.compile(r"'(?:[^']|'')*'")
_REF = re.compile(r"#(\d+)")
_HEAD = re.compile(r"\s*#(\d+)\s*=\s*", re.S)
_KEYWORD = re.compile(r"[A-Z][A-Z0-9_]*")


def _entities(data: str) -> list[tuple[int, str]]:
    """``(id, body)`` of each ``#id = body;`` in a DATA section (``;`` inside strings kept)."""
    out, start, pos = [], 0, 0
    while True:
        semi = data.find(";", pos)
        quote = data.find("'", pos)
        if semi < 0:
            break
        if 0 <= quote < semi:
            end = _STRING.match(data, quote)
            if end is None:
                raise ValueError("a string in the STEP file's data is not closed")
            pos = end.end()
            continue
        text = data[start:semi]
        head = _HEAD.match(text)
        if head is None:
            raise ValueError(f"not a STEP entity: {text.strip()[:60]!r}")
        out.append((int(head.group(1)), text[head.end():]))
        start = pos = semi + 1
    if data[start:].strip():
        raise ValueError("the STEP file's data does not end with ';'")
    return out


def _pieces(body: str) -> list[str]:
    """``body`` split into text outside strings (even places) and strings (odd places)."""
    out, pos = [], 0
    for m in _STRING.finditer(body):
        out += [body[pos:m.start()], m.group(0)]
        pos = m.end()
    out.append(body[pos:])
    return out


def _renumbered(body: str, rep: dict[int, int], *, squeeze: bool) -> str:
    parts = _pieces(body)
    for i in range(0, len(parts), 2):
        text = _REF.sub(lambda m: f"#{rep.get(int(m.group(1)), int(m.group(1)))}", parts[i])
        parts[i] = re.sub(r"\s+", "", text) if squeeze else text
    return "".join(parts)


def _wrapped(line: str) -> str:
    """``line`` broken after commas (outside strings) into lines of at most about
    :data:`LINE_CHARS` characters."""
    if len(line) <= LINE_CHARS:
        return line
    chunks, current = [], ""
    for i, part in enumerate(_pieces(line)):
        if i % 2:                                   # a string: never broken
            current += part
            continue
        first, *rest = part.split(",")
        current += first
        for piece in rest:
            chunks.append(current + ",")
            current = piece
    chunks.append(current)
    lines, line_now = [], ""
    for chunk in chunks:
        if line_now and len(line_now) + len(chunk) > LINE_CHARS:
            lines.append(line_now)
            line_now = ""
        line_now += chunk
    lines.append(line_now)
    return "\n".join(lines)


def share_repeated_geometry(text: str) -> tuple[str, dict]:
    """``text`` (a STEP file) with its repeated geometric entities written once.

    Returns
    -------
    (str, dict)
        The new text, and ``{"entities_before", "entities_after"}``.

    Raises
    ------
    ValueError
        The text is not a STEP file with one DATA section (the writer's own output always
        is; the caller keeps the file as written).
    """
    start = text.find("DATA;")
    end = text.find("ENDSEC;", start)
    if start < 0 or end < 0 or text.find("DATA;", start + 1) >= 0:
        raise ValueError("not a STEP file with one DATA section")
    entities = _entities(text[start + len("DATA;"):end])
    kinds = {}
    for ident, body in entities:
        m = _KEYWORD.match(body)
        kinds[ident] = m.group(0) if m else ""
    squeezed = {ident: _renumbered(body, {}, squeeze=True) for ident, body in entities
                if kinds[ident] in GEOMETRY}
    rep = {ident: ident for ident in squeezed}
    # Share the leaves first, then whatever became the same through them, until nothing
    # changes (a B-spline surface is the same as another once its points are).
    changed = True
    while changed:
        keys = {ident: _renumbered(body, rep, squeeze=False)
                for ident, body in squeezed.items()}
        first: dict[str, int] = {}
        for ident, key in keys.items():
            first[key] = min(first.get(key, ident), rep[ident])
        changed = False
        for ident, key in keys.items():
            if first[key] != rep[ident]:
                rep[ident], changed = first[key], True
    lines = []
    for ident, body in entities:
        if ident in squeezed:
            if rep[ident] != ident:
                continue
            lines.append(_wrapped(f"#{ident}={_renumbered(squeezed[ident], rep, squeeze=False)};"))
        else:
            lines.append(f"#{ident}={_renumbered(body.strip(), rep, squeeze=False)};")
    out = text[:start] + "DATA;\n" + "\n".join(lines) + "\n" + text[end:]
    return out, {"entities_before": len(entities), "entities_after": len(lines)}
