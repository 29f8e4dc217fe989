"""The local pool of batch workers: one process per worker for all its cases, the cores
shared out between the workers, a new process only after a crash."""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from prosthetics.batch import runner
from prosthetics.batch.runner import run_batch, share_cpus, usable_cpus

from .conftest import ROOT
from .test_batch import write_manifest

#: Stands in for a design: records where it ran (process, CPUs, thread variables).
RECORDING_WORKER = textwrap.dedent("""
    import json, os, sys, time
    from prosthetics import batch

    def runner(spec, out_dir, info):
        if spec.case_id == "crash":
            os.abort()
        time.sleep(float(os.environ.get("CASE_SECONDS", "0")))
        out_dir.mkdir()
        seen = {"pid": os.getpid(), "cpus": sorted(os.sched_getaffinity(0)),
                "threads": {v: os.environ.get(v) for v in batch.runner.THREAD_VARIABLES}}
        (out_dir / "seen.json").write_text(json.dumps(seen))
        report = {"outputs": [{"path": str(out_dir / "seen.json")}], "warnings": [],
                  "batch": info}
        (out_dir / "report.json").write_text(json.dumps(report))
        return report

    batch.RUNNERS["socket"] = runner
    sys.exit(batch.worker_main())
""")


def test_cpus_are_dealt_out_in_blocks():
    assert share_cpus([0, 1], 1) == [None]
    assert share_cpus([0, 1], 2) == [[0], [1]]
    assert share_cpus([0, 1, 2], 2) == [[0], [1, 2]]
    assert share_cpus([0, 1, 2, 3, 4, 5, 6, 7], 2) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert share_cpus([4, 5, 6, 7], 4) == [[4], [5], [6], [7]]
    assert share_cpus([0, 1], 3) == [None, None, None]        # more workers than cores


def _run(tmp_path: Path, ids: list[str], workers: int):
    """Run the recording stand-in on cases ``ids``; the result and, by case, where it ran."""
    shutil.copy(ROOT / "scans" / "transtibial_phone.ply", tmp_path / "limb.ply")
    script = tmp_path / "worker.py"
    script.write_text(RECORDING_WORKER)
    manifest = write_manifest(tmp_path, [{"case_id": c, "scan": "limb.ply", "kind": "socket"}
                                         for c in ids])
    out = tmp_path / f"out{workers}"
    result = run_batch(manifest, out, workers=workers, timeout_s=60,
                       worker_cmd=[sys.executable, str(script)])
    seen = {e["case_id"]: json.loads((out / e["case_id"] / "seen.json").read_text())
            for e in result.entries if e["status"] == "ok"}
    return result, seen


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(usable_cpus()) < 2,
                    reason="needs two CPUs and CPU affinity")
def test_two_workers_each_run_their_cases_on_their_own_cores(tmp_path):
    ids = [f"c{i}" for i in range(8)]
    result, seen = _run(tmp_path, ids, workers=2)
    assert result.exit_code == 0 and set(seen) == set(ids)
    cpus = {}
    for s in seen.values():
        cpus.setdefault(s["pid"], set()).add(tuple(s["cpus"]))
    assert len(cpus) == 2                       # one process per worker, kept for every case
    assert all(len(c) == 1 for c in cpus.values())
    a, b = (set(next(iter(c))) for c in cpus.values())
    assert a and b and not a & b and a | b == set(usable_cpus())
    for s in seen.values():
        assert set(s["threads"].values()) == {str(len(s["cpus"]))}


def test_one_worker_has_every_core_and_one_process(tmp_path):
    ids = [f"c{i}" for i in range(3)]
    result, seen = _run(tmp_path, ids, workers=1)
    assert result.exit_code == 0 and len({s["pid"] for s in seen.values()}) == 1
    n = len(usable_cpus())
    for s in seen.values():
        assert s["cpus"] == usable_cpus() and set(s["threads"].values()) == {str(n)}


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(usable_cpus()) < 2,
                    reason="needs two CPUs and CPU affinity")
def test_a_crashed_worker_is_replaced_on_its_cores(tmp_path, monkeypatch):
    # A second a case: the other worker cannot take every case while the crashed one's
    # replacement starts.
    monkeypatch.setenv("CASE_SECONDS", "1.0")
    ids = ["crash", "a", "b", "c", "d", "e"]
    result, seen = _run(tmp_path, ids, workers=2)
    by = {e["case_id"]: e for e in result.entries}
    assert by["crash"]["status"] == "failed" and "crashed" in by["crash"]["error"]
    assert set(seen) == {"a", "b", "c", "d", "e"} and result.exit_code == 1
    # The crashed worker's replacement ran cases too, on the crashed one's CPUs: two
    # processes, each on its own half of the cores.
    cpus = {}
    for s in seen.values():
        cpus.setdefault(s["pid"], set()).add(tuple(s["cpus"]))
    assert len(cpus) == 2 and all(len(c) == 1 for c in cpus.values())
    a, b = (set(next(iter(c))) for c in cpus.values())
    assert not a & b and a | b == set(usable_cpus())
    assert not [p for p in (tmp_path / "out2").iterdir() if ".staging-" in p.name]


def test_worker_environment_sets_threads_and_cpus(monkeypatch):
    monkeypatch.setenv(runner.WORKER_CPUS_VARIABLE, "5")
    env = runner._worker_env(1, [0])
    assert env[runner.WORKER_CPUS_VARIABLE] == "0"
    assert all(env[v] == "1" for v in runner.THREAD_VARIABLES)
    assert runner.WORKER_CPUS_VARIABLE not in runner._worker_env(2, None)
