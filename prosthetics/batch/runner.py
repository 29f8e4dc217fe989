"""Batch runs for workshops: a manifest of cases in, print files and a summary out.

A manifest (CSV or JSON) lists one case a row: ``case_id``, ``scan`` (a path relative to the
manifest), ``kind`` (``socket`` or ``insole``), ``template`` (a preset name), ``side``, and
any other column is a parameter override by its name (an empty cell overrides nothing).

Cases run in worker processes: on this machine a pool of long-lived workers (one per core by
default; each started once and given the next case when it finishes one, several workers
each kept to their own share of the cores and threads), or on an existing Dask cluster
(``scheduler``), where each case runs in a fresh process on a Dask worker.  Either way a case that crashes its process or runs past the time
limit is recorded as failed and the others go on.  Each case's files are written to a
staging folder and swapped into ``OUT/<case_id>`` only when all of them are complete.

A case is skipped when its folder holds a report whose input hash (scan bytes, kind,
template preset, side, overrides and tool version) equals the one computed now; its summary
entry then keeps the figures of the run that made its files (time, volume, slicer figures),
marked ``reused``.

On a Dask cluster a failed case is a failed (erred) Dask task whose exception,
:class:`CaseFailed`, says the same one-line reason as the summary; the batch goes on with
the other cases all the same.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import io
import json
import os
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from prosthetics import __version__
from prosthetics.errors import N_, ProstheticsError
from prosthetics.fileio import atomic_write_text, sha256_file, swap_folder
from prosthetics.params import param_infos
from prosthetics.resources import templates_dir

#: Columns with a fixed meaning; any other column is a parameter override.
FIXED_COLUMNS = ("case_id", "scan", "kind", "template", "side")
REQUIRED_COLUMNS = ("case_id", "scan", "kind")
_CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: Names the batch itself writes in the output folder: not usable as case IDs (compared
#: without regard to case, as on the file systems of Windows and macOS).
RESERVED_NAMES = ("summary.json", "summary.csv")


class ManifestError(ProstheticsError, ValueError):
    """The manifest cannot be used at all (a row and column are named)."""


class SchedulerError(ManifestError):
    """The Dask scheduler cannot be reached or used (the address and what to check named)."""


class NoWorkers(SchedulerError):
    """The Dask scheduler has had no worker for the time the batch waits for one."""


#: How long a batch on a scheduler without workers waits for one to join (seconds).
WORKER_WAIT_S = 120.0


class CaseFailed(ProstheticsError):
    """A case failed: raised by the task that ran it on a Dask worker, so that Dask counts
    the task as failed (erred).  Its message is the summary's one-line reason; ``entry`` is
    the case's summary entry."""

    def __init__(self, reason: str, entry: dict) -> None:
        super().__init__(reason)
        self.entry = entry

    def __reduce__(self):           # sent back from the worker: both arguments travel
        return (type(self), (str(self), self.entry))


@dataclasses.dataclass(frozen=True, kw_only=True)
class CaseSpec:
    """One row of a manifest."""

    case_id: str
    scan: str                   # absolute path
    kind: str
    template: str
    side: str = ""
    overrides: dict = dataclasses.field(default_factory=dict)
    row: str = ""               # where it came from, for messages ("row 4")

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


# -- manifest ----------------------------------------------------------------------------

def _design():
    """The design layer (:mod:`prosthetics.design`), imported on first use.

    It is imported here, not at the top: a worker process starts in a fraction of a second
    and loads the geometry libraries only for its first case."""
    import prosthetics.design

    return prosthetics.design


def _products() -> dict:
    """The registered products by kind ("socket", "insole")."""
    return _design().PRODUCTS


def kinds() -> tuple[str, ...]:
    """What a case can make: the registered products, in registration order."""
    return tuple(_products())


def known_parameters() -> set[str]:
    """Every parameter name an override column can take, over all kinds and templates."""
    design = _design()
    names: set[str] = set()
    for product in design.PRODUCTS.values():
        groups = product.parameter_groups(
            design.resolve_template(product.default_template), None)
        for group in groups.values():
            names |= set(param_infos(group))
    for builder in design.BUILDERS.values():
        names |= set(param_infos(builder.params))
    return names


