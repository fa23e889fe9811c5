"""A customer's answer to a satisfaction survey ("5", "4 - great chef!") is recorded, not sent through the agents.

The learning app sends the survey as the assistant's latest message to the customer (metadata ``survey_token``);
the next customer message on any channel within SURVEY_ANSWER_DAYS that carries a rating from 1 to 5 answers it.
"""

from __future__ import annotations

import re
from datetime import timedelta

from conversations.models import Message
from learning.models import SurveyRequest
from nlu.entities.numbers import words_to_digits

SURVEY_ANSWER_DAYS = 7
# A short answer holding exactly one rating: "5", "4/5", "five stars", "3 - the food was cold".
_RATING = re.compile(r"^\D{0,20}?\b([1-5])\b(?:\s*(?:/|out of)\s*5)?(?:\s*stars?)?(?P<rest>.*)$", re.I | re.S)


def survey_rating(text: str) -> tuple[int, str] | None:
    """(rating, comment) when the message answers a 1-5 survey, else None."""
    match = _RATING.match(words_to_digits(text.strip().lower()))
    if match is None or re.search(r"\d", match.group("rest")):
        return None
    rest = match.group("rest").strip(" -,.:;!")
    comment = text.strip() if rest else ""
    return int(match.group(1)), comment


def pending_survey_token(*, customer, message) -> str | None:
    """The token of the survey this message may answer: the customer's latest AI message is an unanswered survey."""
    latest = (Message.objects.filter(customer=customer, direction=Message.Direction.OUTBOUND,
                                     sent_at__lte=message.sent_at,
                                     sent_at__gte=message.sent_at - timedelta(days=SURVEY_ANSWER_DAYS))
              .order_by("-sent_at", "-id").only("metadata").first())
    token = (latest.metadata or {}).get("survey_token") if latest else None
    if not token:
        return None
    return token if SurveyRequest.objects.filter(token=token, survey__isnull=True).exists() else None
