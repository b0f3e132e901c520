from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import CommitteeMember, Person, RoleAssignment, Unit, WorkDomain


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = movenodeform_factory(Unit, exclude=["initials"])
    list_display = ["name", "code", "kind", "level", "is_active"]
    search_fields = ["code", "name", "initials"]
    list_filter = ["kind", "level"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "rank", "home_unit", "user"]
    search_fields = ["name"]
    raw_id_fields = ["home_unit", "user"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["person", "unit", "role"]
    list_filter = ["role"]
    raw_id_fields = ["person", "unit"]


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(admin.ModelAdmin):
    list_display = ["unit", "person", "post"]
    raw_id_fields = ["unit", "person"]


@admin.register(WorkDomain)
class WorkDomainAdmin(admin.ModelAdmin):
    list_display = ["unit", "name"]
    raw_id_fields = ["unit"]