def read_manifest(path: str | os.PathLike) -> list[CaseSpec]:
    """Read a CSV or JSON manifest.

    Raises
    ------
    ManifestError
        When the file cannot be used: unreadable, no cases, a missing required column, an
        unknown column, a bad or repeated case_id, an unknown kind (row and column named).
    """
    p = Path(path)
    if not p.is_file():
        raise ManifestError.of(N_("manifest %(path)s does not exist; check the path"),
                               path=repr(str(p)))
    rows = _read_rows(p)
    if not rows:
        raise ManifestError.of(N_("%(name)s lists no cases; add one row per case"), name=p.name)
    columns = list(rows[0][1])
    for col in REQUIRED_COLUMNS:
        if col not in columns:
            raise ManifestError.of(N_("%(name)s: column %(column)s is missing; the columns must "
                                      "include %(columns)s"), name=p.name, column=repr(col),
                                   columns=", ".join(REQUIRED_COLUMNS))
    known = known_parameters()
    for col in columns:
        if col not in FIXED_COLUMNS and col not in known:
            raise ManifestError.of(N_("%(name)s: column %(column)s is neither %(columns)s nor a "
                                      "parameter; fix its name (see prosthetics templates show)"),
                                   name=p.name, column=repr(col), columns=", ".join(FIXED_COLUMNS))
    seen: dict[str, str] = {}
    cases = []
    for where, row in rows:
        def bad(msgid: str, **values: object) -> ManifestError:
            # msgid: "%(file)s %(where)s, column 'NAME': ..." (the column named in it)
            return ManifestError.of(msgid, file=p.name, where=where, **values)

        cid = row.get("case_id", "").strip()
        if not _CASE_ID.match(cid):
            raise bad(N_("%(file)s %(where)s, column 'case_id': %(id)s is not a usable case ID "
                         "(letters, digits, '.', '_', '-'; up to 64)"), id=repr(cid))
        if cid.lower() in RESERVED_NAMES:
            raise bad(N_("%(file)s %(where)s, column 'case_id': %(id)s is the name of the "
                         "batch's own summary file; give the case another ID"), id=repr(cid))
        if cid in seen:
            raise bad(N_("%(file)s %(where)s, column 'case_id': %(id)s is repeated (also "
                         "%(also)s); case IDs must be unique"), id=repr(cid), also=seen[cid])
        seen[cid] = where
        kind = row.get("kind", "").strip().lower()
        if kind not in kinds():
            raise bad(N_("%(file)s %(where)s, column 'kind': %(kind)s is not one of %(kinds)s"),
                      kind=repr(kind), kinds=", ".join(kinds()))
        scan = row.get("scan", "").strip()
        if not scan:
            raise bad(N_("%(file)s %(where)s, column 'scan': is empty; give the scan's path "
                         "relative to the manifest"))
        overrides = {k: str(v).strip() for k, v in row.items()
                     if k not in FIXED_COLUMNS and v is not None and str(v).strip() != ""}
        cases.append(CaseSpec(case_id=cid, scan=str((p.parent / scan).resolve()), kind=kind,
                              template=(row.get("template") or "").strip()
                              or _products()[kind].default_template,
                              side=(row.get("side") or "").strip().lower(),
                              overrides=overrides, row=where))
    return cases


def _read_rows(p: Path) -> list[tuple[str, dict]]:
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError.of(N_("manifest %(name)s cannot be read (%(reason)s); save it as UTF-8 "
                                  "CSV or JSON"), name=p.name, reason=exc) from None
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ManifestError.of(N_("%(name)s is not valid JSON (line %(line)s: %(reason)s)"),
                                   name=p.name, line=exc.lineno, reason=exc.msg) from None
        items = data.get("cases") if isinstance(data, dict) else data
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ManifestError.of(N_("%(name)s: expected a list of cases (objects), or "
                                      "{\"cases\": [...]}"), name=p.name)
        columns = list(dict.fromkeys(k for i in items for k in i))
        return [(f"case {n}", {c: ("" if i.get(c) is None else str(i.get(c))) for c in columns})
                for n, i in enumerate(items, start=1)]
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None:
        return []
    names = [(f or "").strip() for f in reader.fieldnames]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ManifestError.of(N_("%(name)s: column %(column)s appears twice; keep one"),
                               name=p.name, column=repr(dup))
    out = []
    for n, row in enumerate(reader, start=2):       # row 1 is the header, as a spreadsheet
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        if None in row:
            raise ManifestError.of(N_("%(name)s row %(row)s: more cells than columns; quote cells "
                                      "that hold commas"), name=p.name, row=n)
        out.append((f"row {n}", {k.strip(): (v or "") for k, v in row.items()}))
    return out


