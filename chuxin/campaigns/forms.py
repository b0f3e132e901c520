from django import forms
from django.utils.translation import gettext_lazy as _

from chuxin.core.forms import StyledForm
from chuxin.orgs.models import Rank


class CampaignForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    root_unit = forms.CharField(label=_("Leading unit (code)"), max_length=32)
    general_requirement = forms.CharField(label=_("General requirement"), max_length=200)
    fundamental_task = forms.CharField(label=_("Fundamental task"), widget=forms.Textarea(attrs={"rows": 3}))
    goals = forms.CharField(
        label=_("Specific goals, one per line"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    strands = forms.CharField(
        label=_("Strands, one per line: name: description"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=4000,
    )
    focus_rank = forms.TypedChoiceField(
        label=_("Focus group: rank at or above"), choices=Rank.choices, coerce=int, initial=Rank.VICE_COUNTY
    )
    launched_on = forms.DateField(
        label=_("Launched on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_goals(self):
        return [line.strip()[:200] for line in self.cleaned_data["goals"].splitlines() if line.strip()]

    def clean_strands(self):
        out = []
        for line in self.cleaned_data["strands"].splitlines():
            line = line.strip()
            if not line:
                continue
            title, _sep, description = line.replace("：", ":", 1).partition(":")
            if not title.strip():
                raise forms.ValidationError(_("Every strand needs a name."))
            out.append((title.strip()[:60], description.strip()))
        titles = [t for t, _d in out]
        if len(set(titles)) != len(titles):
            raise forms.ValidationError(_("Two strands have the same name."))
        return out


def strands_text(strands) -> str:
    """The strands as the form's textarea shows them."""
    return "\n".join(f"{title}：{description}" if description else title for title, description in strands)


class CampaignEditForm(CampaignForm):
    """Editing a campaign: everything but its leading unit; the end date too."""

    ended_on = forms.DateField(
        label=_("Ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(label=_("Campaign status"), choices=[])

    def __init__(self, *args, **kwargs):
        from .models import CampaignStatus

        super().__init__(*args, **kwargs)
        del self.fields["root_unit"]
        self.fields["status"].choices = [
            (CampaignStatus.PLANNED, CampaignStatus.PLANNED.label),
            (CampaignStatus.RUNNING, CampaignStatus.RUNNING.label),
        ]


class BatchForm(StyledForm):
    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=99)
    name = forms.CharField(label=_("Name"), max_length=120)
    start = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("End"), widget=forms.DateInput(attrs={"type": "date"}))
    unit_codes = forms.CharField(
        label=_("Codes of the subtrees covered, separated by spaces or commas"),
        required=False,
        max_length=4000,
    )
    description = forms.CharField(label=_("Who takes part"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("A batch cannot end before it starts."))
        data["unit_codes"] = [c for c in data.get("unit_codes", "").replace(",", " ").split() if c]
        return data


class LocalAdditionForm(StyledForm):
    """A goal, or a strand's emphasis, that a unit adds for its own subtree."""

    unit = forms.CharField(label=_("Unit (code)"), max_length=32)
    what = forms.ChoiceField(label=_("Add"), choices=[])
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, strands=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["what"].choices = [("goal", _("A specific goal"))] + [
            (st.key, _("Emphasis of %(strand)s") % {"strand": st.title}) for st in strands
        ]
