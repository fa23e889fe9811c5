"""Writes of feedback and satisfaction surveys."""

from django.core.exceptions import ValidationError

from conversations.models import Message

from .models import Feedback, SatisfactionSurvey


def feedback_create(*, message: Message, kind: str, comment: str = "") -> Feedback:
    if kind not in Feedback.Kind.values:
        raise ValidationError({"kind": f"{kind!r} is not a feedback kind; use one of {', '.join(Feedback.Kind.values)}."})
    if message.author != Message.Author.AI:
        raise ValidationError({"message": "Feedback is given on the assistant's replies only."})
    return Feedback.objects.create(message=message, kind=kind, comment=comment)


def survey_create(*, conversation, understood: bool, tone_ok: bool, rating: int, comment: str = "") -> SatisfactionSurvey:
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": "The rating is a whole number from 1 to 5."})
    return SatisfactionSurvey.objects.create(
        conversation=conversation, understood=understood, tone_ok=tone_ok, rating=rating, comment=comment
    )
