"""Error types.

Every error a user can cause derives from :class:`ProstheticsError` and also from the
builtin that fits (``ValueError``, ``FileNotFoundError``...), so callers can catch either.
Messages are one line: what was wrong, what was expected, and how to fix it.

A message a clinic meets often is raised as a catalogue message with its values,
``raise ScanError.of(N_("%(name)s holds no points; export the scan again"), name=name)``:
``str(exc)`` is the English line (the message with its values in place), and
:meth:`ProstheticsError.translated` gives it in the language of a ``gettext``
(:func:`prosthetics.reports.errors_i18n.error_line` does it for a language's catalogue).
The values are text as the English line shows them (a file name, ``3 mm``, a setting's name);
a value that is itself a catalogue line (another error raised with ``of``, a :class:`Message`),
as where one error gives another as its reason, is translated with the line.

A warning is made the same way, ``Message.of(N_("..."), **values)``: a :class:`Message` is a
``str`` (the English line, as lists and ``report.json`` keep it) that also carries its
``msgid`` and ``values``; both share :func:`translate_message`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TypeVar

_E = TypeVar("_E", bound="ProstheticsError")

__all__ = ["N_", "Message", "translate_message", "ProstheticsError", "ScanError", "ScanNotFoundError", "UnitsError",
           "ParameterError", "GeometryError", "OutputError", "ConfigError", "CaseError",
           "Terminated"]


def N_(text: str) -> str:  # noqa: N802 - the usual name of gettext's no-op marker
    """Mark ``text`` for extraction into the catalogue without translating it here (the
    modules below the reports mark their error messages with it)."""
    return text


def translate_message(english: str, msgid: str | None, values: Mapping[str, str],
                      gettext: Callable[[str], str],
                      value: Callable[[str], str] = str) -> str:
    """``msgid`` in ``gettext``'s language with ``values`` (each passed through ``value``)
    in its ``%(name)s`` places; ``english`` when there is no ``msgid``, the catalogue lacks
    it, or its entry does not fit the values (shared by errors and :class:`Message`)."""
    if msgid is None:
        return english
    text = gettext(msgid)
    nested = any(isinstance(v, Message) and v.msgid is not None for v in values.values())
    if not text or (text == msgid and not nested):   # (a frame such as "%(name)s: %(reason)s"
        return english                               # reads the same in every language)
    if not values:
        return text
    try:
        return text % {k: v.translated(gettext, value)
                       if isinstance(v, Message) and v.msgid is not None else value(v)
                       for k, v in values.items()}
    except (KeyError, TypeError, ValueError):     # a catalogue entry that does not fit
        return english


class Message(str):
    """A warning (or any line) the core writes in English that also carries its catalogue
    message: ``Message.of(N_("... %(name)s ..."), name=...)`` is the English line as a
    ``str`` (in lists, in ``report.json``, compared with ``==``), and its ``msgid`` and
    ``values`` let a page show it in another language (:meth:`translated`,
    :func:`prosthetics.reports.warnings_i18n.translate_warning`)."""

    msgid: str | None
    values: Mapping[str, str]

    def __new__(cls, text: str = "", msgid: str | None = None,
                values: Mapping[str, str] | None = None) -> Message:
        obj = super().__new__(cls, text)
        obj.msgid = msgid
        obj.values = MappingProxyType(dict(values or {}))
        return obj

    @classmethod
    def of(cls, msgid: str, /, **values: object) -> Message:
        """The line ``msgid`` (a catalogue message, marked ``N_()``) with ``values`` (as
        text; a catalogue line among them kept as one) in its ``%(name)s`` places."""
        texts = _texts(values)
        return cls(msgid % texts if texts else msgid, msgid, texts)

    @classmethod
    def joined(cls, parts: list[Message]) -> Message:
        """``parts`` as one line, "; " between them (each part translated with it)."""
        if len(parts) == 1:
            return parts[0]
        return cls.of(N_("%(first)s; %(then)s"), first=parts[0], then=cls.joined(parts[1:]))

    def __str__(self) -> str:
        # itself (equal to the English line), so that ``str(warning)``, as the report pages
        # take a warning from a list, keeps its catalogue message
        return self

    def __reduce__(self):
        # the plain text (``str(self)`` is ``self``), so that pickling and copying end
        return (Message, (str.__str__(self), self.msgid, dict(self.values)))

    def __copy__(self) -> Message:
        return self                      # immutable, as a str

    def __deepcopy__(self, memo: dict) -> Message:
        return self

    def translated(self, gettext: Callable[[str], str],
                   value: Callable[[str], str] = str) -> str:
        """The line in ``gettext``'s language (values through ``value``); the English line
        when the catalogue lacks the message."""
        return translate_message(str(self), self.msgid, self.values, gettext, value)


def _texts(values: Mapping[str, object]) -> dict[str, str]:
    """``values`` as text; a catalogue line (a :class:`Message`, or an error raised with
    :meth:`ProstheticsError.of`) as a :class:`Message`, so that it is translated too."""
    out: dict[str, str] = {}
    for k, v in values.items():
        if isinstance(v, Message):
            out[k] = v
        elif isinstance(v, ProstheticsError) and v.msgid is not None:
            out[k] = Message(str(v), v.msgid, v.values)
        else:
            out[k] = str(v)
    return out


class ProstheticsError(Exception):
    """Base class for every error caused by the input or the parameters."""

    #: The English catalogue message with ``%(name)s`` places when raised with :meth:`of`;
    #: None for a line written as plain text (it stays English in every language).
    msgid: str | None = None
    #: The values of the message's places, as text.
    values: Mapping[str, str] = MappingProxyType({})

    @classmethod
    def of(cls: type[_E], msgid: str, /, **values: object) -> _E:
        """The error whose line is ``msgid`` (a catalogue message, marked ``N_()``) with
        ``values`` in its ``%(name)s`` places; ``str()`` of it is that English line.  A
        value that is a catalogue line itself (an error raised with ``of``, a
        :class:`Message`) is translated with this line."""
        texts = _texts(values)
        err = cls(msgid % texts if texts else msgid)
        err.msgid = msgid
        err.values = texts
        return err

    @classmethod
    def carrying(cls: type[_E], exc: BaseException) -> _E:
        """An error of this class with ``exc``'s line, and its catalogue message when it has
        one (an error of another kind passed on as this kind)."""
        err = cls(str(exc))
        if isinstance(exc, ProstheticsError):
            err.msgid, err.values = exc.msgid, exc.values
        return err

    def translated(self, gettext: Callable[[str], str],
                   value: Callable[[str], str] = str) -> str:
        """The line in ``gettext``'s language, each value passed through ``value`` (on a
        right-to-left line: kept left to right); the English line when the error has no
        catalogue message or the catalogue lacks it."""
        return translate_message(str(self), self.msgid, self.values, gettext, value)


class ScanError(ProstheticsError, ValueError):
    """The scan file cannot be read, or holds no usable limb."""


class ScanNotFoundError(ProstheticsError, FileNotFoundError):
    """The scan path does not exist."""


class UnitsError(ScanError):
    """The scan's units cannot be decided from its size."""


class ParameterError(ProstheticsError, ValueError):
    """A parameter is unknown or out of its documented range."""


class GeometryError(ProstheticsError, RuntimeError):
    """A stage could not build valid geometry from valid-looking input."""


class OutputError(ProstheticsError, OSError):
    """The output folder cannot be written."""


class ConfigError(ProstheticsError, ValueError):
    """The configuration file cannot be read, or a key in it is unknown or wrong."""


class CaseError(ProstheticsError, ValueError):
    """A case folder cannot be read, written or trusted."""


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM: a workshop's scheduler, ``kill``, a shut
    down): handled as Ctrl+C is, so that what is running ends cleanly and says so."""
