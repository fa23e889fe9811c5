"""Writes of feedback and satisfaction surveys."""

from django.core.exceptions import ValidationError

from conversations.models import Message

from ..models import Feedback, SatisfactionSurvey


def feedback_create(*, message: Message, kind: str, comment: str = "") -> Feedback:
    if kind not in Feedback.Kind.values:
        raise ValidationError({"kind": f"{kind!r} is not a feedback kind; use one of {', '.join(Feedback.Kind.values)}."})
    if message.author != Message.Author.AI:
        raise ValidationError({"message": "Feedback is given on the assistant's replies only."})
    feedback = Feedback.objects.create(message=message, kind=kind, comment=comment)
    if kind == Feedback.Kind.THUMBS_DOWN:
        from .review import review_item_upsert

        review_item_upsert(message=message)  # a thumbs-down puts the reply in the review queue at once
    return feedback


def survey_create(*, conversation, rating: int, understood: bool | None = None, tone_ok: bool | None = None,
                  comment: str = "") -> SatisfactionSurvey:
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": "The rating is a whole number from 1 to 5."})
    return SatisfactionSurvey.objects.create(
        conversation=conversation, understood=understood, tone_ok=tone_ok, rating=rating, comment=comment
    )
