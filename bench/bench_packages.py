"""Time and peak memory of refusing forged case packages, at full size.

    .venv/bin/python bench/bench_packages.py [--runs 3] [--big-gib 3] [--unlisted-gib 1]

A case with one scan is packed, and forged as a forger would (consistent header and payload
sha256): a member whose manifest (and then also the zip's directory) under-declares a 3 GiB
member as 1 MB, a member over its limit, an honestly declared 1 GiB member the case does not
list (and one within the limits), scrypt settings at the old reader's maximum (n = 2**20, r = 32, p = 16), an unsafe
name, a truncated file and a flipped bit.  Each is unpacked with the command line in a
process of its own (forked from a fresh interpreter, so its ru_maxrss is its own); prints
the median wall time of ``runs`` and the largest peak memory, then the same for a genuine
package.  The forged packages are a few MB: deflate packs zeros about 1000 to 1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prosthetics.cases import add_scan, new_case  # noqa: E402
from prosthetics.cases.package import MAX_SCAN_BYTES, MB, pack_case  # noqa: E402
from tests.test_case_trust import _UNPACK, forge_kdf, forge_package  # noqa: E402

GIB = 1024 * MB
PASS = "correct horse battery staple"


def run_unpack(pkg: Path, into: Path, passphrase: str | None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PROSTHETICS_PASSPHRASE", None)
    if passphrase:
        env["PROSTHETICS_PASSPHRASE"] = passphrase
    into.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _UNPACK, "case", "unpack", str(pkg), "--into",
                           str(into)], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    lines = proc.stdout.strip().splitlines()
    out = {**json.loads(lines[-2]), **json.loads(lines[-1]), "wall_s": wall,
           "err": proc.stderr.strip()}
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--big-gib", type=float, default=3.0, help="the under-declared member")
    p.add_argument("--unlisted-gib", type=float, default=1.0, help="the unlisted member")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmpd:
        tmp = Path(tmpd)
        case = new_case(tmp / "cases", side="left", amputation_level="transtibial")
        add_scan(case, ROOT / "scans" / "transtibial_phone.ply", measure=False)
        plain = pack_case(case.path, tmp / "plain.pcase").path
        enc = pack_case(case.path, tmp / "enc.pcase", passphrase=PASS).path
        big, unlisted = int(args.big_gib * GIB), int(args.unlisted_gib * GIB)
        t = time.perf_counter()
        kinds = {
            f"under-declared {args.big_gib:g} GiB scan as 1 MB (manifest)": (forge_package(
                plain, tmp / "u1.pcase", zeros={"scans/S01.ply": big},
                manifest_bytes={"scans/S01.ply": MB}), None),
            f"under-declared {args.big_gib:g} GiB scan as 1 MB (manifest and zip)": (
                forge_package(plain, tmp / "u2.pcase", zeros={"scans/S01.ply": big},
                              manifest_bytes={"scans/S01.ply": MB},
                              zip_bytes={"scans/S01.ply": MB}), None),
            f"scan over its limit ({(MAX_SCAN_BYTES + MB) // MB} MB, declared)": (
                forge_package(plain, tmp / "c.pcase",
                              zeros={"scans/S01.ply": MAX_SCAN_BYTES + MB}), None),
            f"unlisted {args.unlisted_gib:g} GiB member, honestly declared": (forge_package(
                plain, tmp / "l.pcase", zeros={"scans/S09.ply": unlisted}), None),
            f"unlisted {(MAX_SCAN_BYTES - MB) // MB} MB scan (within the limits)": (
                forge_package(plain, tmp / "l2.pcase",
                              zeros={"scans/S09.ply": MAX_SCAN_BYTES - MB}), None),
            "scrypt settings forged to n=2**20, r=32, p=16": (forge_kdf(
                enc, tmp / "k.pcase", n=2 ** 20, r=32, p=16), PASS),
            "unsafe name ../evil.sh": (forge_package(
                plain, tmp / "t.pcase", extra={"../evil.sh": b"echo owned\n"}), None),
        }
        data = enc.read_bytes()
        (tmp / "trunc.pcase").write_bytes(data[:len(data) // 2])
        flipped = bytearray(data)
        flipped[len(flipped) // 2] ^= 0x01
        (tmp / "flip.pcase").write_bytes(bytes(flipped))
        kinds["truncated (encrypted, half)"] = (tmp / "trunc.pcase", PASS)
        kinds["one bit flipped (encrypted)"] = (tmp / "flip.pcase", PASS)
        kinds["genuine encrypted package (unpacks)"] = (enc, PASS)
        print(f"forged packages made in {time.perf_counter() - t:.0f} s; sizes: " + ", ".join(
            f"{v[0].name} {v[0].stat().st_size / MB:.1f} MB" for v in kinds.values()))
        print(f"{'package':<58} {'rc':>2} {'median_s':>8} {'peak_MB':>7}  message")
        for i, (label, (pkg, pw)) in enumerate(kinds.items()):
            results = [run_unpack(pkg, tmp / f"into-{i}-{r}", pw) for r in range(args.runs)]
            med = statistics.median(r["wall_s"] for r in results)
            peak = max(r["rss_mb"] for r in results)
            msg = results[0]["err"].removeprefix("prosthetics case: error: ")
            print(f"{label:<58} {results[0]['rc']:>2} {med:>8.2f} {peak:>7.0f}  "
                  f"{msg[:110] or 'ok'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
