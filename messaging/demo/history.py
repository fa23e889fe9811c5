"""`seed_demo --history DAYS`: the last DAYS days of a small caterer's customers, played through the real pipeline with
a fake clock, so every report, KPI, review-queue and readiness page has something to show on a fresh `make run`.

Per day (oldest first), a few synthetic customers (more as the weeks go by: the business grows) retell corpus
conversations (`scripts.py`) on their channel. Each message goes through the two doors every channel uses,
`message_receive` then `inbound_answer_once` (NLU, router, agents, quote, booking, reply, model calls recorded), with
the clock frozen at the message's time by time-machine, which is how `conversation_eval` plays the corpus; unlike it,
nothing is rolled back. The assistant runs as the hybrid cascade of the template student and the demo teacher
(`agents.providers.demo_teacher`: no network call, but each call it answers is recorded and priced as the OpenAI
model would bill it): the customers outside the student's rollout share (growing over the period, ROLLOUT_SHARES)
and the student's unsure replies go to the teacher and cost what they would have.

Then staff act through their services (`staff.py`): most conversations handed to a person are taken over, answered
and handed back; thumbs, corrections, labels, deposits that confirm bookings, a few cancellations. Each night the beat
jobs run at that night's time (events completed, holds released, outcomes linked, surveys sent), and some customers
answer their survey the next morning, through the pipeline again.

Nothing is delivered: the channel receivers are detached during the run (as `bench_engine` does) and the replies are
marked as history afterwards, so the delivery sweep never sends them to these made-up people. (The reminders job
does remind the demo bookings of the coming days, as it would any booking: their e-mails are on the reserved
`.example` domain and their phone numbers in the fictional 555-01xx range, which no provider delivers.)

Only the days after the last one played here are played, so a second run does nothing and a later one (or one after
an interruption) tops the history up to today.
"""

from __future__ import annotations

import datetime
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager

import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test.utils import override_settings
from django.utils import timezone

import nlu
from agents.eval.corpus import PACIFIC, corpus_load
from agents.eval.runner import conversation_play
from agents.models import AssistantSettings
from agents.providers.rollout import assistant_settings_get
from bookings.models import Booking
from conversations.models import ChannelIdentity, Conversation, Customer, Message
from conversations.services import message_receive
from conversations.signals import outbound_message_ready, verification_code_ready
from learning.models import SurveyRequest
from learning.services.review import review_queue_refresh

from ..services import inbound_answer_once
from . import scripts, staff
from .selectors import KEY_PREFIX

logger = logging.getLogger(__name__)

# The teacher of a cascade is the strong model: gpt-4o by default (gpt-4o-mini's fractions of a cent would show as
# $0.00 on every report of a small caterer's quarter).
TEACHER_MODEL = "gpt-4o"
# The student's rollout over the history (AssistantSettings.student_traffic_share, by third of the period): at first
# most customers are answered by the teacher, then the student takes more of them, so its coverage grows and the
# teacher's spend falls, as a rollout goes. The row's own value is put back when the history ends.
ROLLOUT_SHARES = (25, 50, 80)
# Conversations per day on average (half of it on the first day, one and a half times it on the last): 90 days of it
# play in under 3 minutes on a busy 2-core machine, with make run's whole stack beside it (see the README).
PER_DAY = 1.0
RATINGS = ((5, 0.5), (4, 0.3), (3, 0.12), (2, 0.05), (1, 0.03))


def day_key(day: datetime.date) -> str:
    return f"{KEY_PREFIX}-{day:%Y%m%d}"


def last_day_played() -> datetime.date | None:
    """The latest day of the history played here (its customers' channel ids name it), or None."""
    ids = ChannelIdentity.objects.filter(external_id__startswith=f"{KEY_PREFIX}-").values_list("external_id", flat=True)
    days = {external_id[len(KEY_PREFIX) + 1:][:8] for external_id in ids}
    return datetime.datetime.strptime(max(days), "%Y%m%d").date() if days else None


def conversations_per_day(*, index: int, days: int, per_day: float, rng: random.Random) -> int:
    """About `per_day` on average, growing from half of it on the first day to one and a half on the last (the
    growth chart should grow), with the day's own luck (Poisson)."""
    mean = per_day * (0.5 + index / max(1, days - 1))
    # Knuth's Poisson draw: small means only
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def demo_providers(*, teacher_model: str) -> dict:
    return {
        "demo-teacher": {"BACKEND": "agents.providers.demo_teacher.DemoTeacherProvider",
                         "OPTIONS": {"model": teacher_model}},
        "demo-hybrid": {"BACKEND": "agents.providers.hybrid.HybridProvider",
                        "OPTIONS": {"student": "templates", "teacher": "demo-teacher"}},
    }


