"""Atomic writes: a reader sees the old file or the new one; a failure leaves nothing behind.

A full disk is simulated by making the write or the rename raise ENOSPC.
"""

from __future__ import annotations

import errno
import json
import os
import threading
from pathlib import Path

import pytest

from prosthetics import fileio
from prosthetics.errors import OutputError, ProstheticsError


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _only(folder: Path) -> list[str]:
    """Names in ``folder``, temporary ones included."""
    return sorted(p.name for p in folder.iterdir())


def test_atomic_write_bytes_writes_and_keeps_or_sets_the_mode(tmp_path):
    p = tmp_path / "sub" / "a.bin"
    fileio.atomic_write_bytes(p, b"one")
    assert p.read_bytes() == b"one" and p.stat().st_mode & 0o777 == 0o644
    os.chmod(p, 0o640)
    fileio.atomic_write_bytes(p, b"two")
    assert p.read_bytes() == b"two" and p.stat().st_mode & 0o777 == 0o640
    fileio.atomic_write_bytes(p, b"three", mode=0o444)
    assert p.stat().st_mode & 0o777 == 0o444
    assert _only(p.parent) == ["a.bin"]


def test_write_json_bytes_are_stable(tmp_path):
    # Case files are hashed: the bytes of write_json must not change.
    p = fileio.write_json(tmp_path / "c.json", {"b": 1, "a": "é"})
    assert p.read_bytes() == '{\n  "a": "é",\n  "b": 1\n}\n'.encode()
    assert json.loads(p.read_text(encoding="utf-8")) == {"a": "é", "b": 1}


@pytest.mark.parametrize("fail", ["write", "replace"])
def test_full_disk_in_atomic_write_bytes(tmp_path, monkeypatch, fail):
    p = tmp_path / "report.json"
    p.write_bytes(b"old")
    if fail == "write":
        monkeypatch.setattr(Path, "write_bytes", _enospc)
    else:
        monkeypatch.setattr(os, "replace", _enospc)
    with pytest.raises(OutputError) as info:
        fileio.atomic_write_bytes(p, b"new", what="report")
    msg = str(info.value)
    assert isinstance(info.value, ProstheticsError) and "\n" not in msg
    assert "cannot write the report" in msg and str(p) in msg
    assert "No space left on device" in msg and "free some space" in msg
    assert p.read_bytes() == b"old"
    assert _only(tmp_path) == ["report.json"]          # no temporary file left


def test_a_writer_that_fails_leaves_no_temporary_file(tmp_path):
    def half_then_fail(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        _enospc()

    with pytest.raises(OutputError, match="choose another --out"):
        fileio.atomic_write_with(tmp_path / "a.stl", half_then_fail, what="mesh",
                                 fix="choose another --out")
    assert _only(tmp_path) == []


def test_full_disk_in_staging_publish(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.stl").write_bytes(b"old a")
    (out / "b.json").write_bytes(b"old b")
    (out / "other.txt").write_bytes(b"not ours")
    replace = os.replace
    calls = []

    def second_fails(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            _enospc()
        replace(src, dst)

    with pytest.raises(OutputError) as info:
        with fileio.Staging(out) as st:
            (st.tmp / "a.stl").write_bytes(b"new a")
            (st.tmp / "b.json").write_bytes(b"new b")
            (st.tmp / "c.html").write_bytes(b"new c")
            monkeypatch.setattr(os, "replace", second_fails)
            st.publish()
    monkeypatch.setattr(os, "replace", replace)
    msg = str(info.value)
    assert "cannot write the output folder" in msg and str(out) in msg
    assert "No space left on device" in msg and "\n" not in msg
    # The first file had been moved in: it was taken back out, the old one put back.
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {
        "a.stl": b"old a", "b.json": b"old b", "other.txt": b"not ours"}
    assert _only(tmp_path) == ["out"]                  # no staging folder left


def test_staging_publish_on_the_first_file_changes_nothing(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.stl").write_bytes(b"old")
    with pytest.raises(OutputError):
        with fileio.Staging(out) as st:
            (st.tmp / "a.stl").write_bytes(b"new")
            monkeypatch.setattr(os, "replace", _enospc)
            st.publish()
    assert (out / "a.stl").read_bytes() == b"old"
    assert _only(tmp_path) == ["out"] and _only(out) == ["a.stl"]


def test_staging_publish_moves_everything_in(tmp_path):
    out = tmp_path / "out"
    with fileio.Staging(out) as st:
        (st.tmp / "a.stl").write_bytes(b"a")
        (st.tmp / "report.json").write_text("{}")
        moved = st.publish()
    assert [p.name for p in moved] == ["a.stl", "report.json"]
    assert _only(tmp_path) == ["out"] and _only(out) == ["a.stl", "report.json"]


def test_swap_folder_puts_the_old_folder_back_when_the_new_cannot_move_in(tmp_path,
                                                                          monkeypatch):
    final, new = tmp_path / "case", tmp_path / "new"
    final.mkdir()
    (final / "x").write_text("old")
    new.mkdir()
    (new / "x").write_text("new")
    replace = os.replace

    def second_fails(src, dst):
        if Path(src) == new:
            _enospc()
        replace(src, dst)

    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(OutputError, match="No space left"):
        fileio.swap_folder(new, final)
    monkeypatch.setattr(os, "replace", replace)
    assert (final / "x").read_text() == "old"
    fileio.swap_folder(new, final)
    assert (final / "x").read_text() == "new" and _only(tmp_path) == ["case"]


def test_concurrent_writers_never_share_a_temporary_name(tmp_path):
    """Two writers of one file, both inside their write at once: two temporary names."""
    dest = tmp_path / "case.json"
    both_inside = threading.Barrier(2, timeout=10)
    names: list[str] = []
    errors: list[BaseException] = []

    def writer(text: str) -> None:
        def write(tmp: Path) -> None:
            names.append(tmp.name)
            both_inside.wait()          # the other writer has made its temporary file too
            tmp.write_text(text)

        try:
            fileio.atomic_write_with(dest, write)
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(names) == 2 and names[0] != names[1]
    assert all(n.startswith(".case.json.") and n.endswith(".tmp") for n in names)
    assert dest.read_text() in ("first", "second")
    assert _only(tmp_path) == ["case.json"]


def test_temp_dir_beside_names_and_errors(tmp_path):
    d = fileio.temp_dir_beside(tmp_path / "C-1", prefix=".C-1.new-")
    assert d.parent == tmp_path and d.name.startswith(".C-1.new-")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="choose another --root folder"):
        fileio.temp_dir_beside(blocker / "C-2", option="--root")


def test_rename_into_place(tmp_path):
    staging = fileio.temp_dir_beside(tmp_path / "C-1")
    (staging / "case.json").write_text("{}")
    final = fileio.rename_into_place(staging, tmp_path / "C-1", what="case folder")
    assert _only(tmp_path) == ["C-1"] and _only(final) == ["case.json"]
    again = fileio.temp_dir_beside(final)
    (again / "x").write_text("x")
    with pytest.raises(OutputError, match="cannot write the case folder"):
        fileio.rename_into_place(again, final, what="case folder")   # never over a case
    assert _only(final) == ["case.json"]
