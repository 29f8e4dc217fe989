"""``prosthetics case new|add-scan|design|list|show|verify|pack|unpack|keygen``.

Errors that the user can fix exit 2 with one line (the CLI's main does that for every
:class:`~prosthetics.errors.ProstheticsError`); ``verify`` exits 1 when the case fails.

The commands that add scans, file designs, handle packages or keys import what they need
(the design layer, ``cryptography``) inside themselves, so that ``prosthetics --help`` answers at
once.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from prosthetics.cases import LEVELS, SIDES, CaseError, find_cases, new_case, open_case, verify_case
from prosthetics.cases.trends import circumference_change, trends
from prosthetics.cli.progress import cli_progress
from prosthetics.errors import N_
from prosthetics.params import parse_set_options

PASSPHRASE_ENV = "PROSTHETICS_PASSPHRASE"
#: The signing key file (``design --sign``) and its passphrase; the same names as in
#: :mod:`prosthetics.cases.signing`, kept here so ``--help`` loads no ``cryptography``.
KEY_ENV = "PROSTHETICS_SIGNING_KEY"
KEY_PASSPHRASE_ENV = "PROSTHETICS_KEY_PASSPHRASE"


def add_case_parser(sub) -> None:
    """Add the ``case`` command group to the CLI's sub-parsers."""
    c = sub.add_parser(
        "case", help="patient cases: scans, design revisions, verification, hand-off packages",
        description="A case folder keeps a limb's scans (read-only, with sha256) and every "
                    "design as a revision in a tamper-evident chain; packages carry a case "
                    "between clinics, optionally encrypted. See docs/case-format.md.")
    cs = c.add_subparsers(dest="case_command", required=True, parser_class=type(c))

    n = cs.add_parser("new", help="make a case folder with a pseudonymous ID",
                      description="Make ROOT/<case ID>. The ID is generated (C- and 8 base32 "
                                  "characters) unless --id gives the clinic's own, which must "
                                  "hold a digit. Personal fields go to personal.json only.")
    n.add_argument("--root", default=".", help="folder to make the case in (default: here)")
    n.add_argument("--id", dest="case_id", help="the clinic's pseudonymous ID (e.g. PK-LHR-0042)")
    n.add_argument("--side", choices=SIDES)
    n.add_argument("--level", choices=LEVELS, help="amputation level (foot for insoles)")
    n.add_argument("--name", help="patient's name (personal.json only)")
    n.add_argument("--dob", help="date of birth, YYYY-MM-DD (personal.json only)")
    n.add_argument("--contact", help="phone or address (personal.json only)")
    n.add_argument("--note", default="", help="a note on the case (no personal details)")
    n.add_argument("--from-legacy", metavar="FILE.case.json",
                   help="make the case from a desktop single-file case (its scan and settings)")

    a = cs.add_parser("add-scan", help="add a scan (stored read-only with its sha256)",
                      description="Copy a scan into the case as scans/SNN.<ext> (bytes "
                                  "unchanged) and measure it for the trends.")
    a.add_argument("case")
    a.add_argument("scan")
    a.add_argument("--units", choices=["mm", "cm", "m"], default=None)
    a.add_argument("--date", help="the day the scan was taken, YYYY-MM-DD (default: today)")
    a.add_argument("--note", default="")
    a.add_argument("--no-measure", action="store_true",
                   help="do not clean, align and measure it now (a design will)")

    d = cs.add_parser("design", help="design from a scan of the case; file it as a revision",
                      description="Run the design pipeline on a scan of the case (default: "
                                  "the latest) starting from the latest revision's template "
                                  "and settings, and file the result as the next revision.")
    d.add_argument("case")
    d.add_argument("--scan", help="scan ID (e.g. S02; default: the latest)")
    d.add_argument("--template", help="template preset (default: the latest revision's, "
                                      "else transtibial)")
    d.add_argument("--set", dest="settings", action="append", metavar="KEY=VALUE", default=[])
    d.add_argument("--units", choices=["mm", "cm", "m"], default=None)
    d.add_argument("--author", default=os.environ.get("PROSTHETICS_AUTHOR", ""),
                   help="who designed it (default: $PROSTHETICS_AUTHOR)")
    d.add_argument("--note", default="", help="what changed and why")
    d.add_argument("--sign", metavar="KEY", default=os.environ.get(KEY_ENV) or None,
                   help=f"sign the revision with this private key file (made by 'case "
                        f"keygen'; default: ${KEY_ENV}; without one the revision is unsigned)")
    d.add_argument("--key-passphrase-file",
                   help=f"file whose first line is the signing key's passphrase (or "
                        f"${KEY_PASSPHRASE_ENV}, or asked for)")

    lst = cs.add_parser("list", help="list the cases in a folder",
                        description="One line per case folder in DIR.")
    lst.add_argument("folder", nargs="?", default=".")
    lst.add_argument("--verify", action="store_true", help="also verify each case")

    s = cs.add_parser("show", help="show a case, or one revision",
                      description="The case's scans, revisions and measurement history, or "
                                  "one revision's record.")
    s.add_argument("case")
    s.add_argument("--revision", type=int, help="show this revision")
    s.add_argument("--personal", action="store_true", help="also show the personal fields")
    s.add_argument("--json", action="store_true")

    v = cs.add_parser("verify", help="check scans, revisions, the hash chain and signatures",
                      description="Exit 0 when every scan and revision is as recorded and "
                                  "every signature matches its revision, 1 naming the first "
                                  "bad one otherwise. Says who signed each revision (or "
                                  "'unsigned').")
    v.add_argument("case")
    v.add_argument("--trust", action="append", default=[], metavar="KEYFILE",
                   help="public key file (.pub) or folder of them: mark each signer trusted "
                        "or unknown (repeatable)")
    v.add_argument("--require-trusted", action="store_true",
                   help="also fail when a revision is unsigned or not signed by a --trust key")

    p = cs.add_parser("pack", help="pack a case into one file for hand-off",
                      description="Write <case ID>.pcase: the case without personal.json "
                                  "(unless --include-personal), optionally encrypted with a "
                                  "passphrase (AES-256-GCM, scrypt key).")
    p.add_argument("case")
    p.add_argument("--out", help="package file or folder (default: beside the case)")
    p.add_argument("--encrypt", action="store_true",
                   help=f"encrypt; the passphrase comes from --passphrase-file, "
                        f"${PASSPHRASE_ENV}, or is asked for")
    p.add_argument("--passphrase-file", help="file whose first line is the passphrase")
    p.add_argument("--include-personal", action="store_true",
                   help="also pack personal.json (name, date of birth, contact)")

    u = cs.add_parser("unpack", help="unpack a package (all or nothing)",
                      description="Unpack into DIR/<case ID> after checking everything.")
    u.add_argument("package")
    u.add_argument("--into", default=".", help="folder to unpack into (default: here)")
    u.add_argument("--passphrase-file", help="file whose first line is the passphrase")

    k = cs.add_parser("keygen", help="make a signing key pair for a clinic or clinician",
                      description="Write the private key OUT (mode 0600; keep it outside every "
                                  "case folder) and the public key beside it (OUT with the "
                                  "suffix .pub: give it to whoever checks your revisions, "
                                  "with its fingerprint read out by phone).")
    k.add_argument("--name", required=True, help="the signer: clinic or clinician")
    k.add_argument("--out", required=True, help="the private key file, e.g. ~/keys/clinic.key")
    k.add_argument("--encrypt", action="store_true",
                   help=f"protect the private key with a passphrase (from --passphrase-file, "
                        f"${KEY_PASSPHRASE_ENV}, or asked for)")
    k.add_argument("--passphrase-file", help="file whose first line is the passphrase")


