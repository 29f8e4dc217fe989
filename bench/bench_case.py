"""Times of the case operations: verify, pack (plain, encrypted), unpack, against reading and
hashing every file of the case once (the floor any of them has to pay).

    .venv/bin/python bench/bench_case.py [CASE_FOLDER] [--runs 5]

With no case folder, one is made in a temporary folder from the clean limb scan: two scans
(the second 4 % thinner) and one revision on each (no slicing).  Prints medians of ``runs``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchutil import median_s  # noqa: E402


def _make_case(root: Path) -> Path:
    import trimesh

    from prosthetics.cases import add_scan, design_revision, new_case, open_case

    truth = ROOT / "scans" / "source" / "transtibial_scan_a.stl"
    later = root / "later.stl"
    m = trimesh.load(truth, process=False)
    m.vertices[:, :2] = (m.vertices[:, :2] - m.vertices[:, :2].mean(axis=0)) * 0.96
    m.export(later)
    case = new_case(root / "cases", side="left", amputation_level="transtibial",
                    personal={"name": "Test Person"})
    add_scan(case, truth, measure=False)
    t = time.perf_counter()
    design_revision(case, settings={"slice": "false"}, note="first")
    print(f"design and file revision 1: {time.perf_counter() - t:.1f} s")
    add_scan(case, later, measure=False)
    design_revision(open_case(case.path), note="second scan")
    return case.path


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("case", nargs="?")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    from prosthetics.cases import verify_case
    from prosthetics.cases.package import _derive_key, pack_case, unpack_case

    with tempfile.TemporaryDirectory() as tmpd:
        tmp = Path(tmpd)
        case = Path(args.case) if args.case else _make_case(tmp)
        files = [f for f in case.rglob("*") if f.is_file()]
        size = sum(f.stat().st_size for f in files)

        def hash_all():
            for f in files:
                hashlib.sha256(f.read_bytes()).hexdigest()

        base = median_s(hash_all, args.runs)
        rows = [("read and hash every file (baseline)", base, None)]
        rows.append(("verify", median_s(lambda: verify_case(case), args.runs), None))
        plain = tmp / "plain.pcase"
        enc = tmp / "enc.pcase"
        rows.append(("pack, plain", median_s(lambda: pack_case(case, plain), args.runs),
                     plain))
        pw = "correct horse battery staple"
        rows.append(("pack, encrypted", median_s(lambda: pack_case(case, enc, passphrase=pw),
                                                   args.runs), enc))
        n = [0]

        def unpack(pkg, passphrase=None):
            n[0] += 1
            unpack_case(pkg, tmp / f"u{n[0]}", passphrase=passphrase)

        rows.append(("unpack, plain (verifies)", median_s(lambda: unpack(plain), args.runs),
                     None))
        rows.append(("unpack, encrypted (verifies)",
                     median_s(lambda: unpack(enc, pw), args.runs), None))
        rows.append(("scrypt key (n=2**17, r=8, p=1)",
                     median_s(lambda: _derive_key(pw, b"0" * 16, 2 ** 17, 8, 1), args.runs),
                     None))
        print(f"case {case.name}: {len(files)} files, {size / 1e6:.1f} MB; median of "
              f"{args.runs} runs")
        for name, s, out in rows:
            extra = f"  -> {out.stat().st_size / 1e6:.1f} MB" if out else ""
            print(f"  {name:<36} {s:7.3f} s  {s / base:6.1f} x baseline{extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