# -- one case ----------------------------------------------------------------------------

def case_hash(spec: CaseSpec) -> str:
    """Hash of everything that decides a case's outputs (scan bytes, template, parameters)."""
    h = hashlib.sha256()
    h.update(json.dumps({"tool": __version__, "kind": spec.kind, "side": spec.side,
                         "overrides": dict(sorted(spec.overrides.items())),
                         "template": spec.template}, sort_keys=True).encode())
    h.update(sha256_file(spec.scan).encode())
    h.update(_template_bytes(spec))
    return h.hexdigest()


def _template_bytes(spec: CaseSpec) -> bytes:
    """The preset file's bytes, so that editing a preset redoes its cases."""
    t = spec.template
    path = Path(t) if t.endswith(".toml") else templates_dir() / f"{t}.toml"
    try:
        return path.read_bytes()
    except OSError:
        return t.encode()


def run_product(spec: CaseSpec, out_dir: Path, batch_info: dict) -> dict:
    """Run one case with its product's pipeline and write it into ``out_dir``."""
    product = _design().get_product(spec.kind)
    settings = dict(spec.overrides)
    if spec.side:
        settings.setdefault(product.side_parameter, spec.side)
    design = product.run(spec.scan, template=spec.template, settings=settings,
                         case_id=spec.case_id)
    design.report["batch"] = batch_info
    return product.write(design, out_dir, stem=spec.case_id)


#: Kind -> function(spec, out_dir, batch_info) that runs a case and writes its files and
#: report.json into ``out_dir`` (a fresh folder), returning the report, in place of
#: :func:`run_product` (which runs every registered product); a test stands one in here.
RUNNERS: dict[str, Callable[[CaseSpec, Path, dict], dict]] = {}


def run_case(spec: CaseSpec, out_root: str | os.PathLike) -> dict:
    """Run one case in this process; write ``out_root/<case_id>`` atomically.

    Returns a summary entry: ``case_id``, ``status`` (``ok`` or ``failed``), ``time_s``,
    ``outputs`` (paths relative to ``out_root``), ``error`` and ``input_hash``.
    """
    out_root = Path(out_root)
    t0 = time.perf_counter()
    entry = {"case_id": spec.case_id, "kind": spec.kind, "status": "failed", "time_s": 0.0,
             "outputs": [], "error": "", "input_hash": ""}
    staging = out_root / f".{spec.case_id}.staging-{os.getpid()}"
    try:
        if not Path(spec.scan).is_file():
            raise ProstheticsError.of(N_("scan %(path)s does not exist; check the manifest's scan "
                                         "column (%(row)s)"), path=repr(spec.scan), row=spec.row)
        if spec.kind not in RUNNERS and spec.kind not in kinds():
            raise ProstheticsError.of(N_("kind %(kind)s cannot be run by this installation"),
                                      kind=repr(spec.kind))
        entry["input_hash"] = case_hash(spec)
        batch_info = {"case_id": spec.case_id, "input_hash": entry["input_hash"],
                      "kind": spec.kind, "template": spec.template, "side": spec.side,
                      "overrides": spec.overrides, "manifest_row": spec.row}
        shutil.rmtree(staging, ignore_errors=True)
        report = RUNNERS.get(spec.kind, run_product)(spec, staging, batch_info)
        final = out_root / spec.case_id
        swap_folder(staging, final)
        entry["outputs"] = case_outputs(report, final, spec.case_id)
        entry["status"] = "ok"
        entry["warnings"] = len(report.get("warnings", []))
        entry.update(report_figures(report), reused=False)
    except ProstheticsError as exc:
        entry["error"] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - a batch must go on; the message says it is ours
        entry["error"] = f"internal error ({type(exc).__name__}: {str(exc)[:300]}); please " \
                         f"report it with this case's scan"
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    entry["time_s"] = round(time.perf_counter() - t0, 2)
    return entry


#: The reports a case folder holds (the PDF only when it could be made).
REPORT_FILES = ("report.json", "report.html", "report.pdf")


