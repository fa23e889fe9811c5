"""Live handoff in the admin: custom views mounted by ConversationAdmin.get_urls().

Staff see the conversations waiting for a human, take one over (the AI stops answering it), reply on the customer's
channel, and hand it back. Viewing needs the Conversation admin's view permission, acting its change permission.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from . import selectors, services
from .forms import StaffReplyForm
from .models import Conversation, Message


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def handoff_list_view(model_admin, request):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Live handoff",
        "opts": model_admin.model._meta,
        "conversations": list(selectors.handoff_conversations()[:200]),
    }
    return TemplateResponse(request, "admin/conversations/handoff_list.html", context)


def handoff_conversation_view(model_admin, request, conversation_id):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    conversation = get_object_or_404(Conversation.objects.select_related("customer", "assigned_to"),
                                     pk=conversation_id)
    reply_form = StaffReplyForm()
    if request.method == "POST":
        if not model_admin.has_change_permission(request):
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "take_over":
                services.staff_take_over(conversation=conversation, user=request.user)
                flash.success(request, "You are handling this conversation; the AI will not answer until you hand "
                                       "it back.")
            elif action == "reply":
                reply_form = StaffReplyForm(request.POST)
                if reply_form.is_valid():
                    with transaction.atomic():
                        services.staff_reply(conversation=conversation, user=request.user,
                                             text=reply_form.cleaned_data["text"])
                    flash.success(request, f"Reply sent on {conversation.get_channel_display()}.")
                    return redirect(reverse("admin:conversations_handoff_conversation", args=[conversation.pk]))
            elif action == "hand_back":
                services.staff_handback(conversation=conversation, user=request.user)
                flash.success(request, "Handed back to the AI.")
                return redirect(reverse("admin:conversations_handoff"))
            else:
                raise ValidationError(f"Unknown action {action!r}.")
        except ValidationError as exc:
            flash.error(request, _error_text(exc))
        if action != "reply" or reply_form.is_valid():
            return redirect(reverse("admin:conversations_handoff_conversation", args=[conversation.pk]))
    messages = list(Message.objects.filter(conversation=conversation).order_by("-sent_at", "-id")[:50])[::-1]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Conversation #{conversation.pk} with {conversation.customer}",
        "opts": model_admin.model._meta,
        "conversation": conversation,
        "messages_list": messages,
        "reply_form": reply_form,
        "mine": conversation.status == Conversation.Status.HUMAN_ACTIVE
        and conversation.assigned_to_id == request.user.pk,
        "escalations": list(conversation.escalations.filter(resolved_at__isnull=True)),
    }
    return TemplateResponse(request, "admin/conversations/handoff_conversation.html", context)
