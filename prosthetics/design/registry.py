"""Design kinds: the template builders a preset can name and the products a run makes.

A *builder* turns a prepared input (an aligned limb, a foot) into a part; a preset names
one (``builder = "transtibial"``).  A *product* is what a whole run makes, a socket or an
insole: how to run it from a scan, how to write it, and its parameter groups.  Sockets
(:mod:`prosthetics.design.session`) and insoles (:mod:`prosthetics.design.insole`) both
register here, so the presets, the CLI and the batch runner look a kind up instead of
knowing each one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prosthetics.errors import N_, ParameterError


@dataclass(frozen=True, kw_only=True)
class Builder:
    """A template builder: its parameter class and build function, and its product."""

    name: str
    product: str
    params: type
    build: Callable[..., Any]


@dataclass(frozen=True, kw_only=True)
class Product:
    """What a run makes from one scan.

    ``run(scan_path, *, template, settings, units, progress)`` returns a design in memory;
    ``write(design, out_dir, *, progress)`` writes its files and returns the report;
    ``parameter_groups(preset, settings)`` gives the groups a preset of this product uses.
    """

    name: str
    default_template: str
    #: The parameter that says which side (left/right) a case is for.
    side_parameter: str
    run: Callable[..., Any]
    write: Callable[..., dict]
    parameter_groups: Callable[..., dict]


BUILDERS: dict[str, Builder] = {}
PRODUCTS: dict[str, Product] = {}


def register_builder(builder: Builder) -> Builder:
    BUILDERS[builder.name] = builder
    return builder


def register_product(product: Product) -> Product:
    PRODUCTS[product.name] = product
    return product


def get_builder(name: str) -> Builder:
    try:
        return BUILDERS[name]
    except KeyError:
        raise ParameterError.of(N_("builder %(name)s is not one of %(known)s"), name=repr(name),
                                known=", ".join(BUILDERS)) from None


def get_product(name: str) -> Product:
    try:
        return PRODUCTS[name]
    except KeyError:
        raise ParameterError.of(N_("kind %(name)s is not one of %(known)s"), name=repr(name),
                                known=", ".join(PRODUCTS)) from None


def builders(product: str | None = None) -> dict[str, Builder]:
    """The registered builders, of one product ("socket", "insole") or all."""
    return {n: b for n, b in BUILDERS.items() if product is None or b.product == product}