def case_outputs(report: dict, folder: Path, case_id: str) -> list[str]:
    """A case's files, relative to the output folder: the print files its report lists,
    then the reports that are there."""
    names = [Path(o["path"]).name for o in report.get("outputs", [])]
    names += [n for n in REPORT_FILES if n not in names and (folder / n).is_file()]
    return [f"{case_id}/{n}" for n in names]


def report_figures(report: dict) -> dict:
    """The figures of a case's report that its summary entry shows: the part's volume, and
    the slicer's print time and filament when it sliced; and when the report was made."""
    checks = report.get("checks") or {}
    slicer = checks.get("slicer") or {}
    sliced = bool(slicer.get("ran") and slicer.get("ok"))
    return {"volume_ml": checks.get("volume_ml"),
            "print_time_s": slicer.get("print_time_s") if sliced else None,
            "filament_g": slicer.get("filament_g") if sliced else None,
            "made_utc": report.get("created_utc", "")}


def earlier_entries(out_root: Path) -> dict[str, dict]:
    """The entries of the summary an earlier run left in ``out_root``, by case ID."""
    try:
        doc = json.loads((out_root / "summary.json").read_text(encoding="utf-8"))
        return {e["case_id"]: e for e in doc.get("cases", [])
                if isinstance(e, dict) and "case_id" in e}
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        return {}


def previous_entry(spec: CaseSpec, out_root: Path, earlier: dict | None = None) -> dict | None:
    """The summary entry of an earlier run whose inputs are unchanged, else None.

    The entry is marked ``skipped`` and ``reused``; it keeps the figures of the run that made
    the files: its time and worker memory from the earlier summary (``earlier``, an entry of
    it, when its input hash matches), else the design's own time from the report, and the
    volume and slicer figures from the report.
    """
    report_path = out_root / spec.case_id / "report.json"
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
        input_hash = report.get("batch", {}).get("input_hash")
        if input_hash != case_hash(spec):
            return None
    except (OSError, ValueError, AttributeError, ProstheticsError):
        return None
    before = earlier if (earlier and earlier.get("input_hash") == input_hash
                         and earlier.get("status") in ("ok", "skipped")) else {}
    time_s = before.get("time_s") or (report.get("timings_s") or {}).get("total") or 0.0
    entry = {"case_id": spec.case_id, "kind": spec.kind, "status": "skipped",
             "time_s": time_s,
             "outputs": case_outputs(report, out_root / spec.case_id, spec.case_id),
             "error": "", "input_hash": input_hash,
             "warnings": len(report.get("warnings", []))}
    if before.get("worker_peak_mb") is not None:
        entry["worker_peak_mb"] = before["worker_peak_mb"]
    entry.update(report_figures(report), reused=True)
    return entry


# -- worker processes --------------------------------------------------------------------

def worker_command() -> list[str]:
    return [sys.executable, "-m", "prosthetics.batch.runner", "--worker"]


