from django import forms
from django.utils.translation import gettext_lazy as _

from chuxin.core.forms import StyledForm
from chuxin.problems.models import WorkArea
from chuxin.special.models import Topic

from .models import CaseKind, Visibility


class CaseForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind of case"), choices=CaseKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=300, required=False)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20000)
    work_areas = forms.TypedMultipleChoiceField(
        label=_("Work areas"),
        choices=WorkArea.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    topic = forms.ModelChoiceField(
        label=_("Special rectification topic"),
        queryset=None,
        required=False,
        empty_label=_("Not under a special topic"),
    )
    visibility = forms.ChoiceField(
        label=_("Published to"), choices=Visibility.choices, initial=Visibility.SUBTREE
    )

    def __init__(self, *args, topics=None, **kwargs):
        """`topics`: the special-rectification topics of the campaign that cover the unit."""
        super().__init__(*args, **kwargs)
        self.fields["work_areas"].widget.attrs["class"] = ""
        self.fields["topic"].queryset = topics if topics is not None else Topic.objects.none()


class SearchForm(StyledForm):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("Kind of case"), choices=[("", _("All")), *CaseKind.choices], required=False
    )
