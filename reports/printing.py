"""Printable forms (domain §12): one description of a form, rendered as an A4 print page and as a PDF.

Every form (客户质量等级评估表, 客户拜访报告, 投诉受理单, 黑名单报表, each periodic report) is built
as a `PrintForm`: a title, a number, sections of label/value rows, tables or text, and the
signature lines (审批签字). `print_response` renders it in the browser (templates/reports/print.html,
A4 CSS); `pdf_response` draws the same content with ReportLab and its built-in CID font
STSong-Light, so a fresh machine needs no font files (the PDF viewer supplies the glyphs; pypdf
extracts the text, which the tests rely on).
"""

import io
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

FONT = "STSong-Light"


@dataclass
class Section:
    heading: str
    rows: list[tuple[str, str]] = field(default_factory=list)  # label, value
    table: list[list[str]] = field(default_factory=list)  # first row is the header
    text: str = ""


@dataclass
class PrintForm:
    title: str
    number: str
    filename: str
    sections: list[Section]
    signatures: list[str] = field(default_factory=list)
    subtitle: str = ""

    @property
    def company(self) -> str:
        return settings.COMPANY_NAME


def _cell(value) -> str:
    return "" if value is None else str(value)


def render_pdf(form: PrintForm, *, now=None) -> bytes:
    """The form as a PDF (A4): company header, title, sections, signature lines, page numbers."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    now = now or timezone.now()
    base = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=colors.grey)
    company = ParagraphStyle("company", parent=base, fontSize=12, alignment=1)
    title = ParagraphStyle("title", parent=base, fontSize=18, leading=24, alignment=1, spaceAfter=4)
    heading = ParagraphStyle("heading", parent=base, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)

    def p(text, style=base):
        from xml.sax.saxutils import escape

        return Paragraph(escape(_cell(text)).replace("\n", "<br/>"), style)

    width = A4[0] - 36 * mm
    story = [p(form.company, company), p(form.title, title)]
    meta = " · ".join(
        x
        for x in (
            form.subtitle,
            form.number,
            _("Printed on") + " " + timezone.localtime(now).strftime("%Y-%m-%d"),
        )
        if x
    )
    story += [p(meta, small), Spacer(1, 4 * mm)]
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONT", (0, 0), (-1, -1), FONT),
        ]
    )
    for section in form.sections:
        story.append(p(section.heading, heading))
        if section.rows:
            data = [[p(label), p(value)] for label, value in section.rows]
            t = Table(data, colWidths=[0.28 * width, 0.72 * width])
            t.setStyle(grid)
            t.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)]))
            story.append(t)
        if section.table:
            cols = len(section.table[0])
            data = [[p(c) for c in row] for row in section.table]
            t = Table(data, colWidths=[width / cols] * cols, repeatRows=1)
            t.setStyle(grid)
            t.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
            story.append(t)
        if section.text:
            story.append(p(section.text))
    if form.signatures:
        story.append(Spacer(1, 10 * mm))
        story.append(p(_("Approval signatures"), heading))
        data = [
            [p(label + "："), p("________________"), p(_("Date") + "："), p("____年__月__日")]
            for label in form.signatures
        ]
        t = Table(
            data, colWidths=[0.25 * width, 0.35 * width, 0.12 * width, 0.28 * width], rowHeights=12 * mm
        )
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
        story.append(t)

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"{form.company} · {form.title} · {doc.page}")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=form.title,
        author=form.company,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def pdf_response(form: PrintForm) -> HttpResponse:
    response = HttpResponse(render_pdf(form), content_type="application/pdf")
    # An ASCII file name: the Chinese title is inside the document.
    response["Content-Disposition"] = f'attachment; filename="{form.filename}.pdf"'
    return response


def print_response(request, form: PrintForm, *, pdf_url: str = "") -> HttpResponse:
    return render(request, "reports/print.html", {"form": form, "pdf_url": pdf_url, "now": timezone.now()})
