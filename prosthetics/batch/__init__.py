"""Batch runs for workshops: a manifest of cases, run in worker processes or on a Dask
cluster, each case's files in its own folder, and a summary of what failed and why."""

from prosthetics.batch.runner import (
    RUNNERS,
    BatchResult,
    CaseSpec,
    ManifestError,
    kinds,
    read_manifest,
    run_batch,
    run_case,
    run_product,
    worker_main,
    write_summary,
)

__all__ = ["RUNNERS", "kinds", "BatchResult", "CaseSpec", "ManifestError", "read_manifest",
           "run_batch", "run_case", "run_product", "worker_main", "write_summary"]
