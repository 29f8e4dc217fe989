"""Human reports: pictures (matplotlib, no display needed) and self-contained HTML pages
for a socket, an insole, and the comparison of two scans."""

from prosthetics.reports.html import write_report_html
from prosthetics.reports.insole import insole_pictures, write_insole_report_html
from prosthetics.reports.pictures import render_pictures

__all__ = ["insole_pictures", "render_pictures", "write_insole_report_html",
           "write_report_html"]
