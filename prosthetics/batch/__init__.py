"""Batch runs for workshops: a manifest of cases, run in worker processes or on a Dask
cluster, each case's files in its own folder, and a summary of what failed and why."""

from prosthetics.batch.runner import (
    RUNNERS,
    BatchResult,
    CaseFailed,
    CaseSpec,
    ManifestError,
    SchedulerError,
    kinds,
    read_manifest,
    run_batch,
    run_case,
    run_product,
    worker_main,
    write_summary,
)

__all__ = ["RUNNERS", "kinds", "BatchResult", "CaseFailed", "CaseSpec", "ManifestError",
           "SchedulerError", "read_manifest", "run_batch", "run_case", "run_product",
           "worker_main", "write_summary"]
