from django.contrib import admin

from .models import CommitteeMember, Person, RoleAssignment, Unit, WorkDomain


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    """Names and kinds only. A unit is created and moved on the unit's own pages (orgs.actions
    do_create_unit / do_move_unit), which carry the roll-ups, the copied paths and the audit entry with it:
    a move here (treebeard's drag and drop or position fields) would leave them behind. Units are never
    deleted (they are deactivated)."""

    fields = ["code", "name", "short_name", "kind", "level", "committee_type", "is_active", "path"]
    readonly_fields = ["path"]
    list_display = ["name", "code", "kind", "level", "is_active"]
    search_fields = ["code", "name", "initials"]
    list_filter = ["kind", "level"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
