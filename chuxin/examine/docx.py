"""The examination material (检视剖析材料) as .docx on the GB/T 9704 page of chuxin.documents."""

from __future__ import annotations

import io

from django.utils import timezone

from chuxin.documents import layout
from chuxin.documents.generate import Writer, cn_date, open_base

NUMERALS = "一二三四五六七八九十"


def material_docx(material, headings) -> bytes:
    doc = open_base()
    w = Writer(doc)
    person = material.person
    w.para(f"{person.name}同志{material.campaign.title}检视剖析材料", "Title")
    w.para(f"（{material.unit.name}　{person.position}）", layout.NO_INDENT).alignment = 1
    n = 0
    w.heading(f"{NUMERALS[n]}、对照检视查摆的问题", 1)
    for i, (heading, text) in enumerate(material.sections(headings), 1):
        w.heading(f"（{NUMERALS[i - 1] if i <= 10 else i}）{heading.title}", 2)
        for line in (text or "").splitlines() or ["—"]:
            if line.strip():
                w.para(line.strip())
    n += 1
    w.heading(f"{NUMERALS[n]}、产生问题的根源", 1)
    for line in material.root_causes.splitlines():
        if line.strip():
            w.para(line.strip())
    n += 1
    w.heading(f"{NUMERALS[n]}、努力方向和整改措施", 1)
    for line in material.measures.splitlines():
        if line.strip():
            w.para(line.strip())
    w.para("")
    w.para(person.name, layout.SIGNATURE)
    w.para(cn_date(timezone.localtime(material.updated_at).date()), layout.SIGNATURE)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
