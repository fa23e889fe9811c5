from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from . import admin_views
from .models import (
    BookingReplyLink,
    Correction,
    Exemplar,
    ExemplarCalibration,
    Experiment,
    ExperimentAssignment,
    Feedback,
    LabeledExample,
    ModelVersion,
    ReviewItem,
    RewardScore,
    SatisfactionSurvey,
    SurveyRequest,
    TutorPair,
    UpsellOffer,
)
from .selectors import exemplar_calibration_latest, exemplar_outcomes
from .services.exemplars import exemplar_edit
from .services.rewards import tutor_pairs_with_outcomes


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


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    """The plain list of review items; staff work them in the review queue (custom views below)."""

    change_list_template = "admin/learning/reviewitem/change_list.html"
    list_display = ["id", "priority", "status", "agent", "intent", "channel", "route", "confidence", "sent_at"]
    list_filter = ["status", "channel", "route", "sent_at"]
    search_fields = ["message__text", "agent", "intent"]
    raw_id_fields = ["message", "conversation", "knowledge_document", "reviewed_by"]
    list_select_related = ["message"]
    show_full_result_count = False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("queue/", wrap(lambda request: admin_views.queue_view(self, request)), name="learning_review_queue"),
            path("queue/<int:pk>/", wrap(lambda request, pk: admin_views.item_view(self, request, pk)),
                 name="learning_review_item"),
            *super().get_urls(),
        ]


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["id", "message", "corrected_by", "approved", "created_at"]
    list_filter = ["approved", "created_at"]
    search_fields = ["original_text", "corrected_text"]
    raw_id_fields = ["message", "corrected_by"]
    actions = ["approve", "unapprove"]

    @admin.action(description="Approve for training")
    def approve(self, request, queryset):
        self.message_user(request, f"{queryset.update(approved=True)} corrections approved.")

    @admin.action(description="Withdraw from training")
    def unapprove(self, request, queryset):
        self.message_user(request, f"{queryset.update(approved=False)} corrections withdrawn.")


@admin.register(LabeledExample)
class LabeledExampleAdmin(admin.ModelAdmin):
    list_display = ["id", "text", "intent", "tone", "sentiment", "source", "confidence", "verified", "created_at"]
    list_filter = ["source", "verified", "intent", "tone", "sentiment"]
    search_fields = ["text"]
    raw_id_fields = ["message", "created_by"]
    actions = ["mark_verified", "sample_for_verification"]

    @admin.action(description="Mark as verified (the labels are right)")
    def mark_verified(self, request, queryset):
        self.message_user(request, f"{queryset.update(verified=True)} examples verified.")

    @admin.action(description="Show a random sample of 20 unverified automatic labels")
    def sample_for_verification(self, request, queryset):
        ids = list(queryset.filter(verified=False).exclude(source=LabeledExample.Source.STAFF)
                   .order_by("?").values_list("id", flat=True)[:20])
        return redirect(reverse("admin:learning_labeledexample_changelist") + "?id__in=" + ",".join(map(str, ids)))


