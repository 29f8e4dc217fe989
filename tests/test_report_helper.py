"""The reports' second process: the same report as without it, and never a failed design."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from prosthetics.design.socket_writer import write_design
from prosthetics.reports.helper import ReportHelper, beside, report_helper

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                     reason="needs poppler's pdftotext")


def _pictures(folder) -> list[str]:
    return re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)",
                      (folder / "report.html").read_text())


def _pdf_pages(path) -> int:
    """The PDF's pages, as poppler's pdftotext reads them (form feeds between pages)."""
    assert path.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Socket" in text or "socket" in text
    return text.count("\f")


@needs_pdftotext
def test_a_design_written_beside_the_helper_is_the_one_written_without(sample_design,
                                                                      tmp_path):
    write_design(sample_design, tmp_path / "alone")
    with report_helper() as helper:
        assert helper.submit(os.getpid).result(timeout=120) != os.getpid()
        write_design(sample_design, tmp_path / "beside", helper=helper)
        processes = helper.processes
    # the slow pictures and the PDF were made in the helper
    assert helper.done == ["limb_pictures", "write_pdf"]
    alone, beside_ = _pictures(tmp_path / "alone"), _pictures(tmp_path / "beside")
    assert len(alone) == 5 and beside_ == alone            # the very same pictures, in order
    pages = _pdf_pages(tmp_path / "alone" / "report.pdf")
    assert pages >= 5 and _pdf_pages(tmp_path / "beside" / "report.pdf") == pages
    # closed: the helper is stopped, not left running after the command
    assert len(processes) == 1
    processes[0].join(10)
    assert not processes[0].is_alive()


@needs_pdftotext
def test_a_helper_that_died_leaves_the_reports_to_this_process(sample_design, tmp_path):
    with report_helper() as helper:
        dead = helper.submit(os._exit, 3)
        with pytest.raises(Exception):
            dead.result(timeout=120)                        # the pool is broken
        report = write_design(sample_design, tmp_path / "case", helper=helper)
    assert helper.done == []
    assert len(_pictures(tmp_path / "case")) == 5
    assert _pdf_pages(tmp_path / "case" / "report.pdf") >= 5
    assert not any("report.pdf" in w for w in report["warnings"])


def test_a_job_the_helper_cannot_take_is_made_here():
    with report_helper() as helper:
        # a lambda cannot be sent to another process: the job is made in this one
        made = beside(helper, len, [lambda: 0, 1])
        assert made() == 2
        assert helper.done == []
        assert beside(helper, sum, [1, 2, 3])() == 6
        assert helper.done == ["sum"]
    # without a helper, and with a closed one, everything is made here
    assert beside(None, sum, [4])() == 4
    closed = ReportHelper()
    closed.close()
    assert closed.submit(sum, [1]) is None and beside(closed, sum, [5])() == 5


def test_a_failure_of_the_job_itself_shows_as_without_a_helper():
    with report_helper() as helper, pytest.raises(ZeroDivisionError):
        beside(helper, divmod, 1, 0)()


def test_a_helper_started_late_starts_once_and_never_after_closing():
    helper = ReportHelper(start=False)
    assert helper.processes == []                   # nothing runs until asked
    helper.start()
    helper.start()
    assert beside(helper, sum, [2, 3])() == 5 and helper.done == ["sum"]
    assert len(helper.processes) == 1
    helper.close()
    helper.start()
    assert helper.processes == [] and helper.submit(sum, [1]) is None


def test_a_helper_that_cannot_start_leaves_weasyprints_import_to_this_process(
        monkeypatch, sample_design, tmp_path):
    """A helper whose process cannot be made is not available: the design's own process
    then imports WeasyPrint beside the print files, as without a helper."""
    import prosthetics.design.output as output
    import prosthetics.reports.helper as helper_module

    preloads = []
    real_preload = output.preload_pdf
    monkeypatch.setattr(output, "preload_pdf", lambda: preloads.append(1) or real_preload())

    def no_pool(*args, **kwargs):
        raise OSError("no more processes")

    late = ReportHelper(start=False)
    assert late.available                            # a job would start it
    monkeypatch.setattr(helper_module, "ProcessPoolExecutor", no_pool)
    broken = ReportHelper()
    assert not broken.available and broken.submit(sum, [1]) is None
    assert beside(broken, sum, [2])() == 7 - 5
    late.close()
    assert not late.available
    write_design(sample_design, tmp_path / "case", helper=broken)
    assert preloads == [1] and (tmp_path / "case" / "report.pdf").stat().st_size > 10_000
