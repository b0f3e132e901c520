from django import forms
from django.utils.translation import gettext_lazy as _

from chuxin.core.forms import StyledForm
from chuxin.problems.models import Severity


class VisitForm(StyledForm):
    unit = forms.TypedChoiceField(label=_("Unit visited"), coerce=int)
    planned_on = forms.DateField(label=_("Planned for"), widget=forms.DateInput(attrs={"type": "date"}))
    purpose = forms.CharField(label=_("Purpose"), max_length=300)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]


class VisitLogForm(StyledForm):
    visited_on = forms.DateField(label=_("Visited on"), widget=forms.DateInput(attrs={"type": "date"}))
    talks = forms.CharField(
        label=_("Talks held"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    documents = forms.CharField(
        label=_("Documents checked"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )
    spot_checks = forms.CharField(
        label=_("Spot checks"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )


class FindingForm(StyledForm):
    title = forms.CharField(label=_("Finding"), max_length=200)
    description = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    severity = forms.TypedChoiceField(label=_("Severity"), choices=Severity.choices, coerce=int)