def confirm_then_act(model_admin, request, *, title, question, act, cancel_url, force_option=False):
    """GET shows a confirmation page whose button POSTs back here (with the CSRF token); only the POST acts.

    A state change behind a plain link could be triggered by any page a staff member opens (an <img src> or a
    prefetching mail client); the admin's own delete view works the same way.
    """
    if request.method == "POST":
        return act()
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    context = {**model_admin.admin_site.each_context(request), "title": title, "question": question,
               "cancel_url": cancel_url, "opts": model_admin.model._meta, "force_option": force_option}
    return TemplateResponse(request, "admin/learning/confirm_action.html", context)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "version", "status", "is_current", "score", "baseline_score", "training_seconds",
                    "created_at", "buttons"]
    list_filter = ["kind", "status", "is_current"]
    readonly_fields = ["previous", "created_at", "promoted_at"]

    @admin.display(description="")
    def buttons(self, obj):
        from .services.versions import BASE_FALLBACK

        if obj.is_current and (obj.previous_id or obj.kind in BASE_FALLBACK):
            target = obj.previous.version if obj.previous_id else "the base model"
            return format_html('<a class="button" href="{}">Roll back to {}</a>',
                               reverse("admin:learning_modelversion_rollback", args=[obj.pk]), target)
        if obj.is_current:
            return ""
        url = reverse("admin:learning_modelversion_activate", args=[obj.pk])
        if obj.kind == ModelVersion.Kind.OPENAI and (obj.metrics or {}).get("fine_tuned_model"):
            return format_html('<a class="button" href="{}?role=teacher">Make current as teacher</a> '
                               '<a class="button" href="{}?role=student">Make current as student</a>', url, url)
        if obj.path:
            return format_html('<a class="button" href="{}">Make current</a>', url)
        return ""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/rollback/", wrap(self.rollback_view), name="learning_modelversion_rollback"),
            path("<int:pk>/activate/", wrap(self.activate_view), name="learning_modelversion_activate"),
            *super().get_urls(),
        ]

    def rollback_view(self, request, pk):
        from .services.versions import version_rollback

        if not self.has_change_permission(request):
            return redirect("admin:index")
        version = get_object_or_404(ModelVersion, pk=pk)

        def act():
            try:
                restored = version_rollback(kind=version.kind)
                self.message_user(request, f"Rolled back {version.kind} to "
                                           f"{restored.version if restored else 'the base model'}.")
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect("admin:learning_modelversion_changelist")

        previous = version.previous.version if version.previous_id else "the base model"
        return confirm_then_act(self, request, title="Roll back a model", act=act,
                                question=f"Roll back {version.kind} from {version.version} to {previous}?",
                                cancel_url=reverse("admin:learning_modelversion_changelist"))

    def activate_view(self, request, pk):
        """Scores the version on the frozen evaluation set against the one in use, and refuses it when it scores lower
        unless the staff member ticks "force" on the confirmation page (POST only, like every state change here)."""
        from .services.versions import version_make_current

        if not self.has_change_permission(request):
            return redirect("admin:index")
        version = get_object_or_404(ModelVersion, pk=pk)
        role = request.GET.get("role", "") if version.kind == ModelVersion.Kind.OPENAI else ""

        def act():
            try:
                version_make_current(version=version, role=role, force=request.POST.get("force") == "1")
                version.refresh_from_db()
                check = (version.metrics or {}).get("activation_check")
                scored = f" (frozen set: {check['score']:.4f}" + (
                    f" vs {check['baseline']:.4f} in use)" if check.get("baseline") is not None else ")") \
                    if check else ""
                self.message_user(request, f"{version} is now current{scored}.")
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect("admin:learning_modelversion_changelist")

        question = f"Make {version.kind} {version.version} the current model" + (f" (as the {role})" if role else "")
        return confirm_then_act(self, request, title="Make a model current", act=act,
                                question=question + "? It is first scored on the frozen evaluation set and refused "
                                                    "if it scores below the version in use.",
                                cancel_url=reverse("admin:learning_modelversion_changelist"),
                                force_option=True)


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "kind", "status", "winner", "started_at", "results_link"]
    list_filter = ["status", "kind"]
    actions = ["stop"]
    readonly_fields = ["results"]

    @admin.display(description="Results")
    def results_link(self, obj):
        return format_html('<a href="{}">results</a>', reverse("admin:learning_experiment_change", args=[obj.pk]))

    @admin.display(description="Results per variant")
    def results(self, obj):
        from .services.experiments import experiment_results

        if obj.pk is None:
            return "-"
        result = experiment_results(experiment=obj)
        rows = "".join(
            format_html("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                        "<td><a class='button' href='{}'>Promote</a></td></tr>",
                        v["variant"], v["customers"], f"{v['conversion']:.1%}", f"{v['upsell_acceptance']:.1%}",
                        "-" if v["csat"] is None else f"{v['csat']:.2f}",
                        "-" if v.get("p_value") is None else f"{v['p_value']:.3f}",
                        reverse("admin:learning_experiment_promote", args=[obj.pk, v["variant"]]))
            for v in result["variants"])
        return format_html("<table><tr><th>variant</th><th>customers</th><th>conversion</th><th>upsell accepted</th>"
                           "<th>CSAT</th><th>p (conversion vs control)</th><th></th></tr>{}</table>", rows)

    @admin.action(description="Stop the selected experiments (everyone gets no variant)")
    def stop(self, request, queryset):
        from .services.experiments import experiment_stop

        for experiment in queryset:
            experiment_stop(experiment=experiment)
        self.message_user(request, f"Stopped {queryset.count()} experiments.")

    def get_urls(self):
        return [
            path("<int:pk>/promote/<str:variant>/", self.admin_site.admin_view(self.promote_view),
                 name="learning_experiment_promote"),
            *super().get_urls(),
        ]

    def promote_view(self, request, pk, variant):
        from .services.experiments import experiment_promote

        if not self.has_change_permission(request):
            return redirect("admin:index")
        experiment = get_object_or_404(Experiment, pk=pk)

        def act():
            try:
                experiment_promote(experiment=experiment, variant=variant)
                self.message_user(request, f"{variant} now serves every customer.")
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect("admin:learning_experiment_change", pk)

        return confirm_then_act(self, request, title="Promote a variant", act=act,
                                question=f"Serve variant {variant} of {experiment.name} to every customer?",
                                cancel_url=reverse("admin:learning_experiment_change", args=[pk]))


