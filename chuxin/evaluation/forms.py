from django import forms
from django.utils.translation import gettext_lazy as _

from chuxin.core.forms import StyledForm

from .scores import LABELS


class WeightsForm(StyledForm):
    """The six weights, in whole percent; the action checks that they add up to 100."""

    w_study = forms.IntegerField(label=LABELS["study"], min_value=0, max_value=100)
    w_rectify = forms.IntegerField(label=LABELS["rectify"], min_value=0, max_value=100)
    w_overdue = forms.IntegerField(label=LABELS["overdue"], min_value=0, max_value=100)
    w_answers = forms.IntegerField(label=LABELS["answers"], min_value=0, max_value=100)
    w_survey = forms.IntegerField(label=LABELS["survey"], min_value=0, max_value=100)
    w_rating = forms.IntegerField(label=LABELS["rating"], min_value=0, max_value=100)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name.startswith("w_"):
                field.widget.attrs.update({"inputmode": "numeric", "style": "max-width: 7rem"})
                field.help_text = _("percent")
