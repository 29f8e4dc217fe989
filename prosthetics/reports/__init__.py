"""Human reports: pictures (matplotlib, no display needed) and self-contained HTML pages from
Jinja2 templates (a clinic's own folder may replace them), with their PDF, for a socket, an
insole, a case's revision and the comparison of two scans."""

from prosthetics.reports.html import report_html, write_report_html
from prosthetics.reports.insole import insole_pictures, write_insole_report_html
from prosthetics.reports.pictures import render_pictures
from prosthetics.reports.templating import check_templates, render, write_pdf

__all__ = ["check_templates", "insole_pictures", "render", "render_pictures", "report_html",
           "write_insole_report_html", "write_pdf", "write_report_html"]