@admin.register(RewardScore)
class RewardScoreAdmin(admin.ModelAdmin):
    list_display = ["message", "score", "agent", "provider", "model", "model_version", "computed_at"]
    list_filter = ["agent", "provider", "model_version"]
    raw_id_fields = ["message"]


for model, fields in ((BookingReplyLink, ["booking", "message"]), (SurveyRequest, ["conversation", "survey"]),
                      (ExperimentAssignment, ["experiment", "customer"]), (UpsellOffer, ["conversation"])):
    admin.site.register(model, type(f"{model.__name__}Admin", (admin.ModelAdmin,), {"raw_id_fields": fields}))


@admin.register(TutorPair)
class TutorPairAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "agent", "sent", "student_provider", "student_confidence", "student_excerpt", "teacher_provider",
        "teacher_excerpt", "outcome",
    ]
    list_filter = ["sent", "agent", "student_provider", "teacher_provider"]
    date_hierarchy = "created_at"
    search_fields = ["student_text", "teacher_text"]
    raw_id_fields = ["inbound_message"]
    readonly_fields = [field.name for field in TutorPair._meta.fields]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return tutor_pairs_with_outcomes(super().get_queryset(request))

    @admin.display(description="outcome (reward of the reply sent)", ordering="reward")
    def outcome(self, obj):
        return "not scored yet" if obj.reward is None else f"{obj.reward:+.2f}"

    @admin.display(description="student's answer")
    def student_excerpt(self, obj):
        return obj.student_text[:80]

    @admin.display(description="teacher's answer")
    def teacher_excerpt(self, obj):
        return obj.teacher_text[:80]


@admin.register(Exemplar)
class ExemplarAdmin(admin.ModelAdmin):
    """The correction memory: staff disable an exemplar or edit its reply (the template is rebuilt), and see how
    often it answered and what the customers did next. The list shows the threshold's calibration."""

    change_list_template = "admin/learning/exemplar/change_list.html"
    list_display = ["id", "kind", "question", "agent", "intent", "stage", "enabled", "fillable", "uses",
                    "last_used_at", "created_at"]
    list_filter = ["kind", "enabled", "agent", "intent"]
    search_fields = ["customer_text", "reply_text"]
    fields = ["kind", "customer_text", "context", "reply_text", "enabled", "template", "slots", "unfillable", "agent",
              "intent", "tone", "sentiment", "stage", "outcomes", "uses", "last_used_at", "embedder", "embedded_at",
              "inbound_message", "reply_message", "correction", "labeled_example", "created_by", "created_at",
              "updated_at"]
    readonly_fields = [name for name in fields if name not in ("reply_text", "enabled")]
    actions = ["disable", "enable"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.display(description="customer message")
    def question(self, obj):
        return obj.customer_text[:80]

    @admin.display(description="re-fillable", boolean=True)
    def fillable(self, obj):
        return None if obj.kind == Exemplar.Kind.LABELS else not obj.unfillable

    @admin.display(description="what customers did next")
    def outcomes(self, obj):
        o = exemplar_outcomes(exemplar=obj)
        return (f"answered {o['replies']} messages (few-shot {o['few_shot']}, labels {o['labels']}): "
                f"{o['booked']} booked, {o['thumbs_up']} thumbs up, {o['thumbs_down']} thumbs down, "
                f"{o['escalated']} escalated")

    def save_model(self, request, obj, form, change):
        exemplar_edit(exemplar=Exemplar.objects.get(pk=obj.pk), reply_text=form.cleaned_data.get("reply_text"),
                      enabled=form.cleaned_data.get("enabled"))

    @admin.action(description="Disable (never matched again)")
    def disable(self, request, queryset):
        for exemplar in queryset:
            exemplar_edit(exemplar=exemplar, enabled=False)
        self.message_user(request, f"{queryset.count()} exemplars disabled.")

    @admin.action(description="Enable")
    def enable(self, request, queryset):
        for exemplar in queryset:
            exemplar_edit(exemplar=exemplar, enabled=True)
        self.message_user(request, f"{queryset.count()} exemplars enabled.")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "calibration": exemplar_calibration_latest(),
                         "configured_threshold": settings.LEARNING_EXEMPLAR_THRESHOLD}
        return super().changelist_view(request, extra_context)


@admin.register(ExemplarCalibration)
class ExemplarCalibrationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "embedder", "threshold", "configured_threshold", "target_false_match_rate",
                    "heldout_false_match_rate", "heldout_recall"]
    readonly_fields = [field.name for field in ExemplarCalibration._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description="held-out false-match rate (configured threshold)")
    def heldout_false_match_rate(self, obj):
        return (obj.heldout.get("configured") or {}).get("false_match_rate")

    @admin.display(description="held-out recall (configured threshold)")
    def heldout_recall(self, obj):
        return (obj.heldout.get("configured") or {}).get("recall")
