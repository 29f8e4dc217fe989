"""Names a package exports but loads only on first use (PEP 562).

``import prosthetics`` and ``import prosthetics.cases`` stay fast (the command line's
``--help`` answers at once) while ``prosthetics.run_design`` or
``prosthetics.cases.add_design`` still work: the module that defines the name is imported
when the name is first asked for, and the value is kept in the package afterwards.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_attributes(package: str, exports: dict[str, str], namespace: dict[str, Any]
                    ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``.

    Parameters
    ----------
    package
        The package's name, for the error message.
    exports
        Public name -> the module that defines it.
    namespace
        The package's ``globals()``, where a loaded value is kept.
    """
    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
