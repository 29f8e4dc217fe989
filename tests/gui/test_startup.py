"""Start-up: the first scan's reading and cleaning start beside the window's own building,
and the model carries on from them (or stops them when another scan is opened first)."""

from __future__ import annotations

import os

import pytest

if not os.environ.get("DISPLAY"):
    pytest.skip("the GUI tests need a display: run them under xvfb-run", allow_module_level=True)

from .conftest import spin, wait_until  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture
def prestarts(monkeypatch):
    """Every :class:`Prestart` made, in order."""
    from prosthetics_gui import jobs

    made = []

    class Recorded(jobs.Prestart):
        def __init__(self, path):
            super().__init__(path)
            made.append(self)

    monkeypatch.setattr(jobs, "Prestart", Recorded)
    return made


def _window():
    from prosthetics_gui.mainwindow import MainWindow

    win = MainWindow()
    win.resize(1200, 800)
    win.show()
    return win


def test_the_sample_is_cleaned_while_the_window_is_built(qapp, prestarts):
    from prosthetics.resources import sample_scan

    win = _window()
    try:
        win.start(None)
        wait_until(win.is_ready, 60, "the window to be built")
        wait_until(lambda: win.model.is_current(), 180, "the design to be up to date")
        assert len(prestarts) == 1
        pre = prestarts[0]
        assert pre.path == sample_scan().resolve()
        # The model designs on the prestarted session: its cleaning is the one shown, run
        # once (the model's job waited for it instead of cleaning again).
        assert win.model.session is pre.session
        assert win.model.cleaned is pre.session.results["clean"]
        assert win.model.prestart is None and win.model._wait_first is None
        assert win.model.socket is not None and win.model.check is not None
        # The raw points in the design frame (with the removed ones marked) follow the socket.
        assert win.model.raw is not None and win.model.raw.frame == "design"
        assert win.model.raw.removed is not None and win.model.raw.removed.any()
    finally:
        win.close()
        spin(0.1)


def test_another_scan_opened_first_stops_the_prestart(qapp, prestarts, tmp_path):
    import shutil

    from prosthetics.resources import sample_scan

    other = tmp_path / "other.ply"
    shutil.copy(sample_scan(), other)
    win = _window()
    try:
        win.start(None)
        win.open_path(str(other))           # before the window is built: replaces the sample
        wait_until(win.is_ready, 60, "the window to be built")
        assert [p.path for p in prestarts] == [sample_scan().resolve()]
        assert prestarts[0]._stop.is_set()
        assert win.model.session.scan_path.resolve() == other.resolve()
        wait_until(lambda: win.model.cleaned is not None or win.model._halted, 180,
                   "the other scan to be cleaned")
        assert win.model.session is not prestarts[0].session
    finally:
        win.close()
        spin(0.1)


def test_the_raw_points_in_the_design_frame_follow_a_cancelled_job():
    """A job cancelled after it sent the alignment, before the raw points in the design
    frame (an edit made while the first design ran): the next job, which has nothing new
    to send for the stages, still sends them, once."""
    from types import SimpleNamespace

    import numpy as np
    import trimesh

    from prosthetics_gui import jobs

    load = SimpleNamespace(points=np.random.default_rng(1).uniform(-5, 5, (200, 3)), colors=None)
    align = SimpleNamespace(transform=np.eye(4), mesh=trimesh.creation.box((10.0, 10.0, 10.0)))
    session = SimpleNamespace(results={"load": load})
    sent = []
    job = SimpleNamespace(partial=sent.append)
    first = jobs._reporter(session, job, {})
    first()                                     # the scan read: its raw in the file's axes
    session.results["align"] = align
    first()                                     # aligned, then cancelled: no final flush
    assert [p["stage"] for p in sent] == ["load", "align"]
    assert sent[0]["raw"].frame == "scan"
    # the GUI shows load, align and that raw; the next job sends the raw at its end
    shown = {"load": id(load), "align": id(align), "raw": sent[0]["raw"].key}
    sent.clear()
    again = jobs._reporter(session, job, shown)
    again()
    assert sent == []                           # nothing new before the end
    again(final=True)
    assert [p["stage"] for p in sent] == ["raw"] and sent[0]["raw"].frame == "design"
    assert sent[0]["raw"].key == (id(load), id(align))
    sent.clear()
    jobs._reporter(session, job, {**shown, "raw": (id(load), id(align))})(final=True)
    assert sent == []                           # shown already: not sent again
