"""The printable poster of a unit's public link: A4, the unit's name, the QR code and the link.

Two posters share the layout: the public opinion form (征求意见, `OPINIONS`) and the evaluation's public
satisfaction survey (群众满意度测评, `SURVEY`, served by chuxin/evaluation); each names what the code opens.

PNG at 150 dpi (1240 × 1754 px) drawn by Pillow; .docx on the GB/T 9704 page of chuxin.documents with
the same QR code as a picture. The QR code is made by segno, locally.
"""

from __future__ import annotations

import io
from functools import lru_cache

import segno

A4_PX = (1240, 1754)
FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
# The wording printed on each poster (data in the campaign's language, like the survey's questions).
OPINIONS = {
    "headline": "广泛听取意见",
    "invite": "欢迎您对我们的工作提出意见和建议",
    "foot": "可匿名提交，不留姓名和电话；留下电话的，我们将予以答复。",
}
SURVEY = {
    "headline": "群众满意度测评",
    "invite": "请您对我们开展主题教育的成效作出评价",
    "foot": "匿名填写，不收集姓名、电话和地址；每台设备限答一次。",
}


def qr_png(url: str, scale: int = 12) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


@lru_cache(maxsize=8)
def _font(size: int):
    from PIL import ImageFont

    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()  # no CJK font on this machine: the text renders as boxes


def _centred(draw, y: int, text: str, size: int, fill=(0, 0, 0)) -> int:
    font = _font(size)
    box = draw.textbbox((0, 0), text, font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    draw.text(((A4_PX[0] - w) // 2, y), text, font=font, fill=fill)
    return y + h


def poster_png(unit_name: str, campaign_title: str, url: str, words: dict = OPINIONS) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", A4_PX, "white")
    draw = ImageDraw.Draw(img)
    red = (200, 16, 46)
    draw.rectangle([0, 0, A4_PX[0], 24], fill=red)
    y = _centred(draw, 130, unit_name, 64, red) + 50
    y = _centred(draw, y, campaign_title, 36) + 60
    y = _centred(draw, y, words["headline"], 96, red) + 50
    y = _centred(draw, y, words["invite"], 40) + 70
    qr = Image.open(io.BytesIO(qr_png(url, scale=16)))
    side = 620
    qr = qr.convert("RGB").resize((side, side), Image.NEAREST)
    img.paste(qr, ((A4_PX[0] - side) // 2, y))
    y += side + 50
    y = _centred(draw, y, "扫码或访问", 36) + 20
    y = _centred(draw, y, url, 36, (0, 0, 0)) + 60
    _centred(draw, y, words["foot"], 30, (80, 80, 80))
    draw.rectangle([0, A4_PX[1] - 24, A4_PX[0], A4_PX[1]], fill=red)
    out = io.BytesIO()
    img.save(out, "PNG", dpi=(150, 150))
    return out.getvalue()


def poster_docx(unit_name: str, campaign_title: str, url: str, words: dict = OPINIONS) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    from chuxin.documents import layout
    from chuxin.documents.generate import Writer, open_base

    doc = open_base()
    w = Writer(doc)
    w.para(unit_name, layout.ISSUER_MARK, "Title")
    w.para(words["headline"], "Title")
    w.para(campaign_title, layout.NO_INDENT).alignment = WD_ALIGN_PARAGRAPH.CENTER
    w.para(words["invite"], layout.NO_INDENT).alignment = WD_ALIGN_PARAGRAPH.CENTER
    pic = w.para("", layout.NO_INDENT)
    pic.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pic.paragraph_format.line_spacing = None  # a fixed line height would crop the picture
    pic.add_run().add_picture(io.BytesIO(qr_png(url)), width=Mm(90))
    w.para(f"扫码或访问：{url}", layout.NO_INDENT).alignment = WD_ALIGN_PARAGRAPH.CENTER
    w.para(words["foot"], layout.NO_INDENT).alignment = WD_ALIGN_PARAGRAPH.CENTER
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def poster_response(unit, campaign, url: str, fmt: str, words: dict = OPINIONS, name: str = "poster"):
    """The poster as a download (PNG or .docx), for the views of both public links; 404 for another format."""
    from django.http import Http404, HttpResponse

    if fmt == "png":
        data, ctype = poster_png(unit.name, campaign.title, url, words), "image/png"
    elif fmt == "docx":
        data, ctype = poster_docx(unit.name, campaign.title, url, words), DOCX
    else:
        raise Http404("No such format")
    response = HttpResponse(data, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{name}-{unit.code}.{fmt}"'
    return response
