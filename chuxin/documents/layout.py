"""The GB/T 9704-2012 page and styles, as far as python-docx reaches: the default base.docx is built here.

Fonts are named, never shipped: the East Asian font is set through w:rFonts/@w:eastAsia.
"""

from __future__ import annotations

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
LINE = Pt(28.95)  # fixed: 22 lines on the type area
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
RED = RGBColor(0xFF, 0x00, 0x00)

# Paragraph styles the generator writes with; an office restyles them in its own base.docx.
DOC_NUMBER = "Doc Number"
ISSUER_MARK = "Issuer Mark"
SIGNATURE = "Signature"
RECORD = "Record"  # 版记
TABLE_TEXT = "Table Text"
NO_INDENT = "Body No Indent"


def set_font(target, name: str, size=None, bold=None, color=None) -> None:
    """Name the font for Latin and East Asian text of a style or run, dropping theme fonts that win over it."""
    font = target.font
    font.name = name
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    if color is not None:
        font.color.rgb = color
    rpr = target.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        rfonts.set(qn(attr), name)


def _paragraph_style(
    doc, name, font, size, *, base="Normal", align=None, indent=None, bold=False, color=None
):
    styles = doc.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if name != "Normal":
        style.base_style = styles[base]
    set_font(style, font, size, bold, color)
    pf = style.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = LINE
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    if align is not None:
        pf.alignment = align
    if indent is not None:
        pf.first_line_indent = indent
    return style


# the children of w:pPr that follow w:pBdr in the schema's sequence
_AFTER_PBDR = tuple(
    f"w:{t}"
    for t in (
        "shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
        "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
        "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
    ).split()
)


def border(paragraph_or_style_element, side: str, *, size=8, color="000000") -> None:
    """A rule along one side of a paragraph (w:pBdr): the red rule, the 版记 rules. size in 1/8 pt."""
    ppr = paragraph_or_style_element.get_or_add_pPr()
    pbdr = ppr.find(qn("w:pBdr"))
    if pbdr is None:
        pbdr = OxmlElement("w:pBdr")
        ppr.insert_element_before(pbdr, *_AFTER_PBDR)  # keep CT_PPr's schema order
    edge = pbdr.find(qn(f"w:{side}"))
    if edge is None:
        edge = OxmlElement(f"w:{side}")
        order = ["top", "left", "bottom", "right"]
        later = [pbdr.find(qn(f"w:{s}")) for s in order[order.index(side) + 1 :]]
        later = [e for e in later if e is not None]
        if later:
            later[0].addprevious(edge)
        else:
            pbdr.append(edge)
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), str(size))
    edge.set(qn("w:space"), "1")
    edge.set(qn("w:color"), color)


def _field(paragraph, instr: str) -> None:
    """A simple field (PAGE) as begin / instrText / separate / result / end runs."""

    def run_with(el):
        run = paragraph.add_run()
        run._r.append(el)
        return run

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instr} "
    run_with(text)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    paragraph.add_run("1")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _page_number(footer, align) -> None:
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.paragraph_format.alignment = align
    p.paragraph_format.first_line_indent = Pt(0)
    # one character in from the edge, as the standard has it
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        p.paragraph_format.right_indent = Pt(14)
    else:
        p.paragraph_format.left_indent = Pt(14)
    p.add_run("— ")
    _field(p, "PAGE")
    p.add_run(" —")
    for run in p.runs:
        set_font(run, PAGE_NUMBER_FONT, Pt(14))


def setup_page(doc) -> None:
    """A4, margins 37/35/28/26 mm, page numbers — N — (odd pages right, even pages left)."""
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28) - Pt(14)  # number line 7 mm below the type area
    doc.settings.odd_and_even_pages_header_footer = True  # w:evenAndOddHeaders
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)


def build_base():
    """A fresh document with the page set up and the named styles, ready to be saved as base.docx."""
    doc = Document()
    setup_page(doc)
    _paragraph_style(doc, "Normal", BODY_FONT, BODY_SIZE, indent=Pt(32), align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    title = _paragraph_style(
        doc, "Title", TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=Pt(0)
    )
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = Pt(28.95)
    # the default template's Title has a blue bottom border: drop it
    tppr = title.element.get_or_add_pPr()
    for bdr in tppr.findall(qn("w:pBdr")):
        tppr.remove(bdr)
    for name, font in (("Heading 1", HEADING1_FONT), ("Heading 2", HEADING2_FONT)):
        style = _paragraph_style(doc, name, font, BODY_SIZE, indent=Pt(32), color=RGBColor(0, 0, 0))
        style.font.italic = False
        style.paragraph_format.keep_with_next = True
    mark = _paragraph_style(
        doc, ISSUER_MARK, TITLE_FONT, Pt(36), align=WD_ALIGN_PARAGRAPH.CENTER, indent=Pt(0), color=RED
    )
    mark.paragraph_format.line_spacing = Pt(54)
    mark.paragraph_format.space_after = Pt(28.95)
    number = _paragraph_style(
        doc, DOC_NUMBER, BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=Pt(0)
    )
    number.paragraph_format.space_after = Pt(28.95)
    _paragraph_style(
        doc, SIGNATURE, BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=Pt(0)
    ).paragraph_format.right_indent = Pt(64)
    record = _paragraph_style(doc, RECORD, BODY_FONT, Pt(14), align=WD_ALIGN_PARAGRAPH.LEFT, indent=Pt(0))
    record.paragraph_format.left_indent = Pt(14)
    record.paragraph_format.right_indent = Pt(14)
    _paragraph_style(doc, NO_INDENT, BODY_FONT, BODY_SIZE, indent=Pt(0), align=WD_ALIGN_PARAGRAPH.LEFT)
    table = _paragraph_style(
        doc, TABLE_TEXT, BODY_FONT, Pt(12), align=WD_ALIGN_PARAGRAPH.CENTER, indent=Pt(0)
    )
    table.paragraph_format.line_spacing = Pt(20)
    return doc


def viewer_header(doc, text: str) -> None:
    """The viewer's watermark (name and date) as a small grey line in every page header, odd and even:
    a document made for someone names them, as the pages they read it from do."""
    from docx.shared import RGBColor

    for section in doc.sections:
        for header in (section.header, section.even_page_header, section.first_page_header):
            header.is_linked_to_previous = False
            p = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
            p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.first_line_indent = Pt(0)
            run = p.add_run(text)
            run.font.size = Pt(8)
            run.font.color.rgb = RGBColor(0x99, 0x99, 0x99)
