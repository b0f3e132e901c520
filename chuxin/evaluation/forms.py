from django import forms
from django.utils.translation import gettext_lazy as _

from chuxin.core.forms import StyledForm
from chuxin.opinions.forms import PublicChallengeForm

from .models import MAX_MIN_RESPONSES, Grade, Satisfaction
from .scores import LABELS


class WeightsForm(StyledForm):
    """The six weights, in whole percent; the action checks that they add up to 100."""

    w_study = forms.IntegerField(label=LABELS["study"], min_value=0, max_value=100)
    w_rectify = forms.IntegerField(label=LABELS["rectify"], min_value=0, max_value=100)
    w_overdue = forms.IntegerField(label=LABELS["overdue"], min_value=0, max_value=100)
    w_answers = forms.IntegerField(label=LABELS["answers"], min_value=0, max_value=100)
    w_survey = forms.IntegerField(label=LABELS["survey"], min_value=0, max_value=100)
    w_rating = forms.IntegerField(label=LABELS["rating"], min_value=0, max_value=100)
    min_responses = forms.IntegerField(
        label=_("Minimum number of survey responses"),
        min_value=1,
        max_value=MAX_MIN_RESPONSES,
        required=False,  # left empty: unchanged (30 at set-up)
        help_text=_(
            "A subtree with fewer responses shows “too few responses”; its survey weight goes to the other parts."
        ),
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)  # checked by the action

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["min_responses"].widget.attrs.update({"inputmode": "numeric", "style": "max-width: 7rem"})
        for name, field in self.fields.items():
            if name.startswith("w_"):
                field.widget.attrs.update({"inputmode": "numeric", "style": "max-width: 7rem"})
                field.help_text = _("percent")


class SurveyForm(PublicChallengeForm):
    """The public survey: one 5-level answer per question (rendered as buttons), a remark, the challenge."""

    comment = forms.CharField(
        label=_("Anything else you want to tell us (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
    )

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for q in self.questions:
            self.fields[f"a{q.slot}"] = forms.TypedChoiceField(
                label=q.text,
                choices=Satisfaction.choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer to this question.")},
            )

    def rows(self):
        """(question, bound field) for the template, in slot order."""
        return [(q, self[f"a{q.slot}"]) for q in self.questions]

    def answers(self) -> dict[int, int]:
        return {q.slot: self.cleaned_data[f"a{q.slot}"] for q in self.questions}


class RatingForm(StyledForm):
    """A guidance group's grade per criterion, and its remarks."""

    comment = forms.CharField(
        label=_("Remarks of the group"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)  # checked by the action

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for q in self.criteria:
            self.fields[f"r{q.slot}"] = forms.TypedChoiceField(
                label=q.text,
                choices=Grade.choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Grade this criterion.")},
            )

    def rows(self):
        return [(q, self[f"r{q.slot}"]) for q in self.criteria]

    def grades(self) -> dict[int, int]:
        return {q.slot: self.cleaned_data[f"r{q.slot}"] for q in self.criteria}