def _passphrase(args, *, confirm: bool, env: str = PASSPHRASE_ENV,
                file_option: str = "passphrase_file", what: str = "Passphrase") -> str:
    path = getattr(args, file_option)
    option = "--" + file_option.replace("_", "-")
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CaseError.of(N_("cannot read %(option)s (%(reason)s)"), option=option,
                               reason=exc.strerror) from None
        lines = text.splitlines()
        return lines[0] if lines else ""
    if os.environ.get(env):
        return os.environ[env]
    if not sys.stdin.isatty():
        raise CaseError.of(N_("no passphrase: give %(option)s or set %(variable)s"), option=option,
                           variable=env)
    first = getpass.getpass(f"{what}: ")
    if confirm and getpass.getpass(f"{what} again: ") != first:
        raise CaseError.of(N_("the two passphrases differ; nothing was written"))
    return first


def _new(args) -> int:
    if args.from_legacy:
        from prosthetics.cases import import_legacy_case

        case = import_legacy_case(args.from_legacy, args.root, case_id=args.case_id,
                                  side=args.side, amputation_level=args.level)
    else:
        personal = {"name": args.name, "date_of_birth": args.dob, "contact": args.contact}
        case = new_case(args.root, case_id=args.case_id, side=args.side,
                        amputation_level=args.level, personal=personal, note=args.note)
    print(f"{case.case_id}\t{case.path}")
    return 0


