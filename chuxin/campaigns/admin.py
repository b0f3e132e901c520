from django.contrib import admin

from .models import Batch, Campaign, Goal, Strand


class GoalInline(admin.TabularInline):
    model = Goal


class StrandInline(admin.TabularInline):
    model = Strand


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "root_unit", "launched_on"]
    inlines = [GoalInline, StrandInline]
    raw_id_fields = ["root_unit"]


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ["campaign", "number", "name", "start", "end"]
    raw_id_fields = ["units"]
