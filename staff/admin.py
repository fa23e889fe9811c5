from django.contrib import admin

from .models import BusinessHours, Holiday
from .services import business_hours_save, holiday_delete, holiday_save


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    """One row per weekday (created by the data migration): edited, never added or deleted."""

    list_display = ["weekday", "closed", "opens_at", "closes_at", "updated_by", "updated_at"]
    list_editable = ["closed", "opens_at", "closes_at"]
    fields = ["weekday", "closed", "opens_at", "closes_at", "updated_by", "updated_at"]
    readonly_fields = ["weekday", "updated_by", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        business_hours_save(hours=obj, user=request.user)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "closed", "opens_at", "closes_at", "updated_by", "updated_at"]
    date_hierarchy = "date"
    fields = ["date", "name", "closed", "opens_at", "closes_at", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        holiday_save(holiday=obj, user=request.user)

    def delete_model(self, request, obj):
        holiday_delete(holiday=obj)

    def delete_queryset(self, request, queryset):
        for holiday in queryset:
            holiday_delete(holiday=holiday)
