"""Running a design: presets, the socket and insole pipelines, and writing their files.

Importing this package registers both products (socket, insole) and every template
builder in :mod:`prosthetics.design.registry`.
"""

# isort: off
# The socket product registers first: kinds are listed in registration order.
from prosthetics.design.socket_writer import design, write_design
from prosthetics.design.insole import InsoleDesign, run_insole, write_insole
# isort: on

from prosthetics.design.presets import (
    Preset,
    describe_parameters,
    list_presets,
    load_preset,
    parameter_groups,
    product_of,
    resolve_template,
)
from prosthetics.design.registry import BUILDERS, PRODUCTS, get_builder, get_product
from prosthetics.design.session import (
    EXPORT_FORMATS,
    STAGES,
    Cancelled,
    Design,
    DesignSession,
    ExportParams,
    parse_formats,
    run_design,
)

__all__ = ["BUILDERS", "PRODUCTS", "EXPORT_FORMATS", "STAGES", "Cancelled", "Design",
           "DesignSession", "ExportParams", "InsoleDesign", "Preset", "describe_parameters",
           "design", "get_builder", "get_product", "list_presets", "load_preset",
           "parameter_groups", "parse_formats", "product_of", "resolve_template", "run_design",
           "run_insole", "write_design", "write_insole"]
