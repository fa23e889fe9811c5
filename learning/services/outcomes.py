"""Outcomes of AI replies: bookings linked to the replies that led to them, and satisfaction surveys sent after a
booking or a closed conversation (once per conversation and trigger)."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.models import Booking
from conversations.models import Conversation, Message
from conversations.services import message_record_outbound

from ..models import BookingReplyLink, Feedback, SurveyRequest

SURVEY_AGENT = "survey"

# The survey's first message is staff-editable wording (agents' reply templates, surveys.ask_rating_booking /
# ask_rating_closed). The agents app sits above this one, so it hands its renderer over at start-up
# (AgentsConfig.ready) instead of this module importing it.
_survey_text_render = None


def survey_text_renderer_set(render) -> None:
    """`render(trigger) -> str`: the survey's first message for a trigger ("booking" or "closed")."""
    global _survey_text_render
    _survey_text_render = render


def _survey_text(trigger: str) -> str:
    if _survey_text_render is None:
        raise RuntimeError("No survey wording is registered: the agents app registers it in AgentsConfig.ready.")
    return _survey_text_render(trigger)


def booking_link_replies(*, booking) -> int:
    """Link a confirmed booking to the AI replies of its conversation sent before it was confirmed, and write the
    "booked" feedback on the reply that led to it (the one that made the booking, else the last one before it)."""
    if booking.conversation_id is None:
        return 0
    until = booking.confirmed_at or booking.created_at
    replies = Message.objects.filter(conversation_id=booking.conversation_id, author=Message.Author.AI,
                                     sent_at__lte=until).exclude(agent=SURVEY_AGENT)
    links = [BookingReplyLink(booking=booking, message=reply) for reply in replies]
    BookingReplyLink.objects.bulk_create(links, ignore_conflicts=True)
    decisive = (replies.filter(metadata__booking_id=booking.pk).order_by("sent_at", "id").first()
                or replies.order_by("-sent_at", "-id").first())
    if decisive is not None and not Feedback.objects.filter(message=decisive, kind=Feedback.Kind.BOOKED).exists():
        Feedback.objects.create(message=decisive, kind=Feedback.Kind.BOOKED, comment=f"booking #{booking.pk}")
    return len(links)


def survey_request_send(*, conversation: Conversation, trigger: str) -> SurveyRequest | None:
    """Ask for a satisfaction survey on the conversation's channel (delivered by the messaging app through
    outbound_message_ready). None when one was already sent for this conversation and trigger."""
    if trigger not in SurveyRequest.Trigger.values:
        raise ValidationError({"trigger": f"{trigger!r} is not a survey trigger."})
    try:
        with transaction.atomic():
            request = SurveyRequest.objects.create(conversation=conversation, trigger=trigger,
                                                   token=secrets.token_urlsafe(16))
            text = _survey_text(trigger)
            message_record_outbound(conversation=conversation, text=text, author=Message.Author.AI,
                                    agent=SURVEY_AGENT, metadata={"survey_token": request.token, "survey_step": "rating"})
    except IntegrityError:
        return None
    return request


# After the rating, the survey asks these, one message each, on the same channel; the answer (yes/no) is stored in the
# field of the same name. The texts are the defaults of the editable wording (surveys.ask_<step>, agents.engine.surveys
# says them). `survey_token` and `survey_step` in the question's metadata say what a reply answers.
SURVEY_QUESTIONS = {
    "understood": "Did we understand what you needed? Reply yes or no.",
    "tone_ok": "And was the tone of our replies right for you? Reply yes or no.",
}
SURVEY_STEPS = ("rating", *SURVEY_QUESTIONS)


def survey_next_step(step: str) -> str | None:
    """The question asked after the answer to `step`, or None when the survey is complete."""
    index = SURVEY_STEPS.index(step)
    return SURVEY_STEPS[index + 1] if index + 1 < len(SURVEY_STEPS) else None


def survey_record_response(*, token: str, rating: int, comment: str = ""):
    """Store the customer's rating (1-5) answering a survey request; the first answer counts."""
    from .feedback import survey_create

    request = SurveyRequest.objects.select_related("conversation").select_for_update().filter(token=token).first()
    if request is None:
        raise ValidationError({"token": "Unknown survey."})
    if request.survey_id:
        return request.survey
    survey = survey_create(conversation=request.conversation, rating=rating, comment=comment)
    request.survey = survey
    request.save(update_fields=["survey"])
    return survey


def survey_record_answer(*, token: str, step: str, answer: bool, comment: str = ""):
    """Store a yes/no answer to one of SURVEY_QUESTIONS (after the rating); an answered question keeps its answer."""
    if step not in SURVEY_QUESTIONS:
        raise ValidationError({"step": f"{step!r} is not a survey question."})
    request = SurveyRequest.objects.select_related("survey").filter(token=token).first()
    if request is None or request.survey is None:
        raise ValidationError({"token": "No rated survey for this token."})
    survey = request.survey
    if getattr(survey, step) is None:
        setattr(survey, step, bool(answer))
        fields = [step]
        if comment:
            survey.comment = f"{survey.comment}\n{comment}".strip()
            fields.append("comment")
        survey.save(update_fields=fields)
    return survey


def outcomes_record(*, days: int = 7) -> dict:
    """Link recent confirmed bookings to replies, and send the surveys due (booking confirmed, conversation closed)."""
    since = timezone.now() - timezone.timedelta(days=days)
    linked = 0
    bookings = Booking.objects.filter(status__in=[Booking.Status.CONFIRMED, Booking.Status.COMPLETED],
                                      updated_at__gte=since, conversation__isnull=False)
    for booking in bookings.exclude(reply_links__isnull=False):
        linked += booking_link_replies(booking=booking)
    surveys = 0
    for booking in bookings.exclude(conversation__survey_requests__trigger=SurveyRequest.Trigger.BOOKING):
        surveys += survey_request_send(conversation=booking.conversation, trigger=SurveyRequest.Trigger.BOOKING) is not None
    closed = (Conversation.objects.filter(status=Conversation.Status.CLOSED, closed_at__gte=since)
              .exclude(survey_requests__isnull=False).filter(messages__author=Message.Author.AI).distinct())
    for conversation in closed:
        surveys += survey_request_send(conversation=conversation, trigger=SurveyRequest.Trigger.CLOSED) is not None
    return {"replies_linked": linked, "surveys_sent": surveys}
