"""Batches on a real Dask cluster: a scheduler and two worker processes on 127.0.0.1.

A failed case is a failed (erred) Dask task whose exception says the summary's one-line
reason, the other cases go on, and a re-run reuses the finished cases with their figures.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import threading
import time

import pytest

from prosthetics.batch.runner import SchedulerError, run_batch
from prosthetics.cli.main import main

from .test_batch import FAST, LIMB, write_manifest

distributed = pytest.importorskip("distributed")
from distributed.diagnostics.plugin import SchedulerPlugin  # noqa: E402

PLUGIN = "prosthetics-test-erred"


class ErredTasks(SchedulerPlugin):
    """Records, on the scheduler, every task that ends erred and its exception's text."""

    name = PLUGIN

    def __init__(self) -> None:
        self.erred: dict[str, str] = {}

    def transition(self, key, start, finish, *args, **kwargs) -> None:
        if finish == "erred":
            self.erred[str(key)] = kwargs.get("exception_text") or ""


def _erred(dask_scheduler) -> dict:
    return dict(dask_scheduler.plugins[PLUGIN].erred)


@pytest.fixture
def folder(tmp_path):
    """The smallest cases of the batch tests: the clean limb and a corrupt scan."""
    shutil.copy(LIMB, tmp_path / "limb.stl")
    (tmp_path / "corrupt.stl").write_bytes(b"\x00" * 84 + b"\x01" * 10)
    return tmp_path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped) is not running.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


@pytest.fixture
def cluster():
    """A scheduler (in this process) and two worker processes, each a Nanny's child, on
    127.0.0.1 with free ports; closed, and checked gone, even when the test fails."""
    try:
        import bokeh  # noqa: F401 - the dashboard needs it
        dashboard = "127.0.0.1:0"
    except ImportError:
        dashboard = None
    cl = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=dashboard)
    client = None
    pids: list[int] = []
    try:
        client = distributed.Client(cl, set_as_default=False)
        client.register_plugin(ErredTasks())
        pids = list(client.run(os.getpid).values())
        pids += [w.process.pid for w in cl.workers.values() if w.process is not None]
        yield cl, client
    finally:
        address = cl.scheduler_address
        if client is not None:
            client.close()
        cl.close()
        deadline = time.monotonic() + 15
        while [p for p in pids if _alive(p)] and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [p for p in pids if _alive(p)]
        for p in left:
            os.kill(p, 9)
        assert not left, f"worker processes {left} outlived the cluster"
        host, port = address.removeprefix("tcp://").rsplit(":", 1)
        with socket.socket() as s:
            s.settimeout(2)
            assert s.connect_ex((host, int(port))) != 0, "the scheduler's port is still open"


def test_failed_case_is_an_erred_task_and_a_rerun_reuses_the_others(folder, cluster, capsys):
    cl, client = cluster
    rows = [{"case_id": "d1", "scan": "limb.stl", "kind": "socket", **FAST},
            {"case_id": "bad", "scan": "corrupt.stl", "kind": "socket", **FAST},
            {"case_id": "d2", "scan": "limb.stl", "kind": "socket", "side": "left", **FAST}]
    manifest = write_manifest(folder, rows)
    out = folder / "out"
    notes: list[str] = []

    first = run_batch(manifest, out, scheduler=cl.scheduler_address, notify=notes.append)
    by = {e["case_id"]: e for e in first.entries}
    assert [e["status"] for e in first.entries] == ["ok", "failed", "ok"]
    assert first.exit_code == 1
    reason = by["bad"]["error"]
    assert "corrupt.stl" in reason and "\n" not in reason
    assert notes and notes[0].startswith(f"scheduler {cl.scheduler_address}: 2 workers")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"] == {"ok": 2, "failed": 1, "skipped": 0}
    assert summary["cases"][1]["error"] == reason
    for cid in ("d1", "d2"):
        assert by[cid]["time_s"] > 0 and by[cid]["volume_ml"] > 0
        assert by[cid]["reused"] is False and by[cid]["worker_peak_mb"] > 0
        assert (out / cid / f"{cid}.stl").is_file()
    # The failed case is a failed task on the scheduler, its exception the summary's reason;
    # the designed ones are not.
    erred = client.run_on_scheduler(_erred)
    assert [k for k in erred if not k.startswith("case-bad-")] == []
    ((key, text),) = erred.items()
    assert "CaseFailed" in text and reason in text
    if cl.dashboard_link and "127.0.0.1" in cl.dashboard_link:
        from urllib.request import urlopen

        assert summary["dashboard"] == cl.dashboard_link
        with urlopen(cl.dashboard_link, timeout=20) as page:
            assert page.status == 200

    # Again, from the command line: the two designed cases are reused with their figures,
    # the bad one is tried (and fails, as a failed task) again.
    rc = main(["batch", str(manifest), "--out", str(out), "--scheduler",
               cl.scheduler_address])
    printed = capsys.readouterr()
    assert rc == 1
    assert "3 cases: 0 ok, 1 failed, 2 skipped (unchanged) in" in printed.out
    assert f"failed    bad: {reason}" in printed.out
    again = {e["case_id"]: e for e in json.loads((out / "summary.json").read_text())["cases"]}
    for cid in ("d1", "d2"):
        assert again[cid]["status"] == "skipped" and again[cid]["reused"] is True
        for figure in ("time_s", "volume_ml", "worker_peak_mb", "made_utc", "input_hash"):
            assert again[cid][figure] == by[cid][figure], figure
    assert again["bad"]["status"] == "failed" and again["bad"]["error"] == reason
    assert len(client.run_on_scheduler(_erred)) == 2
    assert "(unchanged; made in " in printed.err
    assert f"scheduler {cl.scheduler_address}: 2 workers" in printed.err
    if summary["dashboard"]:
        assert f"dashboard {summary['dashboard']}" in printed.out


