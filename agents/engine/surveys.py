"""A customer's answers to the satisfaction survey are recorded, not sent through the agents.

The learning app sends the survey as the assistant's latest message to the customer, on their channel (metadata
``survey_token``, ``survey_step`` "rating"): "How did we do? Reply with a number from 1 to 5". The rating's reply asks
"Did we understand what you needed?", whose reply asks "Was the tone right?" (yes or no each,
``learning.services.outcomes.SURVEY_QUESTIONS``), and each answer is stored in the field of that name. The next
customer message on any channel within SURVEY_ANSWER_DAYS answers the step of the latest survey message when it reads
as that answer (a rating from 1 to 5, or a yes/no); anything else goes to the agents, and the survey keeps what was
answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from conversations.models import Message
from learning.models import SurveyRequest
from learning.services.outcomes import SURVEY_QUESTIONS, survey_next_step
from nlu.entities.numbers import words_to_digits

from .decisions import SurveyResponseRecord
from .replies import reply_text

SURVEY_ANSWER_DAYS = 7
# A short answer holding exactly one rating: "5", "4/5", "five stars", "3 - the food was cold".
_RATING = re.compile(r"^\D{0,20}?\b([1-5])\b(?:\s*(?:/|out of)\s*5)?(?:\s*stars?)?(?P<rest>.*)$", re.I | re.S)
_YES = r"yes|yeah|yep|yup|ya|y|sure|definitely|absolutely|of course|correct|totally|it was|you did|👍"
_NO = r"no|nope|nah|n|not really|not at all|not quite|it wasn't|it was not|you didn't|you did not|👎"
_YES_NO = re.compile(rf"^\W*(?:(?P<yes>{_YES})|(?P<no>{_NO}))(?:\b|(?<=\W))[\s,.!:;-]*(?P<rest>.*)$", re.I | re.S)


def survey_rating(text: str) -> tuple[int, str] | None:
    """(rating, comment) when the message answers a 1-5 survey, else None."""
    match = _RATING.match(words_to_digits(text.strip().lower()))
    if match is None or re.search(r"\d", match.group("rest")):
        return None
    rest = match.group("rest").strip(" -,.:;!")
    comment = text.strip() if rest else ""
    return int(match.group(1)), comment


def survey_yes_no(text: str) -> tuple[bool, str] | None:
    """(answer, comment) when the message is a yes or a no (with at most a short remark and no numbers), else None."""
    match = _YES_NO.match(text.strip())
    if match is None:
        return None
    rest = match.group("rest").strip(" -,.:;!")
    yes = match.group("yes") is not None
    opposite = r"\b(?:no|nope|nah|not)\b" if yes else r"\b(?:yes|yeah|yep|yup)\b"
    if re.search(r"\d", rest) or len(rest) > 200 or re.search(opposite, rest, re.I):
        return None   # "no, 12 adults please" is a booking detail; "yes and no" is no answer
    return yes, text.strip() if rest else ""


def pending_survey_step(*, customer, message) -> tuple[str, str] | None:
    """(token, step) of the survey question this message may answer: the customer's latest message from us is a
    survey question still unanswered."""
    latest = (Message.objects.filter(customer=customer, direction=Message.Direction.OUTBOUND,
                                     sent_at__lte=message.sent_at,
                                     sent_at__gte=message.sent_at - timedelta(days=SURVEY_ANSWER_DAYS))
              .order_by("-sent_at", "-id").only("metadata").first())
    metadata = (latest.metadata or {}) if latest else {}
    token, step = metadata.get("survey_token"), metadata.get("survey_step") or "rating"
    if not token:
        return None
    request = SurveyRequest.objects.filter(token=token).select_related("survey").first()
    if request is None:
        return None
    if step == "rating":
        return (token, step) if request.survey is None else None
    if step in SURVEY_QUESTIONS and request.survey is not None and getattr(request.survey, step) is None:
        return token, step
    return None


@dataclass
class SurveyTurn:
    """What answering a survey step does: record the answer, and reply with the next question or the thanks."""

    decision: SurveyResponseRecord
    text: str
    metadata: dict


def survey_turn(*, customer, message) -> SurveyTurn | None:
    """The survey turn for this message, or None when it does not answer a pending survey question. A message that
    reads as neither a rating nor a yes/no costs no query (most messages)."""
    rated, answered = survey_rating(message.text), survey_yes_no(message.text)
    if rated is None and answered is None:
        return None
    pending = pending_survey_step(customer=customer, message=message)
    if pending is None:
        return None
    token, step = pending
    metadata = {}
    if step == "rating":
        if rated is None:
            return None
        rating, comment = rated
        decision = SurveyResponseRecord(token=token, rating=rating, comment=comment)
        metadata["survey_rating"] = rating
        text = reply_text("surveys", "thanks", tone=None)
        if rating <= 2:
            text = f"{text} {reply_text('surveys', 'low_rating', tone=None)}"
    else:
        if answered is None:
            return None
        answer, comment = answered
        decision = SurveyResponseRecord(token=token, step=step, answer=answer, comment=comment)
        metadata[f"survey_{step}"] = answer
        text = reply_text("surveys", "answer_thanks" if survey_next_step(step) else "thanks", tone=None)
    following = survey_next_step(step)
    if following:
        text = f"{text} {reply_text('surveys', f'ask_{following}', tone=None)}"
        metadata.update({"survey_token": token, "survey_step": following})
    return SurveyTurn(decision=decision, text=text, metadata=metadata)
