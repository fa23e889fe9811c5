"""One pipeline for every channel: persist and commit -> NLU -> router -> specialist -> provider -> persist reply."""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

import nlu
from knowledge.memory import get_memory
from nlu.artifacts import nlu_model_current
from agents.providers.local import LocalProvider
from agents.providers import get_provider
from agents.providers.base import GenerationRequest
from conversations import services as conversation_services
from conversations.models import Conversation, Message
from conversations.selectors import conversation_history

from . import dialogue
from .experiments import experiment_overrides, thresholds_for
from .surveys import pending_survey_token, survey_rating
from .router import route
from .specialists import SPECIALISTS, AgentContext, AgentOutcome
from .tone import by_tone
from .tools import build_tools

logger = logging.getLogger(__name__)


@dataclass
class InboundResult:
    conversation: Conversation
    message: Message
    reply: Message | None
    created: bool                      # False when the same provider message id was seen before
    quote: dict | None = None
    booking: object = None
    escalated: bool = False
    citations: list = field(default_factory=list)


def staff_availability_note(now: datetime.datetime) -> str:
    local = timezone.localtime(now)
    start, end = settings.STAFF_HOURS
    if start <= local.hour < end:
        return "A member of our team will reply shortly."
    day = "today" if local.hour < start else "tomorrow"
    return f"Our team answers from {start}:00 to {end}:00 Pacific, so you'll hear from a person after {start}:00 {day}."


def conversation_answer(*, message: Message) -> InboundResult:
    """Understand and answer a persisted inbound message (also used to retry one whose answer failed)."""
    conversation = Conversation.objects.select_related("customer").get(pk=message.conversation_id)
    customer = conversation.customer
    now = timezone.now()
    started = time.perf_counter()

    # 2. Conversations with a human: the AI stays quiet, acknowledging once at most.
    if conversation.status in (Conversation.Status.WAITING_FOR_HUMAN, Conversation.Status.HUMAN_ACTIVE):
        return _acknowledge_waiting(conversation, message, now)

    # A rating that answers the satisfaction survey the assistant just sent is recorded, not answered by an agent.
    answered = _answer_survey(conversation, message)
    if answered is not None:
        return answered

    # 3. NLU, resolved against the message's own timestamp.
    parsed = nlu.parse(message.text, reference_date=timezone.localtime(message.sent_at)).to_dict()
    conversation_services.message_set_nlu(message=message, nlu=parsed)

    # 4. Dialogue state and routing. A booking started on another channel carries over ("I texted you earlier").
    state = dict(conversation.state or {}) or _booking_flow_elsewhere(conversation, now)
    changed = dialogue.merge_entities(state, parsed["entities"], text=message.text)
    agent_name = route(intent=parsed["intent"], entities=parsed["entities"], state=state, changed=changed,
                       intent_confidence=parsed["intent_confidence"] or 0.0, text=message.text)
    specialist = SPECIALISTS[agent_name]
    # Memory spans channels: the customer's latest messages on every channel, from the configured backend.
    memory = get_memory()
    history = [{"role": "user" if m["author"] == Message.Author.CUSTOMER else "assistant", "content": m["text"]}
               for m in _recent(memory, customer) if m["id"] != message.pk]
    overrides, experiments = experiment_overrides(customer=customer)
    low, high = thresholds_for(overrides)
    ctx = AgentContext(customer=customer, conversation=conversation, message=message, nlu=parsed, state=state,
                       history=history, now=now, changed=changed, overrides=overrides)
    outcome: AgentOutcome = specialist.handle(ctx)

    # 5. The provider writes the answer, unless the agent's rules already send it to a human.
    generation = None
    escalation = outcome.escalate
    text = None
    if escalation is None:
        provider = get_provider()
        facts = dict(outcome.facts)
        if provider.reads_facts:   # what we remember about the customer (bookings, allergies...), for LLMs
            try:
                facts["customer"] = memory.context(customer)
            except Exception:
                logger.exception("Memory backend %r failed; answering without the customer's context", memory.alias)
        request = GenerationRequest(
            agent=agent_name, instructions=_instructions(specialist, overrides), history=history,
            message=message.text,
            nlu={**parsed, "understanding": outcome.understanding}, facts=facts, draft=outcome.draft,
            completeness=outcome.completeness,
            tools=build_tools(ctx, specialist.tool_names), customer_id=customer.pk,
            conversation_id=conversation.pk, inbound_message_id=message.pk,
            thresholds=(low, high) if overrides else None,
        )
        generation = provider.generate(request)
        asked = state.pop("escalation_request", None)
        if asked and generation.route != "human":   # the model called escalate_to_human
            priority = asked.get("priority") if asked.get("priority") in {"low", "normal", "high", "urgent"} else "normal"
            escalation = (f"the model asked for a human: {asked.get('reason', '')}".strip()[:255], priority)
        if generation.route == "human" or generation.confidence < low:
            escalation = (generation.escalation_reason or "low confidence", "normal")
        else:
            text = generation.text
    if escalation is not None:
        core = outcome.draft["default"] if outcome.escalate else "I'd like a member of our team to help with this."
        text = by_tone(f"{core} {staff_availability_note(now)}")[ctx.tone]

    # 6. Persist the reply with its metadata and the new dialogue state, in one transaction.
    latency_ms = int((time.perf_counter() - started) * 1000)
    metadata = {"quote": outcome.quote, "citations": outcome.citations, "escalated": escalation is not None,
                "booking_id": getattr(outcome.booking, "pk", None), "experiments": experiments,
                "model_version": _model_version(generation)}
    with transaction.atomic():
        reply = conversation_services.message_record_outbound(
            conversation=conversation, text=text, author=Message.Author.AI, in_reply_to=message,
            agent=agent_name,
            route=Message.Route.HUMAN if escalation else generation.route,
            provider=generation.provider if generation else "",
            model=generation.model if generation else "",
            confidence=generation.confidence if generation else parsed["intent_confidence"],
            latency_ms=latency_ms,
            prompt_tokens=generation.prompt_tokens if generation else 0,
            completion_tokens=generation.completion_tokens if generation else 0,
            cost_usd=generation.cost_usd if generation else 0,
            metadata=metadata,
        )
        _customer_adopt_contact(customer, state.get("booking") or {})
        variants = ",".join(f"{key}:{variant}" for key, variant in sorted(experiments.items()))[:100]
        Conversation.objects.filter(pk=conversation.pk).update(state=state, experiment_variant=variants)
        conversation.state, conversation.experiment_variant = state, variants
        if escalation is not None:
            conversation_services.conversation_escalate(
                conversation=conversation, reason=escalation[0], priority=escalation[1], message=message
            )
    return InboundResult(conversation=conversation, message=message, reply=reply, created=True, quote=outcome.quote,
                         booking=outcome.booking, escalated=escalation is not None, citations=outcome.citations)