def _fmt_m(m: dict | None) -> str:
    if not m:
        return "not measured"
    return (f"volume {m['volume_ml']:.1f} ml (to z {m['volume_top_z_mm']:.0f} mm), length "
            f"{m['length_mm']:.1f} mm, {len(m.get('circumferences') or [])} circumferences")


def _add_scan(args) -> int:
    from prosthetics.cases import add_scan

    case = open_case(args.case)
    e = add_scan(case, args.scan, units=args.units, measure=not args.no_measure,
                 note=args.note, captured_on=args.date)
    print(f"{e['id']}\t{e['file']}\tsha256 {e['sha256']}")
    print(f"        {_fmt_m(e['measurements'])}")
    return 0


def _signing_key(args):
    """The key ``--sign`` names, loaded (and its passphrase asked for) before the design runs,
    so a wrong passphrase costs nothing; None when the revision is to be unsigned."""
    if not args.sign:
        if args.key_passphrase_file:
            raise CaseError.of(N_("--key-passphrase-file is given without --sign; add --sign "
                                  "KEY"))
        return None
    from prosthetics.cases.signing import key_is_encrypted, load_signing_key

    pw = (_passphrase(args, confirm=False, env=KEY_PASSPHRASE_ENV,
                      file_option="key_passphrase_file", what="Signing key passphrase")
          if key_is_encrypted(args.sign) else None)
    return load_signing_key(args.sign, pw)


def _report_options(args) -> dict:
    """The clinic, clinician, language, templates and PDF the configuration gives the
    revision's reports and record (``--lang`` over the file's language)."""
    from prosthetics.config import load_config

    config = getattr(args, "loaded_config", None) or load_config(getattr(args, "config", None))
    return config.report_options(lang=getattr(args, "lang", None))


def _design(args) -> int:
    from prosthetics.cases import design_revision

    case = open_case(args.case)
    key = _signing_key(args)
    # The configuration's printer and materials are not applied: a revision starts from
    # the latest revision's settings, which they would override.
    progress = cli_progress(getattr(args, "verbose", 0) or 0, bool(getattr(args, "quiet", False)))
    rec = design_revision(case, scan_id=args.scan, template=args.template,
                          settings=parse_set_options(args.settings), units=args.units,
                          author=args.author, note=args.note, progress=progress,
                          signing_key=key, reports=_report_options(args))
    rep = rec["report"]
    ch, m = rep["checks"], rep["measurements"]
    folder = case.revision_dir(rec["number"])
    print(f"revision  {rec['number']} of case {case.case_id} ({rec['kind']}, scan "
          f"{rec['scan']['id']})")
    print(f"limb      {_fmt_m(m)}")
    print(f"socket    {ch['triangles']} triangles, {ch['volume_ml']:.1f} ml, watertight "
          f"{ch['watertight']}, thinnest wall {ch['min_wall_mm']} mm (asked "
          f"{ch['wall_required_mm']:g})")
    for name in rec["files"]:
        print(f"wrote     {folder / name}")
    print(f"wrote     {folder / 'revision.json'}")
    print(f"signed    by {key.name} ({key.fingerprint})" if key is not None else
          "signed    no (unsigned: give --sign KEY to sign revisions)")
    for w in rep.get("warnings") or []:
        print(f"warning   {w}", file=sys.stderr)
    return 0


