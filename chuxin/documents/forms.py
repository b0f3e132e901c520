from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuxin.core.forms import StyledForm

from .generate import BRIEFING, NOTICE


def defaults() -> dict:
    today = timezone.localdate()
    return {
        "kind": NOTICE,
        "date_from": today.replace(day=1).isoformat(),
        "date_to": today.isoformat(),
        "number": 1,
        "issue_date": today.isoformat(),
        "cc": "",
    }


class DocumentForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(NOTICE, _("Notice (通报)")), (BRIEFING, _("Briefing (简报)"))]
    )
    date_from = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"}))
    number = forms.IntegerField(
        label=_("Number"),
        min_value=1,
        max_value=9999,
        help_text=_("Sequence number of the notice, or issue number of the briefing."),
    )
    issue_date = forms.DateField(label=_("Issue date"), widget=forms.DateInput(attrs={"type": "date"}))
    cc = forms.CharField(
        label=_("Copy to (抄送)"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to copy the office of the unit above."),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The period must not end before it starts."))
        return data