class _Worker:
    """A worker process that runs cases sent as JSON lines and answers on a pipe."""

    def __init__(self, cmd: list[str], log_path: Path, env: dict | None = None) -> None:
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, env=env, start_new_session=True)
        self._buf = b""

    def run(self, spec: CaseSpec, out_root: Path, timeout_s: float) -> dict:
        msg = json.dumps({"case": spec.as_dict(), "out": str(out_root)}) + "\n"
        try:
            self.proc.stdin.write(msg.encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return self._died(spec, 0.0)
        t0 = time.monotonic()
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = timeout_s - (time.monotonic() - t0)
            if left <= 0:
                self.kill()
                _clean_staging(out_root, spec.case_id)
                return _failed(spec, f"ran past the per-case time limit of {timeout_s:g} s; "
                                     f"the case was stopped", time.monotonic() - t0)
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    _clean_staging(out_root, spec.case_id)
                    return self._died(spec, time.monotonic() - t0)
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def _died(self, spec: CaseSpec, elapsed: float) -> dict:
        code = self.proc.wait()
        how = (f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}")
        return _failed(spec, f"the worker process crashed ({how}) while running this case",
                       elapsed)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.alive:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        if self.alive:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
        self.log.close()


def _failed(spec: CaseSpec, error: str, elapsed: float) -> dict:
    return {"case_id": spec.case_id, "kind": spec.kind, "status": "failed",
            "time_s": round(elapsed, 2), "outputs": [], "error": error, "input_hash": ""}


def _clean_staging(out_root: Path, case_id: str) -> None:
    for p in out_root.glob(f".{case_id}.staging-*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in out_root.glob(f".{case_id}.staging-*.tmp-*"):
        shutil.rmtree(p, ignore_errors=True)


#: The thread-count variables of OpenMP (Open3D) and the BLAS libraries numpy may use.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
#: Set by the pool for a worker process: the CPUs it runs on ("0" or "2,3").
WORKER_CPUS_VARIABLE = "PROSTHETICS_WORKER_CPUS"


def usable_cpus() -> list[int]:
    """The CPUs this process may run on (its affinity, where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def share_cpus(cpus: list[int], workers: int) -> list[list[int] | None]:
    """The CPUs of each of ``workers`` worker processes: the usable ones dealt out in
    contiguous blocks, or None (no limit) for a single worker or more workers than CPUs."""
    if workers <= 1 or workers > len(cpus):
        return [None] * max(workers, 1)
    n = len(cpus)
    return [cpus[k * n // workers:(k + 1) * n // workers] for k in range(workers)]


def _worker_env(threads: int, cpus: list[int] | None = None) -> dict:
    """The environment of a worker process: ``threads`` threads for OpenMP and BLAS, which
    read these variables when they load, and its CPUs when it has its own."""
    env = dict(os.environ)
    for var in THREAD_VARIABLES:
        env[var] = str(threads)
    if cpus:
        env[WORKER_CPUS_VARIABLE] = ",".join(str(c) for c in cpus)
    else:
        env.pop(WORKER_CPUS_VARIABLE, None)
    return env


def _keep_to_own_cpus() -> None:
    """Run on the CPUs the pool gave this worker, if any.

    Open3D's and manifold3d's task schedulers (TBB) ignore the OpenMP and BLAS variables
    and start a thread per CPU the process may use (Open3D's second thread ran about a
    tenth of a socket case's CPU time), so two workers on two cores crowded each other.
    Restricted to its own CPUs before those libraries load, a worker's schedulers size
    themselves to them.
    """
    cpus = os.environ.get(WORKER_CPUS_VARIABLE, "").strip()
    if not cpus or not hasattr(os, "sched_setaffinity"):
        return
    try:
        os.sched_setaffinity(0, {int(c) for c in cpus.split(",")})
    except (OSError, ValueError):
        pass                # a CPU that went away: run where the system puts it


def worker_main() -> int:
    """Entry of a worker process: read cases (JSON lines) on stdin, answer on the pipe."""
    _keep_to_own_cpus()
    answer = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)           # anything a library prints goes to the log, not the answers
    sys.stdout = sys.stderr
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        spec = CaseSpec(**msg["case"])
        entry = run_case(spec, Path(msg["out"]))
        # This worker's peak memory so far (Linux reports kilobytes).
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        entry["worker_peak_mb"] = round(peak_kb / 1024, 1)
        answer.write(json.dumps(entry) + "\n")
    return 0


# -- the batch ---------------------------------------------------------------------------

@dataclasses.dataclass
class BatchResult:
    entries: list
    manifest: str
    out: str
    wall_time_s: float
    workers: int
    scheduler: str | None
    dashboard: str | None = None

    @property
    def exit_code(self) -> int:
        return 1 if any(e["status"] == "failed" for e in self.entries) else 0

    def counts(self) -> dict:
        return {s: sum(e["status"] == s for e in self.entries) for s in ("ok", "failed",
                                                                       "skipped")}


def run_batch(manifest: str | os.PathLike, out: str | os.PathLike, *, workers: int | None = None,
              scheduler: str | None = None, force: bool = False, timeout_s: float = 900.0,
              progress: Callable[[dict, int, int], None] | None = None,
              worker_cmd: list[str] | None = None,
              connect_timeout_s: float = 6.0,
              notify: Callable[[str], None] | None = None,
              worker_wait_s: float = WORKER_WAIT_S) -> BatchResult:
    """Run every case of a manifest; write the case folders and the summary.

    Parameters
    ----------
    workers
        Worker processes on this machine (default: the machine's cores).
    scheduler
        Address of a Dask distributed scheduler: run there instead.
    force
        Redo cases whose inputs have not changed.
    timeout_s
        Per-case time limit.
    progress
        Called after each case with (entry, done, total).
    connect_timeout_s
        How long to wait for the scheduler to answer.
    notify
        Called with a line about the run (the scheduler's workers and dashboard).
    worker_wait_s
        With a scheduler that has no worker: how long to wait for one to join before the
        batch stops with a :class:`SchedulerError` (no case run, no summary written).
    """
    t0 = time.perf_counter()
    if scheduler:
        # First, so that a wrong address is said within seconds, before the manifest's
        # scans are read and hashed.
        need_distributed()
        check_scheduler(scheduler, connect_timeout_s)
    cases = read_manifest(manifest)
    out_root = Path(out).resolve()
    made_out = not out_root.exists()
    try:
        out_root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ManifestError.of(N_("cannot write to %(path)s (%(reason)s); choose another --out "
                                  "folder"), path=repr(str(out_root)), reason=exc.strerror) from None
    workers = max(1, int(workers or len(usable_cpus())))
    entries: dict[str, dict] = {}
    todo = []
    done_count = 0
    lock = threading.Lock()

    def finish(entry: dict) -> None:
        nonlocal done_count
        with lock:
            entries[entry["case_id"]] = entry
            done_count += 1
            if progress:
                progress(entry, done_count, len(cases))

    earlier = {} if force else earlier_entries(out_root)
    for spec in cases:
        prev = None if force else previous_entry(spec, out_root, earlier.get(spec.case_id))
        if prev is not None:
            finish(prev)
        else:
            todo.append(spec)
    dashboard = None
    if todo:
        if scheduler:
            try:
                dashboard = _run_on_dask(todo, out_root, scheduler, timeout_s, finish,
                                         connect_timeout_s, notify or (lambda line: None),
                                         worker_wait_s)
            except NoWorkers:
                if made_out:                    # nothing was written: leave no empty folder
                    with contextlib.suppress(OSError):
                        out_root.rmdir()
                raise
        else:
            _run_local(todo, out_root, workers, timeout_s, finish, worker_cmd or worker_command())
    result = BatchResult(entries=[entries[c.case_id] for c in cases], manifest=str(manifest),
                         out=str(out_root), wall_time_s=round(time.perf_counter() - t0, 2),
                         workers=workers, scheduler=scheduler, dashboard=dashboard)
    write_summary(result)
    return result


def _run_local(todo: list[CaseSpec], out_root: Path, workers: int, timeout_s: float,
               finish: Callable[[dict], None], cmd: list[str]) -> None:
    n = min(workers, len(todo))
    cpus = usable_cpus()
    # Each worker's threads and CPUs: one worker uses them all; several share them out,
    # so that each case runs on its own cores instead of all cases crowding all of them.
    shares = share_cpus(cpus, n)
    threads = [len(c) if c else max(1, len(cpus) // n) for c in shares]
    logs = out_root / ".logs"
    logs.mkdir(exist_ok=True)
    queue = list(reversed(todo))
    qlock = threading.Lock()

    def slot(k: int) -> None:
        worker = None
        try:
            while True:
                with qlock:
                    if not queue:
                        return
                    spec = queue.pop()
                if worker is None or not worker.alive:
                    # One process per slot, kept for the next case; started again only
                    # after a case crashed it.
                    worker = _Worker(cmd, logs / f"worker-{k + 1}.log",
                                     _worker_env(threads[k], shares[k]))
                finish(worker.run(spec, out_root, timeout_s))
        finally:
            if worker is not None:
                worker.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        for f in [pool.submit(slot, k) for k in range(n)]:
            f.result()


def run_case_in_process(spec_dict: dict, out_root: str, timeout_s: float) -> dict:
    """Run one case in a fresh worker process here (the unit of work on a Dask worker).

    Returns the case's summary entry when it is done; raises :class:`CaseFailed` (the
    summary's one-line reason, the entry with it) when it failed, so that the Dask task
    fails too and the scheduler and its dashboard count it."""
    spec = CaseSpec(**spec_dict)
    root = Path(out_root)
    logs = root / ".logs"
    logs.mkdir(parents=True, exist_ok=True)
    worker = _Worker(worker_command(), logs / f"dask-{spec.case_id}.log")
    try:
        entry = worker.run(spec, root, timeout_s)
    finally:
        worker.close()
    if entry.get("status") == "failed":
        raise CaseFailed(entry.get("error") or "failed", entry)
    return entry


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] if text else type(exc).__name__


def need_distributed() -> None:
    """Raise :class:`ManifestError` saying how to install Dask when it is missing."""
    try:
        # Dask is an optional extra (prosthetics[cluster]), needed only with a scheduler.
        import distributed  # noqa: F401
    except ImportError:
        raise ManifestError.of(N_("--scheduler needs Dask distributed; install it with pip "
                                  "install 'prosthetics[cluster]'")) from None


def check_scheduler(address: str, timeout_s: float) -> dict:
    """Ask the Dask scheduler at ``address`` who it is, within ``timeout_s`` in all.

    Returns its identity (with its workers).  Raises :class:`SchedulerError`, naming the
    address and what to check, when nothing answers in time, when something that is not a
    Dask scheduler answers (a web page, another service), or when the address is malformed.
    A Dask client alone waits without end on a port that answers in another protocol.
    """
    # Dask is an optional extra (prosthetics[cluster]), needed only with a scheduler.
    import asyncio

    from distributed.comm import connect
    from distributed.security import Security

    phase = ["connect"]
    # TLS settings, if any, from Dask's configuration, as a Client takes them.
    connection_args = Security().get_connection_args("client")

    async def ask() -> dict:
        comm = await connect(address, timeout=timeout_s, **connection_args)
        phase[0] = "ask"
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    def run() -> dict:
        return asyncio.run(asyncio.wait_for(ask(), timeout_s))

    # In a thread of its own, so that a caller's running event loop is no obstacle.
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            answer = pool.submit(run).result()
        except ValueError as exc:
            if phase[0] == "connect":
                raise SchedulerError.of(N_("--scheduler %(address)s is not a scheduler address "
                                           "(%(reason)s); give it as tcp://HOST:8786"),
                                        address=repr(address), reason=_one_line(exc)) from None
            answer = exc
        except (OSError, TimeoutError, asyncio.TimeoutError) as exc:
            if phase[0] == "connect":
                if (isinstance(exc, (TimeoutError, asyncio.TimeoutError))
                        or "Timed out" in str(exc)):
                    raise SchedulerError.of(N_(
                        "cannot reach the Dask scheduler at %(address)s (no answer within "
                        "%(seconds)s s); check the address and port (the scheduler's port, "
                        "8786 unless it was started with another; not the dashboard's), that "
                        "'dask scheduler' is running there and that no firewall blocks the "
                        "port"),
                        address=repr(address), seconds=f"{timeout_s:g}") from None
                raise SchedulerError.of(N_(
                    "cannot reach the Dask scheduler at %(address)s (%(reason)s); check the "
                    "address and port (the scheduler's port, 8786 unless it was started with "
                    "another; not the dashboard's), that 'dask scheduler' is running there and "
                    "that no firewall blocks the port"),
                    address=repr(address), reason=_one_line(exc)) from None
            answer = exc
        except Exception as exc:  # noqa: BLE001 - whatever the other end sent back
            answer = exc
    if not isinstance(answer, dict) or answer.get("type") != "Scheduler":
        raise SchedulerError.of(N_(
            "cannot reach the Dask scheduler at %(address)s: something answers there, but not "
            "as a Dask scheduler; check the address and port (the scheduler's port, 8786 "
            "unless it was started with another; not the dashboard's), that 'dask scheduler' "
            "is running there and that no firewall blocks the port"),
            address=repr(address))
    return answer


def _case_entry(fut, spec: CaseSpec, out_root: Path) -> dict:
    """The summary entry of a finished Dask task: its result, or the failed case's entry
    that its :class:`CaseFailed` carries, or a failure that names what went wrong."""
    if fut.status == "finished":
        return fut.result()
    try:
        exc = fut.exception()
    except Exception as cancelled:  # noqa: BLE001 - a cancelled task has no exception
        exc = cancelled
    if isinstance(exc, CaseFailed):
        return exc.entry
    _clean_staging(out_root, spec.case_id)     # left by a worker lost mid-case
    return _failed(spec, f"the Dask task failed ({type(exc).__name__}: {_one_line(exc)}); "
                         f"see the Dask worker's log", 0.0)


def _run_on_dask(todo: list[CaseSpec], out_root: Path, address: str, timeout_s: float,
                 finish: Callable[[dict], None], connect_timeout_s: float,
                 notify: Callable[[str], None],
                 worker_wait_s: float = WORKER_WAIT_S) -> str | None:
    """Run the cases as Dask tasks at ``address``; returns the dashboard's link.

    With no worker at the scheduler, waits ``worker_wait_s`` for one to join, then raises
    :class:`NoWorkers` before any case is submitted."""
    # Dask is an optional extra (prosthetics[cluster]), needed only with a scheduler.
    from distributed import Client, as_completed

    try:
        client = Client(address, timeout=connect_timeout_s, set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the same advice
        raise SchedulerError.of(N_("cannot reach the Dask scheduler at %(address)s (%(reason)s); "
                                   "check the address and that the scheduler is running"),
                                address=repr(address), reason=_one_line(exc)) from None
    try:
        dashboard = _dashboard_link(client)
        n = len(client.nthreads())
        notify(f"scheduler {address}: {n} worker{'s' if n != 1 else ''}"
               + ("" if n else f" (waiting up to {worker_wait_s:g} s for one to join)")
               + (f"; dashboard {dashboard}" if dashboard else ""))
        if not n:
            _wait_for_a_worker(client, address, worker_wait_s)
        futures = {client.submit(run_case_in_process, s.as_dict(), str(out_root), timeout_s,
                                 pure=False, key=f"case-{s.case_id}-{os.urandom(4).hex()}"): s
                   for s in todo}
        for fut in as_completed(futures, loop=client.loop):
            finish(_case_entry(fut, futures[fut], out_root))
    finally:
        client.close()
    return dashboard


def _wait_for_a_worker(client, address: str, wait_s: float) -> None:
    """Return when a worker has joined the scheduler; :class:`NoWorkers` after ``wait_s``."""
    deadline = time.monotonic() + max(0.0, wait_s)
    while True:
        try:
            if client.nthreads():
                return
        except Exception as exc:  # noqa: BLE001 - the scheduler went away while waiting
            raise SchedulerError.of(N_("lost the Dask scheduler at %(address)s while waiting for a "
                                       "worker (%(reason)s); check that it is running"),
                                    address=repr(address), reason=_one_line(exc)) from None
        if time.monotonic() >= deadline:
            raise NoWorkers.of(N_("no Dask worker joined the scheduler at %(address)s within "
                                  "%(seconds)s s; start one with 'dask worker %(address)s' on a "
                                  "machine that sees the scans and the output folder, then run "
                                  "the batch again (or wait longer with --worker-wait SECONDS); "
                                  "no case was run"), address=address, seconds=f"{wait_s:g}")
        time.sleep(min(0.5, max(0.05, deadline - time.monotonic())))


def _dashboard_link(client) -> str | None:
    """The scheduler's dashboard address, None when it runs without one."""
    try:
        if "dashboard" not in client.scheduler_info().get("services", {}):
            return None
        return client.dashboard_link
    except Exception:  # noqa: BLE001 - the dashboard is a convenience only
        return None


SUMMARY_FIELDS = ("case_id", "kind", "status", "time_s", "outputs", "error", "input_hash",
                  "worker_peak_mb", "volume_ml", "print_time_s", "filament_g", "reused",
                  "made_utc")


def write_summary(result: BatchResult) -> None:
    """``summary.json`` and ``summary.csv`` in the output folder, atomically."""
    out = Path(result.out)
    doc = {"schema": "prosthetics.batch/1", "tool": {"name": "prosthetics",
                                                      "version": __version__},
           "manifest": str(result.manifest), "workers": result.workers,
           "scheduler": result.scheduler, "dashboard": result.dashboard,
           "wall_time_s": result.wall_time_s,
           "counts": result.counts(), "cases": result.entries}
    atomic_write_text(out / "summary.json", json.dumps(doc, indent=2))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=SUMMARY_FIELDS, extrasaction="ignore")
    w.writeheader()
    for e in result.entries:
        w.writerow({**e, "outputs": ";".join(e["outputs"])})
    atomic_write_text(out / "summary.csv", buf.getvalue())


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        raise SystemExit(worker_main())
    raise SystemExit("usage: python -m prosthetics.batch.runner --worker (used by prosthetics batch)")
