"""The core package never imports Qt or VTK; heavy libraries stay in their few modules."""

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "prosthetics"
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "qtpy", "vtk", "vtkmodules", "pyvista",
             "pyvistaqt", "gui", "prosthetics_gui")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_qt_or_vtk_import_in_the_source():
    paths = sorted(CORE.rglob("*.py"))
    assert len(paths) > 40
    for path in paths:
        bad = imported_modules(path) & set(FORBIDDEN)
        assert not bad, f"{path.relative_to(CORE)} imports {bad}"


def test_open3d_and_cadquery_stay_in_their_modules():
    allowed = {"open3d": {"scan/clean.py", "scan/floor.py", "geometry/meshing.py",
                          "reports/pictures.py", "insoles/foot.py"},
               "cadquery": {"sockets/adapters.py", "sockets/mounts.py", "sockets/wrist.py",
                            "insoles/template.py", "geometry/step.py", "geometry/brep.py",
                            "sockets/brep_socket.py"}}
    for path in CORE.rglob("*.py"):
        rel = path.relative_to(CORE).as_posix()
        mods = imported_modules(path)
        for lib, files in allowed.items():
            if lib in mods:
                assert rel in files, f"{rel} imports {lib}"


def test_importing_the_core_loads_no_gui_toolkit():
    code = ("import sys, prosthetics.design.session, prosthetics.cli.main, prosthetics.reports.html, "
            "prosthetics.reports.pictures, prosthetics.printing.slicer, prosthetics.scan.phonescan\n"
            f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
