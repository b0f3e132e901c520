"""What an auditor (审计管理员, read-only) may see of the log: entries of units in the subtrees where the
role is held; entries without a unit (log-ins, lockouts) only for auditors at a root unit and superusers."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuxin.core.forms import StyledForm
from chuxin.orgs.models import Role, Unit, subtrees_q
from chuxin.orgs.scope import scope_for

from .events import AuditEvent
from .models import AuditEntry


def auditor_paths(user) -> list[str] | None:
    """None: everything (superuser); [] : not an auditor anywhere."""
    scope = scope_for(user)
    if scope.is_all:
        return None
    return scope.paths([Role.AUDITOR])


class AuditSearchForm(StyledForm):
    unit = forms.CharField(label=_("Unit code (with its subordinates)"), required=False, max_length=32)
    person = forms.CharField(label=_("Account"), required=False, max_length=150)
    event = forms.ChoiceField(label=_("Event"), required=False, choices=[("", "—"), *AuditEvent.choices])
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


def search(user, data) -> tuple[AuditSearchForm, object]:
    """The form and the entries it selects (newest first), restricted to what the auditor may see."""
    form = AuditSearchForm(data or None)
    paths = auditor_paths(user)
    qs = AuditEntry.objects.select_related("unit").order_by("-id")
    if paths is not None:
        roots = [p for p in paths if len(p) == Unit.steplen]
        q = subtrees_q(paths, "unit__path")
        if roots:
            from django.db.models import Q

            q |= Q(unit__isnull=True)
        qs = qs.filter(q)
    if form.is_valid():
        d = form.cleaned_data
        if d["unit"]:
            unit = Unit.objects.filter(code=d["unit"].strip()).first()
            qs = qs.filter(unit__path__startswith=unit.path) if unit else qs.none()
        if d["person"]:
            qs = qs.filter(actor_name=d["person"].strip())
        if d["event"]:
            qs = qs.filter(action=d["event"])
        tz = timezone.get_current_timezone()
        if d["since"]:
            qs = qs.filter(at__gte=datetime.combine(d["since"], time.min, tz))
        if d["until"]:
            qs = qs.filter(at__lte=datetime.combine(d["until"], time.max, tz))
    elif data:
        qs = qs.none()
    return form, qs
