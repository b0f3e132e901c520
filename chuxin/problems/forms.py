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
    for n, line in enumerate((text or "").replace("｜", "|").splitlines(), 1):
        if not line.strip():
            continue
        goal, sep, when = line.rpartition("|")
        try:
            parsed = parse_date(when)
            if parsed is None:
                raise ValueError(when)
            stages.append((goal.strip(), parsed))
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
    """The deadline is not here: it moves only by an approved extension request (延期申请)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    measures = forms.CharField(label=_("Measures"), widget=forms.Textarea(attrs={"rows": 3}))
    requirements = forms.CharField(
        label=_("Requirements"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class LedgerFilterForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All"))] + Status.choices, required=False)
    kind = forms.ChoiceField(
        label=_("Kind of rectification"), choices=[("", _("All"))] + Kind.choices, required=False
    )
    source = forms.ChoiceField(label=_("Source"), choices=[("", _("All"))] + Source.choices, required=False)
    # 服务中心工作 (M13): the items of problems tagged with this one central task (a WorkArea bit)
    area = forms.TypedChoiceField(
        label=_("Work areas"),
        choices=[("", _("All"))] + WorkArea.choices,
        coerce=int,
        empty_value=None,
        required=False,
    )
    person = forms.CharField(label=_("Responsible person"), max_length=60, required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    # The ledger shows the unit and its subordinates (本单位及下级单位); this narrows it to the unit itself.
    own = forms.BooleanField(label=_("This unit only"), required=False)
    # 专项整治: the ledger of one special-rectification topic (linked from the topic's page)
    topic = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class ExtensionForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    new_deadline = forms.DateField(
        label=_("Requested deadline"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason for the extension"), widget=forms.Textarea(attrs={"rows": 2}))


def parse_date(text: str) -> date | None:
    """ISO dates from the date picker, and the way offices write them: 2027年3月31日, 2027/3/31, 2027.3.31."""
    import re

    text = (text or "").strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if not m:
        raise ValueError(text)
    return date(int(m[1]), int(m[2]), int(m[3]))


def stage_rows(data) -> tuple[list[dict], list[tuple[str, date]], list[str]]:
    """Stage goals posted as rows (stage_goal / stage_date, one pair per row). Returns the rows as typed
    (to show them again), the parsed stages, and error messages; empty rows are ignored."""
    goals = data.getlist("stage_goal") if hasattr(data, "getlist") else []
    dates = data.getlist("stage_date") if hasattr(data, "getlist") else []
    rows, stages, errors = [], [], []
    for n, (goal, when) in enumerate(zip(goals, dates, strict=False), 1):
        rows.append({"goal": goal, "date": when})
        if not goal.strip() and not when.strip():
            continue
        if not goal.strip():
            errors.append(_("Stage %(n)s: write the goal.") % {"n": n})
            continue
        try:
            target = parse_date(when)
        except ValueError:
            target = None
        if target is None:
            errors.append(_("Stage %(n)s: choose its target date.") % {"n": n})
            continue
        stages.append((goal.strip(), target))
    return rows, stages, errors


class RecordForm(StyledForm):
    """One page for a problem and its first rectification item (the minimal 限期整改 path: problem,
    measures, responsible person, deadline, requirements)."""

    title = forms.CharField(label=_("Problem"), max_length=200)
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.SELF_EXAMINATION)
    domain = forms.TypedChoiceField(label=_("Work domain"), coerce=int, required=False, empty_value=None)
    responsible_leader = forms.TypedChoiceField(
        label=_("Responsible leader"), coerce=int, required=False, empty_value=None
    )
    measures = forms.CharField(label=_("Measures"), widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.DEADLINE)
    person = forms.CharField(label=_("Responsible person"), max_length=200)
    deadline = forms.CharField(
        label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    requirements = forms.CharField(
        label=_("Requirements"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    # less often needed: folded away on the page
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    category = forms.CharField(label=_("Category"), max_length=60, required=False)
    root_cause = forms.CharField(
        label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    severity = forms.TypedChoiceField(
        label=_("Severity"), choices=Severity.choices, coerce=int, initial=Severity.GENERAL
    )
    work_areas = forms.TypedMultipleChoiceField(
        label=_("Work areas"),
        choices=WorkArea.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    topic = forms.TypedChoiceField(
        label=_("Special rectification topic"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, unit=None, people=(), leaders=(), topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.topics = {t.pk: t for t in topics}
        if self.topics:  # 专项整治: only where a topic covers the unit
            self.fields["topic"].choices = [("", "—")] + [(t.pk, t.title) for t in topics]
        else:
            del self.fields["topic"]
        self.people = {self.person_label(p): p for p in people}
        self.fields["domain"].choices = [("", "—")] + [(d.pk, d.name) for d in unit.domains.all()]
        self.fields["responsible_leader"].choices = [("", _("By work domain (一岗双责)"))] + [
            (p.pk, f"{p.name} · {p.position}") for p in leaders
        ]
        self.leaders = {p.pk: p for p in leaders}
        self.fields["work_areas"].widget.attrs["class"] = ""
        self.fields["person"].widget.attrs.update({"list": "people-list", "autocomplete": "off"})
        self.stage_rows, self.stages = [], []
        if self.is_bound:
            self.stage_rows, self.stages, self.stage_errors = stage_rows(self.data)
        else:
            self.stage_errors = []
        if not self.stage_rows:
            self.stage_rows = [{"goal": "", "date": ""}, {"goal": "", "date": ""}]

    @staticmethod
    def person_label(p) -> str:
        return f"{p.name} · {p.position}" if p.position else p.name

    def clean_person(self):
        text = self.cleaned_data["person"].strip()
        if text in self.people:
            return self.people[text]
        by_name = [p for p in self.people.values() if p.name == text]
        if len(by_name) == 1:
            return by_name[0]
        raise forms.ValidationError(_("Choose the responsible person from the list."))

    def clean_deadline(self):
        try:
            return parse_date(self.cleaned_data["deadline"])
        except ValueError as exc:
            raise forms.ValidationError(_("Write the date as 2019-10-31 or 2019年10月31日.")) from exc

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Kind.DEADLINE:
            if not data.get("deadline") and "deadline" not in self.errors:
                self.add_error("deadline", _("Fix-by-deadline needs a deadline."))
            if not (data.get("requirements") or "").strip():
                self.add_error("requirements", _("Fix-by-deadline needs its requirements."))
        if kind == Kind.LONG_TERM:
            for e in self.stage_errors:
                self.add_error(None, e)
            if not self.stages and not self.stage_errors:
                self.add_error(
                    None, _("A long-term item needs at least one stage goal with its target date.")
                )
        return data