def _list(args) -> int:
    cases = find_cases(args.folder)
    if not cases:
        print(f"no case folders in {args.folder}", file=sys.stderr)
        return 0
    print(f"{'case':<14} {'side':<6} {'level':<14} {'scans':>5} {'revs':>5}  {'last revision':<21}"
          + ("  verify" if args.verify else ""))
    for c in cases:
        last = c.revisions[-1]["created_utc"] if c.revisions else "-"
        line = (f"{c.case_id:<14} {c.data.get('side') or '-':<6} "
                f"{c.data.get('amputation_level') or '-':<14} {len(c.scans):>5} "
                f"{len(c.revisions):>5}  {last:<21}")
        if args.verify:
            v = verify_case(c.path)
            line += "  ok" if v.ok else f"  FAILED: {v.problems[0]}"
        print(line)
    return 0


def _show(args) -> int:
    case = open_case(args.case)
    if args.revision is not None:
        rec = case.revision(args.revision)
        if args.json:
            print(json.dumps(rec, indent=2))
            return 0
        rep = rec.get("report") or {}
        print(f"case {case.case_id} revision {rec['number']}: {rec['kind']}, "
              f"{rec['created_utc']} by {rec.get('author') or '-'}")
        print(f"note      {rec.get('note') or '-'}")
        print(f"scan      {rec['scan']['id']} {rec['scan']['file']} sha256 {rec['scan']['sha256']}")
        print(f"template  {rec['template'].get('preset')} ({rec['template'].get('builder')})")
        for k, v in ((rep.get("template") or {}).get("parameters") or {}).items():
            print(f"          {k} = {v}")
        r = rep.get("rectification") or {}
        if r:
            print(f"rectified volume change {r.get('volume_change_percent')} % "
                  f"({r.get('sock_ply_equivalent')} sock plies)")
        print(f"limb      {_fmt_m(rep.get('measurements'))}")
        ch = rep.get("checks") or {}
        print(f"checks    watertight {ch.get('watertight')}, thinnest wall "
              f"{ch.get('min_wall_mm')} mm, wall ok {ch.get('wall_ok')}, fits printer "
              f"{(ch.get('printer') or {}).get('fits')}")
        for name, sha in rec["files"].items():
            print(f"file      {name}  {sha}")
        print(f"previous  {rec.get('previous_sha256') or '-'}")
        sig = case.revisions[rec["number"] - 1].get("signature")
        print(f"signed    by {sig.get('signer')} ({sig.get('fingerprint')}); 'case verify' "
              f"checks it" if isinstance(sig, dict) else "signed    no (unsigned)")
        print(f"record    {case.revision_dir(rec['number']) / 'record.html'} (print it for the "
              f"patient file)")
        return 0
    entries = trends(case)
    if args.json:
        out = {"case": case.data, "trends": entries}
        if args.personal:
            out["personal"] = case.personal()
        print(json.dumps(out, indent=2))
        return 0
    d = case.data
    print(f"case      {case.case_id}  ({case.path})")
    print(f"side      {d.get('side') or '-'}   level {d.get('amputation_level') or '-'}   "
          f"created {d.get('created_utc')}")
    personal = case.personal()
    if args.personal and personal:
        for k, v in personal.items():
            if k != "schema":
                print(f"personal  {k}: {v}")
    else:
        print(f"personal  {'on file (personal.json; --personal shows it)' if personal else 'none'}")
    for s in case.scans:
        print(f"scan      {s['id']}  {s.get('captured_on') or s['added_utc'][:10]}  "
              f"{s['file']}  {_fmt_m(s.get('measurements'))}")
    for r in case.revisions:
        print(f"revision  {r['number']:>3}  {r['created_utc']}  {r['kind']}  scan {r['scan']}  "
              f"{r.get('author') or '-'}: {r.get('note') or ''}")
    if entries:
        ch = {c["scan"]: c for c in circumference_change(entries)}
        level = entries[0].get("common_level")
        if level:
            z = entries[0].get("common_z_mm")
            print(f"{'trend':<9} volumes below the common level"
                  f"{'' if z is None else f' z = {z:.0f} mm'}: {level}")
        print(f"{'trend':<9} {'scan':<5} {'date':<10} {'volume_ml':>9} {'to_z_mm':>7} "
              f"{'circ_change_%':>13}  measured in")
        for e in entries:
            c = ch[e["scan"]]["mean_change_percent"]
            print(f"{'':<9} {e['scan']:<5} {e['date']:<10} {e['volume_ml']:>9.1f} "
                  f"{e['volume_top_z_mm']:>7.0f} {'-' if c is None else f'{c:+.2f}':>13}  "
                  f"{e['source']}")
    return 0


