from django import forms
from django.contrib import admin
from django.contrib.postgres.forms import SimpleArrayField
from django.db.models import Count

from . import services
from .models import CustomerContext, KnowledgeChunk, KnowledgeDocument


class KnowledgeDocumentForm(forms.ModelForm):
    tags = SimpleArrayField(forms.CharField(max_length=40), required=False, help_text="Comma-separated.")

    class Meta:
        model = KnowledgeDocument
        fields = ["title", "source", "tags", "active", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 30, "cols": 120})}


class KnowledgeChunkInline(admin.TabularInline):
    model = KnowledgeChunk
    fields = ["ordinal", "heading", "text", "document_version"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(KnowledgeDocument)
class KnowledgeDocumentAdmin(admin.ModelAdmin):
    form = KnowledgeDocumentForm
    list_display = ["title", "source", "version", "indexed_version", "chunk_count", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["title", "body", "source"]
    readonly_fields = ["version", "indexed_version", "indexed_at", "updated_at"]
    inlines = [KnowledgeChunkInline]
    actions = ["reindex"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(chunk_total=Count("chunks"))

    @admin.display(description="chunks", ordering="chunk_total")
    def chunk_count(self, obj):
        return obj.chunk_total

    def save_model(self, request, obj, form, change):
        """Saving goes through the service: it bumps the version and queues the re-index after commit."""
        saved, _ = services.document_save(
            document=KnowledgeDocument.objects.get(pk=obj.pk) if change else None,
            title=form.cleaned_data["title"], body=form.cleaned_data["body"], source=form.cleaned_data["source"],
            tags=form.cleaned_data["tags"], active=form.cleaned_data["active"],
        )
        obj.pk, obj.version = saved.pk, saved.version

    @admin.action(description="Re-chunk and re-embed now (queued)")
    def reindex(self, request, queryset):
        for document in queryset:
            services._enqueue_reindex(document.pk)
        self.message_user(request, f"Queued {queryset.count()} document(s) for re-indexing.")


@admin.register(CustomerContext)
class CustomerContextAdmin(admin.ModelAdmin):
    list_display = ["customer", "updated_at"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    readonly_fields = ["data", "updated_at"]
