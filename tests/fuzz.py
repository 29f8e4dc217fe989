"""Seeded byte-level mutants of small valid scan files, run through ``prosthetics measure``.

Each mutant runs in a child forked from one server process that has imported the package
once (so a case costs its own work, not the imports): the child calls the command line's
``main`` with stdout and stderr redirected to files and exits with its code.  The server
reports, per mutant, the exit code or the signal, the wall time, the child's peak memory
(``wait4``'s ``ru_maxrss``) and what it printed on stderr.  A child's address space is capped
(:data:`ADDRESS_SPACE_LIMIT`) so that a file claiming billions of points cannot take the
machine with it: the cap shows up as a failure of the case, not of the machine.

Used by ``tests/test_fuzz_inputs.py``; run by hand as::

    python -m tests.fuzz 300          # seeds, mutants and a table of the failures
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
LIMB_STL = ROOT / "scans" / "source" / "transtibial_scan_a.stl"
LIMB_CLOUD = ROOT / "scans" / "transtibial_phone.ply"
AOP = ROOT / "scans" / "source" / "transtibial_example.aop"

#: A case may take this much processor time and memory (the promise checked by the tests;
#: processor time, not wall time, so that a busy machine does not fail a case)...
TIME_LIMIT_S = 30.0
#: ...and is stopped after this much wall time (a hang).
WALL_LIMIT_S = 180.0
MEMORY_LIMIT_MB = 1024.0
#: The child's address space cap, bytes (virtual: libraries and thread stacks count).
ADDRESS_SPACE_LIMIT = 6 * 1024**3

SEED_NAMES = ("cloud_binary.ply", "cloud_ascii.ply", "limb.stl", "limb_ascii.stl", "limb.obj",
              "limb.glb", "limb.aop")


def write_seeds(folder: Path) -> list[Path]:
    """Small valid scans (a few thousand points) in every format the loader reads."""
    import trimesh

    from prosthetics.scan.loaders import load_scan

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    cloud = load_scan(LIMB_CLOUD).points / 1000.0                     # metres, as phones write
    pick = np.sort(rng.choice(len(cloud), 30_000, replace=False))
    trimesh.PointCloud(cloud[pick]).export(folder / "cloud_binary.ply", encoding="binary")
    trimesh.PointCloud(cloud[pick[::2]]).export(folder / "cloud_ascii.ply", encoding="ascii")
    limb = trimesh.load(LIMB_STL, process=False)
    small = limb.simplify_quadric_decimation(face_count=4000)
    small.export(folder / "limb.stl")
    (folder / "limb_ascii.stl").write_text(trimesh.exchange.stl.export_stl_ascii(small))
    metres = small.copy()
    metres.apply_scale(0.001)
    metres.export(folder / "limb.obj")
    metres.export(folder / "limb.glb")
    shutil.copyfile(AOP, folder / "limb.aop")
    return [folder / n for n in SEED_NAMES]


_TEXT = (".ply", ".obj", ".aop", ".stl")
_NUMBERS = (b"1e30", b"-1e308", b"nan", b"inf", b"", b"-", b"0", b"99999999999", b"1e-320",
            b"4294967295", b"-1", b"x")


def mutate(data: bytes, rng: np.random.Generator, text_like: bool) -> bytes:
    """One seeded mutation: bit flips, overwritten, deleted, repeated or inserted bytes, a
    truncation, or (in text) a number replaced by an extreme or broken one."""
    b = bytearray(data)
    n = len(b)
    kinds = ["flip", "overwrite", "truncate", "delete", "repeat", "insert"]
    if text_like:
        kinds += ["number", "number", "line"]
    kind = kinds[int(rng.integers(len(kinds)))]
    if kind == "flip":
        for _ in range(int(rng.integers(1, 40))):
            i = int(rng.integers(n))
            b[i] ^= 1 << int(rng.integers(8))
    elif kind == "overwrite":
        i = int(rng.integers(n))
        k = int(rng.integers(1, 64))
        b[i:i + k] = rng.integers(0, 256, min(k, n - i), dtype=np.uint8).tobytes()
    elif kind == "truncate":
        b = b[:int(rng.integers(1, n))]
    elif kind == "delete":
        i = int(rng.integers(n))
        del b[i:i + int(rng.integers(1, 4096))]
    elif kind == "repeat":
        i = int(rng.integers(n))
        chunk = b[i:i + int(rng.integers(1, 4096))]
        b[i:i] = chunk * int(rng.integers(1, 8))
    elif kind == "insert":
        i = int(rng.integers(n))
        b[i:i] = rng.integers(0, 256, int(rng.integers(1, 256)), dtype=np.uint8).tobytes()
    elif kind == "number":
        # Header counts and coordinates alike: a number token near a random place.
        import re

        tokens = [m.span() for m in re.finditer(rb"-?\d+(\.\d+)?(e[-+]?\d+)?", bytes(b[:200_000]))]
        if tokens:
            for _ in range(int(rng.integers(1, 4))):
                s, e = tokens[int(rng.integers(len(tokens)))]
                b[s:e] = _NUMBERS[int(rng.integers(len(_NUMBERS)))].ljust(e - s)[:max(e - s, 1)] \
                    if rng.random() < 0.5 else _NUMBERS[int(rng.integers(len(_NUMBERS)))]
                tokens = [m.span() for m in re.finditer(rb"-?\d+(\.\d+)?(e[-+]?\d+)?",
                                                        bytes(b[:200_000]))]
    elif kind == "line":
        lines = bytes(b).split(b"\n")
        i = int(rng.integers(len(lines)))
        del lines[i]
        b = bytearray(b"\n".join(lines))
    return bytes(b)


def make_mutants(seeds: list[Path], count: int, folder: Path, seed: int = 0) -> list[Path]:
    """``count`` mutants, cycling over the seeds; named after the seed and their index."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        src = seeds[i % len(seeds)]
        data = mutate(src.read_bytes(), rng, src.suffix in _TEXT and src.name != "limb.stl")
        path = folder / f"m{i:04d}_{src.stem}{src.suffix}"
        path.write_bytes(data)
        out.append(path)
    return out


