from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chuxin.core.forms import StyledForm
from chuxin.orgs.models import UnitKind

from .models import ReferralOutcome


class TopicForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=pgettext_lazy("special topic", "Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    done_criteria = forms.CharField(
        label=_("What counts as done"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    unit_kinds = forms.MultipleChoiceField(
        label=_("Kinds of unit covered"),
        choices=UnitKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to cover every unit of the subtree."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_kinds"].widget.attrs["class"] = ""


class NoneFoundForm(StyledForm):
    reason = forms.CharField(
        label=_("Why nothing was found"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ChallengeForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason for the challenge"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReferralForm(StyledForm):
    reason = forms.CharField(
        label=_("Facts and reason for referral"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )


class ReferralStepForm(StyledForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", "—"), *ReferralOutcome.choices], required=False
    )
    text = forms.CharField(
        label=_("Conclusion or reason"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NoticeForm(StyledForm):
    as_of = forms.DateField(label=_("Figures as of"), widget=forms.DateInput(attrs={"type": "date"}))
    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=9999)
    issue_date = forms.DateField(label=_("Issue date"), widget=forms.DateInput(attrs={"type": "date"}))
    cc = forms.CharField(label=_("Copy to (抄送)"), max_length=200, required=False)

    @staticmethod
    def defaults() -> dict:
        today = timezone.localdate().isoformat()
        return {"as_of": today, "number": 1, "issue_date": today, "cc": ""}

    def clean_as_of(self):
        value = self.cleaned_data["as_of"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Figures cannot be as of a future date."))
        return value
