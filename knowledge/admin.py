from django import forms
from django.contrib import admin, messages
from django.contrib.postgres.forms import SimpleArrayField
from django.db.models import Count
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from . import hygiene, services
from .models import CustomerContext, KnowledgeChunk, KnowledgeDocument


class KnowledgeDocumentForm(forms.ModelForm):
    tags = SimpleArrayField(forms.CharField(max_length=40), required=False, help_text="Comma-separated.")
    approve_flagged = forms.BooleanField(
        required=False, label="Approve flagged text",
        help_text="This document has text written to the assistant or hidden from readers (listed under Review). "
                  "Tick to publish this exact version anyway: such text is still never quoted to customers.",
    )

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
    list_display = ["title", "source", "version", "indexed_version", "chunk_count", "active", "review_status",
                    "updated_at"]
    list_filter = ["active", "review_status"]
    search_fields = ["title", "body", "source"]
    readonly_fields = ["version", "indexed_version", "indexed_at", "updated_at", "review_status", "findings",
                       "reviewed_by"]
    inlines = [KnowledgeChunkInline]
    actions = ["reindex", "approve_flagged_text"]

    def get_fields(self, request, obj=None):
        fields = ["title", "source", "tags", "active", "body", "version", "indexed_version", "indexed_at",
                  "updated_at", "review_status", "findings", "reviewed_by"]
        if obj is not None and obj.hygiene_findings:
            fields.insert(fields.index("review_status") + 1, "approve_flagged")
        return fields

    @admin.display(description="findings")
    def findings(self, obj):
        if not obj.hygiene_findings:
            return "None: no instruction-like or hidden text."
        return format_html_join(
            mark_safe("<br>"), "line {}: {} — <code>{}</code>",
            ((f["line"], hygiene.KINDS.get(f["kind"], f["kind"]), f["text"]) for f in obj.hygiene_findings),
        )

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
            approved_by=request.user if form.cleaned_data.get("approve_flagged") else None,
        )
        obj.pk, obj.version, obj.review_status = saved.pk, saved.version, saved.review_status
        if saved.review_status == KnowledgeDocument.ReviewStatus.HELD:
            self.message_user(
                request, f"“{saved.title}” is held for review: it has text written to the assistant or hidden from "
                "readers (see Review). It is not used until you remove that text or approve it.",
                level=messages.WARNING,
            )

    @admin.action(description="Approve flagged text and publish (held documents)",
                  permissions=["change"])
    def approve_flagged_text(self, request, queryset):
        approved = 0
        for document in queryset.filter(review_status=KnowledgeDocument.ReviewStatus.HELD):
            services.document_save(document=document, title=document.title, body=document.body,
                                   source=document.source, tags=document.tags, active=document.active,
                                   approved_by=request.user)
            approved += 1
        self.message_user(request, f"Approved {approved} held document(s); active ones are re-indexed.")

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