def test_case_failed_travels_whole_and_a_lost_worker_fails_its_case_only(tmp_path):
    """The exception a failed case's task raises keeps its reason and entry through pickling
    (as it travels from a worker); a task that failed otherwise (a worker lost) fails its
    case with Dask's reason and leaves no staging folder."""
    import pickle

    from prosthetics.batch.runner import CaseFailed, CaseSpec, _case_entry

    entry = {"case_id": "x", "status": "failed", "error": "scan 'x.stl' does not exist"}
    back = pickle.loads(pickle.dumps(CaseFailed(entry["error"], entry)))
    assert str(back) == entry["error"] and back.entry == entry

    class KilledWorker(Exception):      # as Dask names it (its arguments vary by version)
        pass

    class Lost:
        status = "error"

        def exception(self):
            return KilledWorker("attempted to run task 'case-x-1' on 4 workers,\nall died")

    (tmp_path / ".x.staging-123").mkdir()
    spec = CaseSpec(case_id="x", scan="x.stl", kind="socket", template="transtibial")
    got = _case_entry(Lost(), spec, tmp_path)
    assert got["status"] == "failed" and got["error"].startswith("the Dask task failed "
                                                                 "(KilledWorker: ")
    assert "\n" not in got["error"] and not list(tmp_path.iterdir())


def test_unreachable_scheduler_is_one_line_and_exit_2_within_seconds(folder, capsys):
    manifest = write_manifest(folder, [{"case_id": "a", "scan": "limb.stl", "kind": "socket"}])
    with socket.socket() as s:                   # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    t0 = time.monotonic()
    rc = main(["batch", str(manifest), "--out", str(folder / "out"), "--scheduler", address])
    took = time.monotonic() - t0
    err = capsys.readouterr().err
    assert rc == 2 and took < 12
    assert len(err.splitlines()) == 1
    assert f"cannot reach the Dask scheduler at {address!r}" in err
    assert "check the address and port" in err


def test_a_port_that_answers_but_is_no_scheduler_is_a_clear_error(folder):
    """A web server (the dashboard's port given by mistake) answers, but not as Dask."""
    manifest = write_manifest(folder, [{"case_id": "a", "scan": "limb.stl", "kind": "socket"}])
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        address = f"tcp://127.0.0.1:{server.server_address[1]}"
        t0 = time.monotonic()
        with pytest.raises(SchedulerError, match=f"at '{address}'") as err:
            run_batch(manifest, folder / "out", scheduler=address, connect_timeout_s=2)
        assert time.monotonic() - t0 < 10
        assert "not the dashboard's" in str(err.value) and "\n" not in str(err.value)
    finally:
        server.shutdown()
        server.server_close()


def test_a_scheduler_without_workers_stops_the_batch_after_the_wait(folder, capsys):
    """No worker joins within --worker-wait: one line naming the address, the wait and the
    'dask worker' command; exit 2; no case folder, summary or output folder left."""
    manifest = write_manifest(folder, [{"case_id": "a", "scan": "limb.stl", "kind": "socket",
                                        **FAST}])
    out = folder / "out"
    cl = distributed.LocalCluster(n_workers=0, processes=True, host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0")
    try:
        address = cl.scheduler_address
        t0 = time.monotonic()
        rc = main(["batch", str(manifest), "--out", str(out), "--scheduler", address,
                   "--worker-wait", "2"])
        took = time.monotonic() - t0
    finally:
        cl.close()
    err = capsys.readouterr().err.splitlines()
    assert rc == 2 and 2 <= took < 15, (rc, took)
    assert err[0].startswith(f"scheduler {address}: 0 workers (waiting up to 2 s for one to "
                             f"join)")
    assert err[-1] == (f"prosthetics batch: error: no Dask worker joined the scheduler at "
                       f"{address} within 2 s; start one with 'dask worker {address}' on a "
                       f"machine that sees the scans and the output folder, then run the "
                       f"batch again (or wait longer with --worker-wait SECONDS); no case "
                       f"was run")
    assert len(err) == 2 and not out.exists()
