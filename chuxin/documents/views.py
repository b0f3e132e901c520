"""The briefing / notice form and its .docx and .pdf downloads, fetched through the scope helpers."""

import subprocess
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from chuxin.audit.actions import do_record_export
from chuxin.audit.events import AuditEvent
from chuxin.campaigns.access import campaign_for
from chuxin.core.dbrouter import reads_from_replica
from chuxin.orgs.models import Unit
from chuxin.orgs.scope import get_unit_for_user
from chuxin.orgs.watermark import watermark_text

from . import generate
from .forms import DocumentForm, defaults

KINDS = (generate.BRIEFING, generate.NOTICE)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _unit_and_campaign(request, code):
    unit = get_unit_for_user(request.user, code)  # outside the scope: 404
    return unit, campaign_for(request, unit)  # a campaign that does not cover the unit: 404


def _render_form(request, unit, campaign, form, status=200):
    links = None
    if form.is_bound and form.is_valid():
        # the downloads name the campaign the form was prepared in (the one rule: never a silent fallback)
        query = urlencode(
            {"campaign": campaign.pk, **{k: v for k, v in request.GET.items() if k in form.fields}}
        )
        links = {"query": query, "kind": form.cleaned_data["kind"]}
    return render(
        request,
        "documents/document_form.html",
        {
            "unit": unit,
            "campaign": campaign,
            "form": form,
            "links": links,
            "pdf": generate.converter() is not None,
        },
        status=status,
    )


@login_required
def document_form(request, code):
    unit, campaign = _unit_and_campaign(request, code)
    form = (
        DocumentForm({**defaults(campaign), **request.GET.dict()})
        if request.GET
        else DocumentForm(initial=defaults(campaign))
    )
    return _render_form(request, unit, campaign, form)


def _params(request, unit, campaign, kind):
    """The validated form values, or the form page with its errors."""
    form = DocumentForm({**defaults(campaign), **request.GET.dict(), "kind": kind})
    if not form.is_valid():
        return None, _render_form(request, unit, campaign, form, status=400)
    c = form.cleaned_data
    return (
        generate.Params(
            kind=kind,
            date_from=c["date_from"],
            date_to=c["date_to"],
            number=c["number"],
            issue_date=c["issue_date"],
            today=timezone.localdate(),
            cc=c["cc"],
        ),
        None,
    )


def _build(request, code, kind):
    if kind not in KINDS:
        raise Http404("Unknown kind of document")
    unit, campaign = _unit_and_campaign(request, code)
    params, error = _params(request, unit, campaign, kind)
    if error is not None:
        return unit, None, error
    children = Unit.objects.children_of(unit)  # children of a visible unit are inside the scope too
    body = generate.build(unit, campaign, params, children)
    return unit, params, generate.with_viewer(body, watermark_text(request.user))


def _filename(unit, params, ext):
    return f"{params.kind}-{unit.code}-{params.issue_date.isoformat()}.{ext}"


@login_required
@reads_from_replica
def document_docx(request, code, kind):
    unit, params, body = _build(request, code, kind)
    if params is None:
        return body
    do_record_export(AuditEvent.EXPORT, {"what": f"{kind}.docx"}, acting_user=request.user, obj=unit)
    response = HttpResponse(body, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(unit, params, "docx")}"'
    return response


@login_required
@reads_from_replica
def document_pdf(request, code, kind):
    unit, _campaign = _unit_and_campaign(request, code)  # the scope answers first, then the campaign
    if kind not in KINDS:
        raise Http404("Unknown kind of document")
    if generate.converter() is None:
        return render(request, "documents/pdf_unavailable.html", {"unit": unit}, status=404)
    unit, params, body = _build(request, code, kind)
    if params is None:
        return body
    try:
        pdf = generate.to_pdf(body, name=f"{params.kind}-{unit.code}")
    except (subprocess.SubprocessError, OSError) as exc:
        return HttpResponse(
            _("The PDF could not be made (%(error)s). Download the .docx instead.")
            % {"error": type(exc).__name__},
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    do_record_export(AuditEvent.EXPORT, {"what": f"{kind}.pdf"}, acting_user=request.user, obj=unit)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(unit, params, "pdf")}"'
    return response
