from django import forms
from django.utils.translation import gettext_lazy as _

from chuxin.core.forms import StyledForm


class TopicForm(StyledForm):
    title = forms.CharField(label=_("Research topic"), max_length=200)
    field = forms.CharField(label=_("Field"), max_length=120, required=False)
    cadre = forms.TypedChoiceField(label=_("Leading cadre"), coerce=int)
    units_to_visit = forms.CharField(
        label=_("Units to visit (unit codes, separated by spaces or commas)"), max_length=500, required=False
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].choices = [(p.pk, f"{p.name} · {p.position}") for p in people]

    def clean_units_to_visit(self):
        raw = self.cleaned_data["units_to_visit"].replace("，", " ").replace(",", " ")
        return [c for c in raw.split() if c]


class VisitForm(StyledForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=200)
    met = forms.CharField(label=_("Whom we met"), max_length=300, required=False)
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ReportForm(StyledForm):
    problem_is = forms.CharField(
        label=_("What is the problem"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    crux = forms.CharField(
        label=_("Where is the crux"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    solutions = forms.CharField(
        label=_("What are the real and hard measures"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


class LineForm(StyledForm):
    title = forms.CharField(label=_("Problem"), max_length=200)
    root_cause = forms.CharField(
        label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReviewForm(StyledForm):
    note = forms.CharField(label=_("Review note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ExchangeForm(StyledForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
