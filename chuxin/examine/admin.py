from django.contrib import admin

from .models import ComparisonHeading


@admin.register(ComparisonHeading)
class ComparisonHeadingAdmin(admin.ModelAdmin):
    """Each campaign defines its comparison headings (找差距 checklists); the demo's are the four of 2019."""

    list_display = ["campaign", "order", "title"]
    list_filter = ["campaign"]
    ordering = ["campaign", "order", "id"]
