"""The fast form renderer writes, for every form field of the app, the markup Django's templates write."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from chuxin.core.formrender import FastRenderer
from chuxin.problems.forms import ItemForm, LedgerFilterForm, ProblemForm


class Everything(forms.Form):
    text = forms.CharField(max_length=20, initial='a "quoted" <b>')
    hidden = forms.IntegerField(widget=forms.HiddenInput, required=False)
    number = forms.IntegerField(min_value=1, required=False)
    email = forms.EmailField(required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), initial=datetime.date(2019, 5, 31))
    flag = forms.BooleanField(required=False, initial=True)
    choice = forms.ChoiceField(
        choices=[("", "—"), ("a", "A & B"), ("<x>", mark_safe("<i>safe</i>"))], initial="<x>"
    )
    grouped = forms.ChoiceField(choices=[("g", [("1", "one"), ("2", "two")]), ("3", "three")], initial="2")
    many = forms.MultipleChoiceField(choices=[("1", "one"), ("2", "two")], initial=["2"], required=False)
    radio = forms.ChoiceField(choices=[("1", "one")], widget=forms.RadioSelect, required=False)
    area = forms.CharField(widget=forms.Textarea, initial="x<y")


def _fields(form):
    return [str(bf) for bf in form]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Everything(),
        lambda: Everything({"text": "<script>", "number": "x", "choice": "a", "grouped": "g", "flag": ""}),
        lambda: LedgerFilterForm({"status": "in_progress", "subtree": "on", "person": '张"三'}),
        lambda: LedgerFilterForm(),
    ],
)
def test_the_fast_renderer_writes_what_djangos_templates_write(make, db):
    fast, slow = make(), make()
    fast.renderer, slow.renderer = FastRenderer(), DjangoTemplates()
    assert _fields(fast) == _fields(slow)


def test_the_apps_forms_render_alike(db):
    from chuxin.orgs.models import Unit

    unit = Unit.objects.get(code="440604")
    for form in (ProblemForm(unit=unit, topics=[]), ItemForm(people=list(unit.people.all()[:5]))):
        other = (
            type(form)(unit=unit, topics=[])
            if isinstance(form, ProblemForm)
            else ItemForm(people=list(unit.people.all()[:5]))
        )
        form.renderer, other.renderer = FastRenderer(), DjangoTemplates()
        assert _fields(form) == _fields(other)
