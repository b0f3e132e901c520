from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuxin.core.forms import StyledForm

from .generate import BRIEFING, NOTICE


def defaults(campaign) -> dict:
    """A running campaign: this month so far, issued today. A closed one: the whole campaign, as of its
    last day (the end of the period the document reports)."""
    today = timezone.localdate()
    end = campaign.report_day(today)
    start = campaign.launched_on if campaign.is_closed and campaign.launched_on else end.replace(day=1)
    return {
        "kind": NOTICE,
        "date_from": min(start, end).isoformat(),
        "date_to": end.isoformat(),
        "number": 1,
        "issue_date": end.isoformat(),
        "cc": "",
    }


class DocumentForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(NOTICE, _("Notice (通报)")), (BRIEFING, _("Briefing (简报)"))]
    )
    date_from = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label=_("Period to"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "The document's figures are as of this day: before today, as the daily snapshot of that day "
            "kept them."
        ),
    )
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
