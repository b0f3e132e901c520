from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from chuxin.core.forms import StyledForm

from .models import Kind, Severity, Source, Status, WorkArea


class ProblemForm(StyledForm):
    title = forms.CharField(label=_("Problem"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    category = forms.CharField(label=_("Category"), max_length=60, required=False)
    domain = forms.TypedChoiceField(label=_("Work domain"), coerce=int, required=False, empty_value=None)
    root_cause = forms.CharField(
        label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    direction = forms.CharField(
        label=_("Direction and measures"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    work_areas = forms.TypedMultipleChoiceField(
        label=_("Work areas"),
        choices=WorkArea.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    severity = forms.TypedChoiceField(label=_("Severity"), choices=Severity.choices, coerce=int)
    topic = forms.TypedChoiceField(
        label=_("Special rectification topic"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, unit=None, topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = [("", "—")] + [(d.pk, d.name) for d in unit.domains.all()]
        self.topics = {t.pk: t for t in topics}
        if self.topics:
            self.fields["topic"].choices = [("", "—")] + [(t.pk, t.title) for t in topics]
        else:
            del self.fields["topic"]
        self.fields["work_areas"].widget.attrs["class"] = ""


def parse_stages(text: str) -> list[tuple[str, date]]:
    """One stage per line: 'goal | 2019-12-31'."""
    stages = []
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        goal, sep, when = line.rpartition("|")
        try:
            stages.append((goal.strip(), date.fromisoformat(when.strip())))
        except ValueError as exc:
            raise forms.ValidationError(
                _("Line %(n)s: write the stage as 'goal | YYYY-MM-DD'.") % {"n": n}
            ) from exc
        if not sep:
            raise forms.ValidationError(_("Line %(n)s: write the stage as 'goal | YYYY-MM-DD'.") % {"n": n})
    return stages


class ItemForm(StyledForm):
    measures = forms.CharField(label=_("Measures"), widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(label=_("Kind of rectification"), choices=Kind.choices)
    responsible_person = forms.TypedChoiceField(label=_("Responsible person"), coerce=int)
    responsible_leader = forms.TypedChoiceField(
        label=_("Responsible leader"), coerce=int, required=False, empty_value=None
    )
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    requirements = forms.CharField(
        label=_("Requirements"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    stages = forms.CharField(
        label=_("Stage goals (long-term), one per line: goal | YYYY-MM-DD"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(p.pk, f"{p.name} · {p.position}") for p in people]
        self.fields["responsible_person"].choices = choices
        self.fields["responsible_leader"].choices = [("", "—")] + choices

    def clean_stages(self):
        return parse_stages(self.cleaned_data["stages"])


class ItemEditForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    measures = forms.CharField(label=_("Measures"), widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    requirements = forms.CharField(
        label=_("Requirements"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class LedgerFilterForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All"))] + Status.choices, required=False)
    kind = forms.ChoiceField(
        label=_("Kind of rectification"), choices=[("", _("All"))] + Kind.choices, required=False
    )
    source = forms.ChoiceField(label=_("Source"), choices=[("", _("All"))] + Source.choices, required=False)
    person = forms.CharField(label=_("Responsible person"), max_length=60, required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    subtree = forms.BooleanField(label=_("Include subordinate units"), required=False)
    # 专项整治: the ledger of one special-rectification topic (linked from the topic's page)
    topic = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