# ---------------------------------------------------------------------------------- server

def _child(path: Path, out_dir: Path) -> None:
    from prosthetics.cli.main import main

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))
    fd_out = os.open(out_dir / f"{path.name}.out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    fd_err = os.open(out_dir / f"{path.name}.err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd_out, 1)
    os.dup2(fd_err, 2)
    code = 70
    try:
        code = main(["measure", str(path), "--json"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:                           # a traceback: what the test looks for
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) else 1)


def _wait(pid: int, t0: float, deadline_s: float) -> tuple[int, object, bool]:
    """Wait for the child; kill it past the deadline.  Returns (status, rusage, killed)."""
    while True:
        got, status, usage = os.wait4(pid, os.WNOHANG)
        if got == pid:
            return status, usage, False
        if time.perf_counter() - t0 > deadline_s:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            return status, usage, True
        time.sleep(0.02)


def serve(paths: list[Path], out_dir: Path, deadline_s: float) -> list[dict]:
    """Run each file in a forked child (this process has imported the package)."""
    import prosthetics.cli.main  # noqa: F401  (imported once, before forking)
    import prosthetics.limb.align  # noqa: F401
    import prosthetics.limb.measure  # noqa: F401
    import prosthetics.scan.clean  # noqa: F401
    from prosthetics.scan.floor import quiet_open3d

    quiet_open3d()
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for path in paths:
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            _child(path, out_dir)
        status, usage, killed = _wait(pid, t0, deadline_s)
        err = (out_dir / f"{path.name}.err").read_text(errors="replace")
        results.append({
            "file": path.name, "seconds": round(time.perf_counter() - t0, 2),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_mb": round(usage.ru_maxrss / 1024.0, 1), "killed": killed,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "stderr": err})
    return results


def verdict(r: dict) -> str | None:
    """Why a case broke the promise, or None: exit 0, or exit 2 with one line on stderr,
    no traceback, no signal, within the time and memory limits."""
    lines = [ln for ln in r["stderr"].splitlines() if ln.strip()]
    if r["killed"]:
        return f"still running after {WALL_LIMIT_S:g} s"
    if r["signal"] is not None:
        return f"killed by signal {r['signal']}"
    if "Traceback" in r["stderr"]:
        return "traceback: " + (lines[-1] if lines else "")
    if r["code"] not in (0, 2):
        return f"exit code {r['code']}"
    if r["code"] == 2 and len(lines) != 1:
        return f"{len(lines)} lines on stderr: {' | '.join(lines)[:300]}"
    if r["code"] == 0 and lines:
        return f"succeeded but printed on stderr: {' | '.join(lines)[:300]}"
    if r["cpu_s"] > TIME_LIMIT_S:
        return f"took {r['cpu_s']:.1f} s of processor time"
    if r["peak_mb"] > MEMORY_LIMIT_MB:
        return f"peak memory {r['peak_mb']:.0f} MB"
    return None


def run_mutants(paths: list[Path], out_dir: Path, workers: int = 2) -> list[dict]:
    """Run the mutants in ``workers`` server processes; results in the order given."""
    chunks = [paths[i::workers] for i in range(workers)]
    procs = []
    for i, chunk in enumerate(chunks):
        if not chunk:
            continue
        listing = out_dir / f"chunk{i}.json"
        out_dir.mkdir(parents=True, exist_ok=True)
        listing.write_text(json.dumps([str(p) for p in chunk]))
        procs.append((listing, subprocess.Popen(
            [sys.executable, "-m", "tests.fuzz", "--serve", str(listing), str(out_dir)],
            cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": "1"})))
    results = []
    for (listing, proc), chunk in zip(procs, [c for c in chunks if c]):
        proc.wait(timeout=60 + len(chunk) * WALL_LIMIT_S)
        results += json.loads(listing.with_suffix(".result.json").read_text())
    order = {p.name: i for i, p in enumerate(paths)}
    return sorted(results, key=lambda r: order[r["file"]])


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--serve":
        listing, out_dir = Path(argv[1]), Path(argv[2])
        paths = [Path(p) for p in json.loads(listing.read_text())]
        res = serve(paths, out_dir, WALL_LIMIT_S)
        listing.with_suffix(".result.json").write_text(json.dumps(res))
        return 0
    count = int(argv[0]) if argv else 300
    import tempfile

    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        tmp = Path(tmp)
        seeds = write_seeds(tmp / "seeds")
        res = run_mutants(make_mutants(seeds, count, tmp / "mutants"), tmp / "runs")
    bad = [(r, verdict(r)) for r in res if verdict(r)]
    codes = {c: sum(r["code"] == c for r in res) for c in (0, 2)}
    print(f"{len(res)} mutants: {codes[0]} measured, {codes[2]} refused with one line, "
          f"{len(bad)} broke the promise; slowest {max(r['seconds'] for r in res):.1f} s "
          f"({max(r['cpu_s'] for r in res):.1f} s of processor time), "
          f"peak {max(r['peak_mb'] for r in res):.0f} MB")
    for r, why in bad:
        print(f"  {r['file']}: {why}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
