from django import forms
from django.utils.translation import gettext_lazy as _

from chuxin.core.forms import StyledForm

from .models import CommitteeType, Role, UnitKind, UnitLevel


class UnitForm(StyledForm):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    level = forms.TypedChoiceField(label=_("Level"), choices=UnitLevel.choices, coerce=int)
    committee_type = forms.ChoiceField(
        label=_("Party organisation"), choices=CommitteeType.choices, initial=CommitteeType.COMMITTEE
    )


class UnitMoveForm(StyledForm):
    target = forms.CharField(label=_("Code of the new parent unit"), max_length=32)


class RoleForm(StyledForm):
    person = forms.IntegerField(label=_("Person (number)"), min_value=1)
    unit_code = forms.CharField(label=_("Unit code"), max_length=32)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class SearchForm(StyledForm):
    q = forms.CharField(label=_("Name, code or pinyin initials"), max_length=60, required=False)