def _signature_line(s: dict) -> str:
    head = f"revision  {s['number']:>3}  "
    if s["status"] == "unsigned":
        return head + "unsigned"
    if s["signer"] is None:
        return head + "BAD SIGNATURE (it cannot be read)"
    who = f"{s['signer']} ({s['fingerprint']})"
    if s["status"] == "bad":
        return head + f"BAD SIGNATURE claimed by {who}"
    trust = {None: "", True: "  trusted", False: "  unknown key (not among --trust)"}
    return head + f"signed by {who}{trust[s['trusted']]}"


def _verify(args) -> int:
    trusted = None
    if args.trust:
        from prosthetics.cases.signing import load_public_keys

        trusted = load_public_keys(args.trust)
    elif args.require_trusted:
        raise CaseError.of(N_("--require-trusted needs the trusted public keys; add --trust "
                              "KEYFILE"))
    v = verify_case(args.case, trusted=trusted)
    problems = list(v.problems)
    if args.require_trusted:
        for s in v.signatures:
            if s["status"] == "unsigned":
                problems.append(f"revision {s['number']}: unsigned (--require-trusted asks "
                                f"for a signature by a --trust key)")
            elif s["trusted"] is False:
                problems.append(f"revision {s['number']}: signed by {s['signer']} with a key "
                                f"not among --trust ({s['fingerprint']})")
    for note in v.notes:
        print(f"note      {note}")
    if not problems:
        print(f"ok        case {v.case_id}: {v.scans} scans and {v.revisions} revisions as "
              f"recorded; head {v.head_sha256 or '-'}")
    else:
        print(f"FAILED    case {v.case_id}: {problems[0]}")
        for p in problems[1:]:
            print(f"          also: {p}")
    for s in v.signatures:
        print(_signature_line(s))
    return 0 if not problems else 1


def _pack(args) -> int:
    from prosthetics.cases.package import pack_case

    pw = _passphrase(args, confirm=True) if args.encrypt else None
    if pw is None and args.passphrase_file:
        raise CaseError.of(N_("--passphrase-file is given without --encrypt; add --encrypt"))
    r = pack_case(args.case, args.out, passphrase=pw, include_personal=args.include_personal)
    print(f"wrote     {r.path}  ({r.files} files, {r.bytes / 1e6:.1f} MB, "
          f"{'encrypted' if r.encrypted else 'NOT encrypted'}, personal fields "
          f"{'included' if r.personal_included else 'left out'})")
    return 0


def _keygen(args) -> int:
    from prosthetics.cases.signing import generate_key, load_signing_key

    pw = (_passphrase(args, confirm=True, env=KEY_PASSPHRASE_ENV, what="Key passphrase")
          if args.encrypt else None)
    if pw is None and args.passphrase_file:
        raise CaseError.of(N_("--passphrase-file is given without --encrypt; add --encrypt"))
    priv, pub = generate_key(args.name, args.out, passphrase=pw)
    key = load_signing_key(priv, pw)
    print(f"wrote     {priv}  (private key of {key.name}, mode 0600, "
          f"{'passphrase-protected' if pw else 'NOT passphrase-protected'}; keep it outside "
          f"every case folder)")
    print(f"wrote     {pub}  (public key: give it to whoever checks your revisions)")
    print(f"key       {key.fingerprint}  (read it out when you hand the public key over)")
    return 0


def _unpack(args) -> int:
    from prosthetics.cases.package import package_info, unpack_case

    info = package_info(args.package) if Path(args.package).is_file() else {}
    pw = _passphrase(args, confirm=False) if info.get("encrypted") else None
    dest = unpack_case(args.package, args.into, passphrase=pw)
    print(f"unpacked  case {dest.name} into {dest} (verified)")
    return 0


_HANDLERS = {"new": _new, "add-scan": _add_scan, "design": _design, "list": _list,
             "show": _show, "verify": _verify, "pack": _pack, "unpack": _unpack,
             "keygen": _keygen}


def cmd_case(args: argparse.Namespace) -> int:
    return _HANDLERS[args.case_command](args)
