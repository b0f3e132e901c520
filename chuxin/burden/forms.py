from django import forms
from django.utils.translation import gettext_lazy as _

from chuxin.core.forms import StyledForm

from .models import RequestKind


class RequestForm(StyledForm):
    title = forms.CharField(label=_("Request title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of request"), choices=RequestKind.choices)
    fields_asked = forms.CharField(
        label=_("Fields asked, one per line"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
        help_text=_("Fields the platform already computes are marked and shown on the burden meter."),
    )
    to_children = forms.BooleanField(label=_("Every unit directly below"), required=False, initial=True)
    to_codes = forms.CharField(
        label=_("Or these units (codes, one per line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=50_000,
    )
    due_date = forms.DateField(
        label=_("Due by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Request note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def field_lines(self) -> list[str]:
        return [line for line in self.cleaned_data["fields_asked"].splitlines() if line.strip()]

    def codes(self) -> list[str]:
        return [c.strip() for c in self.cleaned_data.get("to_codes", "").split() if c.strip()]
