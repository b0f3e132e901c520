from django import forms
from django.utils.translation import gettext_lazy as _

from chuxin.core.forms import StyledForm
from chuxin.orgs.models import Rank

from .models import CriticismKind, MeetingKind, StudyKind, TopicKind


class MeetingForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    study_kind = forms.ChoiceField(
        label=_("Study form"), choices=[("", "—")] + list(StudyKind.choices), required=False
    )
    topic_kind = forms.ChoiceField(
        label=_("Education topic"), choices=[("", "—")] + list(TopicKind.choices), required=False
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    speaker = forms.CharField(label=_("Speaker"), max_length=120, required=False)
    materials = forms.CharField(
        label=_("Materials (one link or title per line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    required_rank = forms.TypedChoiceField(
        label=_("Required: rank at or above"), choices=Rank.choices, coerce=int
    )


class VenueForm(StyledForm):
    unit_code = forms.CharField(label=_("Unit code of the sub-venue"), max_length=32)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)


class CriticismForm(StyledForm):
    person = forms.TypedChoiceField(label=_("Person"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=CriticismKind.choices)
    text = forms.CharField(label=_("What was said"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pk, f"{p.name} · {p.position}") for p in people]


class MinutesForm(StyledForm):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
