from django.contrib import admin

from .models import Feedback, SatisfactionSurvey


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "message", "comment", "created_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["comment", "message__text"]
    list_select_related = ["message"]
    raw_id_fields = ["message"]


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "rating", "understood", "tone_ok", "created_at"]
    list_filter = ["rating", "understood", "tone_ok", "created_at"]
    search_fields = ["comment", "conversation__customer__name"]
    list_select_related = ["conversation__customer"]
    raw_id_fields = ["conversation"]
