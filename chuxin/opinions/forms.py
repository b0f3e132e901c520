from django import forms
from django.utils.translation import gettext_lazy as _

from chuxin.core.forms import StyledForm

from .abuse import HONEYPOT_FIELD, MAX_TEXT
from .models import OFFICE_CHANNELS


class PublicChallengeForm(StyledForm):
    """The anti-abuse fields of every public form: the image's sum, its signed token and the honeypot."""

    answer = forms.CharField(
        label=_("The sum in the picture"),
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    token = forms.CharField(widget=forms.HiddenInput)
    # The honeypot: hidden from people by CSS and aria-hidden; bots fill it in.
    website = forms.CharField(label="Website", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hp = self.fields[HONEYPOT_FIELD].widget.attrs
        hp.update({"tabindex": "-1", "autocomplete": "off"})


class PublicOpinionForm(PublicChallengeForm):
    text = forms.CharField(
        label=_("Your opinion or suggestion"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_TEXT}),
    )
    anonymous = forms.BooleanField(
        label=_("Submit anonymously (leave no contact)"), required=False, initial=True
    )
    contact_name = forms.CharField(label=_("Name (optional)"), max_length=40, required=False)
    contact_phone = forms.CharField(
        label=_("Phone, for our answer (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class RecordOpinionForm(StyledForm):
    channel = forms.ChoiceField(label=_("Channel"), choices=OFFICE_CHANNELS)
    taken_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    taken_by = forms.CharField(label=_("Taken down by"), max_length=60, required=False)
    text = forms.CharField(label=_("Opinion"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}))
    contact_name = forms.CharField(label=_("Name (optional)"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("Phone (optional)"), max_length=20, required=False)


class ReceiptForm(StyledForm):
    code = forms.CharField(label=_("Receipt code"), max_length=16)