BOOKING_FLOW_CARRY_OVER = datetime.timedelta(days=3)


def _booking_flow_elsewhere(conversation, now) -> dict:
    """The dialogue state of the customer's booking in progress on another channel (collecting details or awaiting
    the yes), active within BOOKING_FLOW_CARRY_OVER, so a booking started on web chat can be finished by SMS."""
    other = (Conversation.objects.filter(customer_id=conversation.customer_id,
                                         last_activity_at__gte=now - BOOKING_FLOW_CARRY_OVER,
                                         state__stage__in=["collecting", "awaiting_confirmation"])
             .exclude(pk=conversation.pk).order_by("-last_activity_at").only("state").first())
    if other is None:
        return {}
    carried = {key: other.state[key] for key in ("stage", "booking", "last_quote", "upsell_offered")
               if key in other.state}
    carried["carried_from_conversation"] = other.pk
    return carried


def _customer_adopt_contact(customer, booking: dict) -> None:
    """A name, email or phone the customer gave in the conversation is kept on their record when it is missing
    there, so their next SMS or email reaches the same customer and memory. A contact that already belongs to
    another customer is left alone (staff can merge the two in the admin)."""
    for key in ("name", "email", "phone"):
        if booking.get(key) and not getattr(customer, key):
            try:
                with transaction.atomic():   # a savepoint: a lost race on a unique contact leaves the reply intact
                    conversation_services.customer_update(customer=customer, **{key: booking[key]})
            except (ValidationError, IntegrityError):
                continue


def _answer_survey(conversation, message) -> InboundResult | None:
    rating = survey_rating(message.text)
    token = pending_survey_token(customer=conversation.customer, message=message) if rating else None
    if token is None:
        return None
    from learning.services.outcomes import survey_record_response

    score, comment = rating
    with transaction.atomic():
        survey_record_response(token=token, rating=score, comment=comment)
        reply = conversation_services.message_record_outbound(
            conversation=conversation, text="Thank you for your feedback!" + (
                " We're sorry it wasn't better; a manager will read your comments." if score <= 2 else ""),
            author=Message.Author.AI, in_reply_to=message, agent="survey", route=Message.Route.STUDENT,
            provider="", model="", metadata={"survey_rating": score},
        )
    return InboundResult(conversation=conversation, message=message, reply=reply, created=True)


def _instructions(specialist, overrides: dict) -> str:
    suffix = str(overrides.get("instructions_suffix") or "").strip()
    return f"{specialist.instructions} {suffix}" if suffix else specialist.instructions


def _model_version(generation) -> str:
    """What wrote the reply, for rewards per model version: the model, and for the template provider the NLU
    version whose reading of the message the template rests on."""
    if generation is None:
        return f"nlu-{nlu_model_current().version}"
    if generation.provider == "local" or generation.model == LocalProvider.model:
        return f"{generation.model}+nlu-{nlu_model_current().version}"
    return generation.model


def _recent(memory, customer) -> list[dict]:
    """The memory backend's recent(); if it is down (a graph database on another host), the Message table's."""
    try:
        return memory.recent(customer, limit=12)
    except Exception:
        logger.exception("Memory backend %r failed; answering from PostgreSQL's history", memory.alias)
        return [{"id": m.pk, "author": m.author, "text": m.text}
                for m in conversation_history(customer=customer, limit=12)]


def _acknowledge_waiting(conversation, message, now) -> InboundResult:
    """While staff handle the conversation the AI says nothing; while it waits for them, it acknowledges once."""
    last_escalation = conversation.escalations.order_by("-created_at").first()
    since_id = (last_escalation.message_id or 0) if last_escalation else 0
    already = conversation.messages.filter(author=Message.Author.AI, id__gt=since_id,
                                           metadata__waiting_ack=True).exists()
    reply = None
    if conversation.status == Conversation.Status.WAITING_FOR_HUMAN and not already:
        reply = conversation_services.message_record_outbound(
            conversation=conversation, text=f"Thanks, I've added this to your conversation. "
                                            f"{staff_availability_note(now)}",
            author=Message.Author.AI, in_reply_to=message, agent="care", route=Message.Route.HUMAN,
            metadata={"waiting_ack": True, "escalated": True},
        )
    return InboundResult(conversation=conversation, message=message, reply=reply, created=True, escalated=True)