def rollout_share(*, index: int, days: int) -> int:
    """The student's traffic share on day `index` of `days` (see ROLLOUT_SHARES)."""
    return ROLLOUT_SHARES[min(len(ROLLOUT_SHARES) - 1, index * len(ROLLOUT_SHARES) // max(1, days))]


@contextmanager
def rollout_kept():
    """The student's traffic share as it was before the history, whatever the history set meanwhile."""
    share = assistant_settings_get().student_traffic_share
    try:
        yield
    finally:
        AssistantSettings.objects.filter(pk=AssistantSettings.SINGLETON_ID).update(student_traffic_share=share)


@contextmanager
def demo_assistant(*, teacher_model: str = TEACHER_MODEL):
    """The assistant of the demo: the cascade of the template student and the priced demo teacher, no extraction
    call, and nothing sent to anyone: the receivers that deliver replies and one-time codes are detached."""
    detached = [(signal, signal.receivers) for signal in (outbound_message_ready, verification_code_ready)]
    for signal, _ in detached:
        signal.receivers = []
        signal.sender_receivers_cache.clear()
    try:
        providers = {**settings.AI_PROVIDERS, **demo_providers(teacher_model=teacher_model)}
        with override_settings(AI_PROVIDERS=providers, AI_PROVIDER="demo-hybrid", AI_EXTRACTION=False):
            yield
    finally:
        for signal, receivers in detached:
            signal.receivers = receivers
            signal.sender_receivers_cache.clear()


def _answer(message_id: int):
    return inbound_answer_once(message_id=message_id)


def _staff_user():
    """The demo's Agent (seed_demo makes it), else the demo staff login, else any superuser."""
    users = get_user_model().objects
    return (users.filter(username="agent").first()
            or users.filter(username=getattr(settings, "DEMO_STAFF_USERNAME", "staff")).first()
            or users.filter(is_superuser=True).first())


def history_play(*, days: int, per_day: float = PER_DAY, seed: int = 2026, now: datetime.datetime | None = None,
                 teacher_model: str = TEACHER_MODEL, progress: Callable[[int], None] | None = None,
                 total: Callable[[int], None] | None = None) -> dict:
    """Play the last `days` days (today included) up to `now`; returns counts of what was made. `total(n)` is told
    how many conversations will be played, `progress(1)` after each."""
    now = timezone.localtime(now or timezone.now(), PACIFIC)
    rng = random.Random(seed)
    corpus = corpus_load()
    calendar = [now.date() - datetime.timedelta(days=offset) for offset in reversed(range(days))]
    # (day, [(key, start), ...]) for the days after the last one played; every day is drawn, so a rerun draws the same
    plan, last = [], last_day_played()
    for index, day in enumerate(calendar):
        count = conversations_per_day(index=index, days=days, per_day=per_day, rng=rng)
        starts = sorted(scripts.business_hours_start(day, rng) for _ in range(count))
        starts = [start for start in starts if start < now - datetime.timedelta(minutes=30)]
        if last is None or day > last:
            plan.append((day, [(f"{day_key(day)}-{k}", start) for k, start in enumerate(starts)]))
    if total is not None:
        total(sum(len(conversations) for _, conversations in plan))
    counts: Counter = Counter()
    day_player = _DayPlayer(rng=rng, corpus=corpus, user=_staff_user(), counts=counts, now=now,
                            number=Customer.objects.count())
    started = time.monotonic()
    with demo_assistant(teacher_model=teacher_model), rollout_kept():
        if plan:
            nlu.parse("warm up", reference_date=None)   # load the models before the first customer's clock runs
        for day, conversations in plan:
            index = calendar.index(day)
            AssistantSettings.objects.filter(pk=AssistantSettings.SINGLETON_ID).update(
                student_traffic_share=rollout_share(index=index, days=days))
            # staff agree with the NLU more as it learns
            day_player.play(day, conversations, label_accuracy=0.7 + 0.2 * index / max(1, days - 1),
                            progress=progress)
    # the beat job (every 10 minutes) would do it on its own; done here so the queue is full when the seed ends
    counts["review_items"] = review_queue_refresh(since=now - datetime.timedelta(days=days + 1))["created"]
    counts["seconds"] = round(time.monotonic() - started, 1)
    return dict(counts)


class _DayPlayer:
    """One day of the history: its conversations through the pipeline, staff's work on each, then the night's jobs
    and the next morning's survey answers."""

    def __init__(self, *, rng: random.Random, corpus: list, user, counts: Counter, now: datetime.datetime,
                 number: int):
        self.rng, self.corpus, self.user, self.counts, self.now, self.number = rng, corpus, user, counts, now, number

    def play(self, day: datetime.date, conversations: list[tuple[str, datetime.datetime]], *, label_accuracy: float,
             progress: Callable[[int], None] | None) -> None:
        for key, start in conversations:
            self.conversation(day, key, start, label_accuracy=label_accuracy)
            if progress is not None:
                progress(1)
        night = _night(day)
        if night < self.now:
            self.counts.update(staff.nightly_jobs(at=night))
            self.counts["survey_answers"] += _surveys_answered(
                rng=self.rng, since=night - datetime.timedelta(hours=1), at=night + datetime.timedelta(hours=10))
            _mark_history(_demo_conversations())   # the surveys the night sent, answered or not

    def conversation(self, day: datetime.date, key: str, start: datetime.datetime, *, label_accuracy: float) -> None:
        rng, counts, user = self.rng, self.counts, self.user
        self.number += 1
        person = scripts.person_make(rng, key=key.removeprefix(f"{KEY_PREFIX}-"), number=self.number)
        script = scripts.script_make(rng.choice(self.corpus), rng=rng, start=start, key=key, person=person)
        try:
            result = conversation_play(script, answer=_answer)
        except Exception:   # the message stays stored and escalated (inbound_answer_once); the demo goes on
            logger.exception("Demo history: conversation %s failed", key)
            counts["failed"] += 1
            _mark_history(_conversations_of(key))
            return
        counts["conversations"] += 1
        counts["messages"] += len(result.turns)
        counts["escalated"] += int(result.escalated)
        ids = _conversations_of(key)
        ended = start + datetime.timedelta(minutes=sum(t.wait_minutes for t in script.turns) + 5)
        review_at = min(ended + datetime.timedelta(hours=rng.uniform(0.5, 6)), _night(day))
        if user is not None:
            for conversation_id in ids:
                counts["handoffs_handled"] += staff.staff_handle_handoff(
                    conversation_id=conversation_id, rng=rng, user=user,
                    at=ended + datetime.timedelta(minutes=rng.uniform(5, 90)))
                counts.update(staff.staff_review_conversation(conversation_id=conversation_id, rng=rng, user=user,
                                                              at=review_at, label_accuracy=label_accuracy))
            booking_id = _booking_of(ids) if result.booking is not None else None
            if booking_id is not None:
                counts["bookings"] += 1
                counts[staff.staff_settle_booking(booking_id=booking_id, rng=rng, user=user, at=review_at)] += 1
        _mark_history(ids)


def _night(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(23, 30), tzinfo=PACIFIC)


def _conversations_of(key: str) -> list[int]:
    return list(Conversation.objects.filter(customer__identities__external_id__startswith=f"{key}-")
                .distinct().values_list("id", flat=True))


def _demo_conversations():
    return Conversation.objects.filter(customer__identities__external_id__startswith=f"{KEY_PREFIX}-").values("id")


def _booking_of(conversation_ids: list[int]):
    return Booking.objects.filter(conversation_id__in=conversation_ids).order_by("-created_at") \
        .values_list("id", flat=True).first()


def _mark_history(conversation_ids) -> None:
    """Replies to made-up people are history: the delivery sweep must never send them (see the module docstring)."""
    Message.objects.filter(conversation_id__in=conversation_ids, direction=Message.Direction.OUTBOUND,
                           history=False).update(history=True)


def _surveys_answered(*, rng: random.Random, since: datetime.datetime, at: datetime.datetime) -> int:
    """Some customers answer the survey sent last night, the next morning, on the conversation's channel: a rating,
    then (most of them) the two yes/no questions. Their messages go through the pipeline like any other."""
    answered = 0
    requests = SurveyRequest.objects.filter(sent_at__gte=since, survey__isnull=True).select_related("conversation")
    for request in requests:
        if rng.random() > 0.6:
            continue
        conversation = request.conversation
        identity = ChannelIdentity.objects.filter(customer_id=conversation.customer_id,
                                                  channel=conversation.channel).first()
        if identity is None:
            continue
        rating = rng.choices([r for r, _ in RATINGS], weights=[w for _, w in RATINGS])[0]
        answers = [str(rating)]
        if rng.random() < 0.7:
            answers += ["yes" if rating >= 3 or rng.random() < 0.3 else "no",
                        "yes" if rating >= 3 or rng.random() < 0.5 else "no"]
        clock = at + datetime.timedelta(minutes=rng.randrange(240))
        for text in answers:
            clock += datetime.timedelta(minutes=rng.uniform(1, 5))
            with time_machine.travel(clock, tick=False):
                message, _ = message_receive(channel=conversation.channel, text=text, sent_at=clock,
                                             sender={"external_id": identity.external_id})
                _answer(message.pk)
        _mark_history([conversation.pk])
        answered += 1
    return answered
