"""The correction dashboard: admin custom views mounted by ReviewItemAdmin.get_urls().

Live handoff is conversation state: its views are conversations/admin_views.py."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from conversations.models import Channel

from . import selectors, services
from .forms import CorrectionForm, KnowledgeGapForm, LabelsForm, QueueFilterForm
from .models import LabeledExample, ReviewItem
from .services.review import answered_message, review_approve_bulk, review_reopen_bulk

PER_PAGE = 50


def _filters(params) -> dict:
    form = QueueFilterForm(params)
    form.is_valid()
    filters = {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}
    filters.setdefault("status", ReviewItem.Status.PENDING)
    if params.get("status") == "all":
        filters["status"] = ""
    return filters


def _querystring(params, **overrides) -> str:
    query = {key: params.get(key) for key in selectors.QUEUE_FILTERS if params.get(key)}
    query.update({k: v for k, v in overrides.items() if v})
    return urlencode(query)


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def queue_view(model_admin, request):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    started = time.perf_counter()
    if request.method == "POST":
        if not model_admin.has_change_permission(request):
            raise PermissionDenied
        action = request.POST.get("action")
        ids = [int(pk) for pk in request.POST.getlist("selected") if pk.isdigit()]
        if action == "refresh":
            counts = services.review_queue_refresh()
            flash.success(request, f"Queue refreshed: {counts['scanned']} replies scanned, {counts['created']} new "
                                   f"items, {counts['updated']} updated.")
        elif not ids:
            flash.warning(request, "Select items first (x, or the checkboxes).")
        elif action == "approve":
            flash.success(request, f"Approved {review_approve_bulk(item_ids=ids, user=request.user)} items.")
        elif action == "reopen":
            flash.success(request, f"Sent {review_reopen_bulk(item_ids=ids)} items back to the queue.")
        else:
            flash.error(request, f"Unknown action {action!r}.")
        return redirect(reverse("admin:learning_review_queue") + "?" + _querystring(request.POST))

    filters = _filters(request.GET)
    queryset = selectors.review_queue(**filters)
    try:
        page = max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        page = 1
    total = queryset.count()
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(page, pages)
    items = selectors.review_queue_page(queryset, page=page, per_page=PER_PAGE)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Review queue",
        "opts": model_admin.model._meta,
        "items": items,
        "total": total,
        "page": page,
        "pages": pages,
        "filters": filters,
        "statuses": ReviewItem.Status.choices,
        "reasons": ReviewItem.Reason.choices,
        "channels": Channel.choices,
        "choices": selectors.review_filter_choices(),
        "querystring": _querystring(request.GET),
        "prev_qs": _querystring(request.GET, page=str(page - 1)) if page > 1 else "",
        "next_qs": _querystring(request.GET, page=str(page + 1)) if page < pages else "",
        "query_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return TemplateResponse(request, "admin/learning/review_queue.html", context)


def item_view(model_admin, request, pk):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    item = get_object_or_404(ReviewItem.objects.select_related("message", "conversation__customer",
                                                               "knowledge_document", "reviewed_by"), pk=pk)
    reply = item.message
    question = answered_message(reply)
    staff_label = (LabeledExample.objects.filter(message=question, source=LabeledExample.Source.STAFF).first()
                   if question else None)
    correction_form = CorrectionForm(initial={"corrected_text": reply.text})
    labels_form = LabelsForm(initial={
        "intent": staff_label.intent if staff_label else (question.intent if question else ""),
        "tone": staff_label.tone if staff_label else (question.tone if question else ""),
        "sentiment": staff_label.sentiment if staff_label else (question.sentiment if question else ""),
        "entities": (staff_label.entities if staff_label else (question.entities if question else {})) or {},
    })
    gap_form = KnowledgeGapForm()
    queue_qs = request.GET.urlencode()

    if request.method == "POST":
        if not model_admin.has_change_permission(request):
            raise PermissionDenied
        action = request.POST.get("action")
        queue_qs = request.POST.get("queue_qs", "")
        done = None
        try:
            with transaction.atomic():
                if action in ("approve", "approve_model"):
                    services.review_approve(item=item, user=request.user, model_answer=action == "approve_model")
                    done = "Approved as a model answer." if action == "approve_model" else "Approved."
                elif action == "correct":
                    correction_form = CorrectionForm(request.POST)
                    if correction_form.is_valid():
                        services.correction_create(message=reply, user=request.user,
                                                   corrected_text=correction_form.cleaned_data["corrected_text"])
                        done = "Correction saved."
                elif action == "labels":
                    labels_form = LabelsForm(request.POST)
                    if question is None:
                        raise ValidationError("This reply answers no customer message; there is nothing to label.")
                    if labels_form.is_valid():
                        services.labels_fix(message=question, user=request.user, review_item=item,
                                            **labels_form.cleaned_data)
                        done = "Labels saved as a labeled example."
                elif action == "gap":
                    gap_form = KnowledgeGapForm(request.POST)
                    if gap_form.is_valid():
                        document = services.knowledge_gap_mark(item=item, user=request.user,
                                                               **gap_form.cleaned_data)
                        done = f"Draft knowledge document #{document.pk} written (inactive until reviewed)."
                else:
                    raise ValidationError(f"Unknown action {action!r}.")
        except ValidationError as exc:
            flash.error(request, _error_text(exc))
        if done:
            flash.success(request, done)
            if request.POST.get("stay") or action in ("labels",) and request.POST.get("then") != "next":
                return redirect(reverse("admin:learning_review_item", args=[item.pk]) + (f"?{queue_qs}" if queue_qs else ""))
            upcoming = selectors.review_next(after=item, **_filters(QueryDict(queue_qs)))
            if upcoming:
                return redirect(reverse("admin:learning_review_item", args=[upcoming.pk]) + (f"?{queue_qs}" if queue_qs else ""))
            return redirect(reverse("admin:learning_review_queue") + (f"?{queue_qs}" if queue_qs else ""))

    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Review reply #{reply.pk}",
        "opts": model_admin.model._meta,
        "item": item,
        "reply": reply,
        "question": question,
        "staff_label": staff_label,
        "window": selectors.conversation_window(message=reply),
        "corrections": list(reply.corrections.select_related("corrected_by")),
        "reply_exemplars": list(reply.exemplars.only("pk", "enabled")),
        "correction_form": correction_form,
        "labels_form": labels_form,
        "gap_form": gap_form,
        "queue_qs": queue_qs,
        "next_item": selectors.review_next(after=item, **_filters(QueryDict(queue_qs))),
    }
    return TemplateResponse(request, "admin/learning/review_item.html", context)
