"""Case IDs and the patient's personal fields: what may name a case, and where a personal
value must never appear.

A case is named by a pseudonymous ID only (:func:`new_case_id`, or a clinic's own number
checked by :func:`check_case_id`); name, date of birth and contact live in personal.json and
nowhere else, and :func:`find_personal` looks for them in anything written or exported.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import re
import secrets
import zipfile

from prosthetics.errors import N_, CaseError

PERSONAL_FIELDS = ("name", "date_of_birth", "contact")

# Crockford's base32 alphabet: no I, L, O, U, so an ID read over the phone is not misheard.
_B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: What a case ID may look like (upper case): 3-32 of A-Z, 0-9 and "-".
ID_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,31}$")


def new_case_id() -> str:
    """A random pseudonymous ID: "C-" and 8 Crockford base32 characters (40 bits)."""
    return "C-" + "".join(secrets.choice(_B32) for _ in range(8))


def check_case_id(case_id: str) -> str:
    """A clinic's own ID, upper-cased, if it cannot be a person's name.

    Allowed: 3-32 of A-Z, 0-9 and "-", starting with a letter or digit, and at least one
    digit (names have none, so "JANE-DOE" or "ALI" is refused while "PK-LHR-0042" passes).
    """
    cid = str(case_id).strip().upper()
    if not ID_RE.match(cid):
        raise CaseError.of(N_("case ID %(case)s may only hold A-Z, 0-9 and '-' (3 to 32 "
                              "characters); leave --id out to get a generated one"),
                           case=repr(case_id))
    if not any(ch.isdigit() for ch in cid):
        raise CaseError.of(N_("case ID %(case)s has no digit and could be a name; IDs must be "
                              "pseudonymous: use the clinic's number (e.g. PK-LHR-0042) or "
                              "leave --id out"), case=repr(case_id))
    return cid


def personal_values(personal: dict | None) -> list[str]:
    """The personal field values worth searching for in exported bytes (3+ characters),
    with a date of birth also in its common spellings."""
    out: list[str] = []
    for key in PERSONAL_FIELDS:
        v = (personal or {}).get(key)
        if not isinstance(v, str) or len(v.strip()) < 3:
            continue
        v = v.strip()
        out.append(v)
        if key == "date_of_birth":
            m = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", v)
            if m:
                y, mo, d = m.groups()
                out += [f"{d}/{mo}/{y}", f"{mo}/{d}/{y}", f"{d}.{mo}.{y}", f"{d}-{mo}-{y}",
                        f"{y}{mo}{d}"]
        if key == "contact":
            digits = re.sub(r"\D", "", v)
            if len(digits) >= 6:
                out.append(digits)
        if key == "name":
            out += [p for p in re.split(r"\s+", v) if len(p) >= 4]
    return sorted(set(out), key=len, reverse=True)


_DATA_URI = re.compile(rb"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+")


def find_personal(data: bytes, values: list[str]) -> str | None:
    """The first personal value found in ``data`` (case-insensitive, also as UTF-16), or None.

    Zip members (3MF files, packages) are searched decompressed.
    """
    if not values:
        return None
    blobs = [data]
    if data[:4] == b"PK\x03\x04":
        with contextlib.suppress(zipfile.BadZipFile, OSError, ValueError):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                blobs += [z.read(n) for n in z.namelist()]
    for blob in blobs:
        # Pictures embedded in HTML are drawn from geometry and hold no text; their base64
        # would match short words by chance.
        low = _DATA_URI.sub(b"", blob).lower()
        for v in values:
            for enc in ("utf-8", "utf-16-le"):
                if v.lower().encode(enc) in low:
                    return v
    return None


def check_date(text: str, option: str, *, year_only: bool = False) -> None:
    """Check that ``text`` is a date written YYYY-MM-DD (or only YYYY when ``year_only``).

    Raises
    ------
    CaseError
        Naming ``option`` and the value, when it is not one.
    """
    if year_only and re.fullmatch(r"(19|20)\d\d", text):
        return
    try:
        _dt.date.fromisoformat(text)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
    except ValueError:
        if year_only:
            raise CaseError.of(N_("%(option)s %(text)s is not a date; write it as YYYY-MM-DD "
                                  "(or only the year)"), option=option,
                               text=repr(text)) from None
        raise CaseError.of(N_("%(option)s %(text)s is not a date; write it as YYYY-MM-DD"),
                           option=option, text=repr(text)) from None


__all__ = ["ID_RE", "PERSONAL_FIELDS", "check_case_id", "check_date", "find_personal",
           "new_case_id", "personal_values"]
