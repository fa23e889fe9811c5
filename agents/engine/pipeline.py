"""One pipeline for every channel: a stored and committed inbound message is answered in five named steps.

1. load: the conversation, the customer, the dialogue state, the history from memory and the customer's A/B variants
   (reads only);
2. understand: NLU on the message, resolved against its own timestamp, and the booking details it gives. The reading
   is saved on the message by the commit, with the reply; a turn that fails after it saves the reading alone, so a
   message whose answer failed keeps what was understood, for staff and for the retry;
3. decide: the router picks the specialist, whose outcome holds drafts per tone, facts, an escalation and the changes
   to make as decisions (`decisions.py`). Specialists never write;
4. generate: the provider writes the answer, unless the specialist already sends the customer to a human. Providers
   never write either: the result carries their attempts (and a cascade's student/teacher pair);
5. commit: ONE transaction carries out every decision, stores the message's reading, the model calls, the reply, the
   dialogue state, the contact details the customer gave and the escalation. A decision whose reply needs its result
   (the new booking's number and total, a refund) renders that reply here from the record; see `decisions.py` for
   why it replaces a language model's text. A turn with decisions first locks the conversation's row and checks that
   its dialogue state is still the one the turn loaded: two turns of one conversation answered at once (two "yes")
   must not both act on the same state, so the later one is run again on the state the first committed. A turn
   without decisions makes the same check in the UPDATE that saves its state (`WHERE state = <as loaded>`, which
   PostgreSQL re-checks on the row a concurrent commit left): one statement less, the same outcome.

Two short paths keep the same rule (the reply and its changes in one transaction): a conversation staff handle (the AI
acknowledges once while it waits, then stays quiet) and an answer to the satisfaction survey.
"""

from __future__ import annotations

import copy
import datetime
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Greatest
from django.utils import timezone

import nlu
from agents.providers import get_provider
from agents.providers.base import GenerationRequest, GenerationResult
from agents.providers.extraction import understanding_merge
from agents.providers.recording import generation_record
from conversations import services as conversation_services
from conversations.models import Conversation, Message
from conversations.selectors import conversation_history
from hibachi.versioned_cache import versions_pinned
from knowledge.memory import get_memory
from nlu.artifacts import nlu_model_current

from . import dialogue, exemplars, prices
from .experiments import CustomerExperiments, experiment_overrides, thresholds_for
from .replies import reply_text
from .router import route
from .specialists import SPECIALISTS, AgentContext, AgentOutcome
from .surveys import SurveyTurn, survey_turn
from .tone import by_tone, conversation_tone
from .tools import build_tools
from .turn_effects import (
    contacts_claimed,
    customer_adopt_name,
    decision_carry_out,
    draft_for_tone,
    plan_fields,
    staff_availability_note,
    state_is,
)

logger = logging.getLogger(__name__)

BOOKING_FLOW_CARRY_OVER = datetime.timedelta(days=3)
# What an LLM is not told about the customer while the sender is not verified (customer care asks for a code first).
UNVERIFIED_HIDDEN = {"open_bookings", "past_bookings", "email", "phone"}
# How many times a turn is run when another turn of its conversation keeps committing first (ConversationChanged).
TURN_ATTEMPTS = 3


class ConversationChanged(Exception):
    """Another turn of the conversation committed a new dialogue state after this turn loaded it: carrying out this
    turn's decisions (a booking, a cancellation) on the old state would act twice or on what no longer holds. Nothing
    of the turn was written; conversation_answer runs it again on the new state."""


@dataclass
class InboundResult:
    conversation: Conversation
    message: Message
    reply: Message | None
    created: bool                      # False: the reply of an earlier answer (messaging.inbound_answer_once)
    quote: dict | None = None
    booking: object = None
    escalated: bool = False
    citations: list = field(default_factory=list)


def conversation_answer(*, message: Message, conversation: Conversation | None = None) -> InboundResult:
    """Understand and answer a persisted inbound message (also used to retry one whose answer failed).

    `conversation`: the message's conversation with its customer (select_related), read by a caller that holds the
    conversation's answer lock (messaging.inbound_answer_once), so that the load step does not read it again; without
    it, the load step reads it.

    Safe when called twice at once for one conversation (messaging.inbound_answer_once serializes its callers, and
    the commit step checks on its own): a turn whose state another turn changed meanwhile is run again, at most
    TURN_ATTEMPTS times, then ConversationChanged is raised."""
    attempt = 1
    while True:
        try:
            with versions_pinned():   # the cached tables' versions: one round trip for the whole reply
                return _answer(message, conversation)
        except ConversationChanged:
            conversation = None   # read the state the other turn committed
            if attempt >= TURN_ATTEMPTS:
                raise
            attempt += 1
            logger.info("conversation %s changed while message %s was answered; answering it again",
                        message.conversation_id, message.pk)


def _answer(message: Message, conversation: Conversation | None = None) -> InboundResult:
    loaded = _load(message, conversation)
    carrying_on = False
    if loaded.conversation.status in (Conversation.Status.WAITING_FOR_HUMAN, Conversation.Status.HUMAN_ACTIVE):
        if not _only_unsure_handover(loaded.conversation):
            return _acknowledge_waiting(loaded)
        carrying_on = True
    # An answer to the satisfaction survey's latest question (a rating, a yes/no) is recorded, not answered by an agent.
    survey = _survey_answer(loaded)
    if survey is not None:
        return _commit_survey(loaded, survey)
    understood = _understand(loaded)
    try:
        decided = _decide(loaded, understood)
        answer = _generate(loaded, understood, decided)
        if carrying_on and answer.escalation is not None:
            return _acknowledge_waiting(loaded)   # still unsure: staff have it already, nothing new is escalated
        return _commit(loaded, understood, decided, answer)
    except BaseException:
        _reading_keep(loaded.message, understood.reading)
        raise


def _reading_keep(message: Message, reading: dict) -> None:
    """A turn that failed after understanding its message stores the reading alone (its commit would have stored it
    with the reply): staff, and the retry, see what was understood. Never raises over the turn's own error."""
    try:
        conversation_services.message_set_nlu(message=message, nlu=reading)
    except Exception:  # noqa: BLE001 - e.g. the database is what failed
        logger.exception("could not keep the reading of message %s after its answer failed", message.pk)


# 1. load --------------------------------------------------------------------------------------------------------------

@dataclass
class Loaded:
    message: Message
    conversation: Conversation
    customer: Any
    now: datetime.datetime
    started: float                  # perf_counter() when the answer began, for the reply's latency
    state: dict                     # the dialogue state, updated in memory by the steps and saved by the commit
    state_at_load: dict             # the conversation's stored state as loaded, to detect a turn committed meanwhile
    memory: Any                     # the memory backend
    history: list[dict]             # the customer's latest messages on every channel, oldest first
    experiments: CustomerExperiments


def _load(message: Message, conversation: Conversation | None = None) -> Loaded:
    started = time.perf_counter()
    if conversation is None or not Conversation.customer.is_cached(conversation):
        conversation = Conversation.objects.select_related("customer").get(pk=message.conversation_id)
    customer = conversation.customer
    now = timezone.now()
    # A booking left unfinished in another conversation is offered, not assumed ("Last time we talked about...").
    state_at_load = copy.deepcopy(conversation.state or {})
    state = copy.deepcopy(state_at_load) or _booking_flow_elsewhere(conversation, now)
    # Memory spans channels: the customer's latest messages on every channel, from the configured backend.
    memory = get_memory()
    history = [{"role": "user" if m["author"] == Message.Author.CUSTOMER else "assistant", "content": m["text"]}
               for m in _recent(memory, customer) if m["id"] != message.pk]
    return Loaded(message=message, conversation=conversation, customer=customer, now=now, started=started,
                  state=state, state_at_load=state_at_load, memory=memory, history=history,
                  experiments=experiment_overrides(customer=customer))


def _booking_flow_elsewhere(conversation, now) -> dict:
    """The customer's booking in progress in another conversation (collecting details or awaiting the yes), active
    within BOOKING_FLOW_CARRY_OVER, as an offer (`resume_offer`): the sales agent asks whether to continue with it,
    so a booking started on web chat can be finished by SMS, but a new conversation never starts as if the customer
    had just given those details again."""
    other = (Conversation.objects.filter(customer_id=conversation.customer_id,
                                         last_activity_at__gte=now - BOOKING_FLOW_CARRY_OVER,
                                         state__stage__in=["collecting", "awaiting_confirmation"])
             .exclude(pk=conversation.pk).order_by("-last_activity_at").only("state").first())
    if other is None:
        return {}
    if not (other.state.get("booking") or {}).get("adults"):
        return {}
    return {"resume_offer": {"booking": other.state["booking"], "conversation": other.pk,
                             "upsell_offered": other.state.get("upsell_offered")}}


def _recent(memory, customer) -> list[dict]:
    """The memory backend's recent(); if it is down (a graph database on another host), the Message table's."""
    try:
        return memory.recent(customer, limit=12)
    except Exception:
        logger.exception("Memory backend %r failed; answering from PostgreSQL's history", memory.alias)
        return [{"id": m.pk, "author": m.author, "text": m.text}
                for m in conversation_history(customer=customer, limit=12)]


# 2. understand --------------------------------------------------------------------------------------------------------

@dataclass
class Understood:
    nlu: dict                       # nlu.parse(...).to_dict()
    changed: list[str]              # the booking slots this message filled or corrected
    # A one-time code the message typed back, checked (and its attempt counted) at once: result "none" otherwise.
    verification: conversation_services.CodeCheck = field(
        default_factory=lambda: conversation_services.CodeCheck("none"))
    memory: exemplars.Recall | None = None   # the staff corrections near this message (exemplars.py)
    reading: dict = field(default_factory=dict)   # what is stored on the message (its own tone), by the commit


def _understand(loaded: Loaded) -> Understood:
    message = loaded.message
    asked = loaded.state.pop("asked", None)   # the question the last reply asked; asked again only if still open
    asked = asked if asked in dialogue.EXPECTABLE else None
    parsed = nlu.parse(message.text, reference_date=timezone.localtime(message.sent_at), expected=asked).to_dict()
    if settings.AI_EXTRACTION:   # an LLM's acts and slots, only what the rules let stand (providers/extraction.py)
        reading = get_provider().extract(message.text, {"nlu": parsed, "history": loaded.history})
        parsed = understanding_merge(parsed, reading)
    memory = exemplars.recall(message.text, stage=loaded.state.get("stage") or "")
    parsed = exemplars.labels_apply(memory, parsed)   # a staff label fix counts at once, before the next retrain
    reading = parsed
    verification = conversation_services.verification_code_check(conversation=loaded.conversation, text=message.text)
    if verification.result != "none":   # "123456" is a code, not 123,456 guests (and no corrected answer applies)
        # A code may have attached its contact to the customer: the rest of the turn (whether the sender is verified)
        # reads the customer as it is now, not as loaded.
        loaded.customer.refresh_from_db(fields=["email", "phone"])
        return Understood(nlu=parsed, changed=[], verification=verification, reading=reading)
    changed = dialogue.merge_entities(loaded.state, parsed["entities"], text=message.text, expected=asked)
    # The message keeps its own tone; the turn answers in the conversation's.
    parsed = {**parsed, "message_tone": parsed["tone"], "tone": conversation_tone(loaded.state, parsed["tone"])}
    return Understood(nlu=parsed, changed=changed, memory=memory, reading=reading)


# 3. decide ------------------------------------------------------------------------------------------------------------

@dataclass
class Decided:
    agent: str
    specialist: Any
    ctx: AgentContext
    outcome: AgentOutcome


def _decide(loaded: Loaded, understood: Understood) -> Decided:
    parsed = understood.nlu
    if understood.verification.result != "none":   # a code typed back: customer care answers (and resumes)
        agent = "care"
    else:
        agent = route(intent=parsed["intent"], entities=parsed["entities"], state=loaded.state,
                      changed=understood.changed, intent_confidence=parsed["intent_confidence"] or 0.0,
                      text=loaded.message.text, acts=parsed.get("acts"))
    specialist = SPECIALISTS[agent]
    verified = conversation_services.message_sender_verified(message=loaded.message,
                                                             conversation=loaded.conversation, now=loaded.now)
    ctx = AgentContext(customer=loaded.customer, conversation=loaded.conversation, message=loaded.message,
                       nlu=parsed, state=loaded.state, history=loaded.history, now=loaded.now,
                       changed=understood.changed, overrides=loaded.experiments.overrides,
                       sender_verified=verified, verification=understood.verification)
    outcome = specialist.handle(ctx)
    if understood.memory is not None:   # a staff-corrected answer to the same question replaces the draft
        exemplars.reply_apply(understood.memory, agent=agent, state=loaded.state, outcome=outcome)
    return Decided(agent=agent, specialist=specialist, ctx=ctx, outcome=outcome)


# 4. generate ----------------------------------------------------------------------------------------------------------

@dataclass
class Answer:
    text: str
    escalation: tuple[str, str] | None          # (reason, priority) when a person takes over
    request: GenerationRequest | None = None    # None when the specialist escalated without asking a model
    generation: GenerationResult | None = None
    price_guard: dict | None = None             # set when a model's text quoted an amount the facts do not hold


def _generate(loaded: Loaded, understood: Understood, decided: Decided) -> Answer:
    """The provider writes the answer, unless the agent's rules already send it to a human."""
    outcome, state, overrides = decided.outcome, loaded.state, loaded.experiments.overrides
    low, high = thresholds_for(overrides)
    request = generation = text = price_guard = None
    tool_results: list = []
    escalation = outcome.escalate
    if escalation is None:
        provider = get_provider()
        facts = dict(outcome.facts)
        if provider.reads_facts:   # what we remember about the customer (bookings, allergies...), for LLMs
            try:
                facts["customer"] = loaded.memory.context(loaded.customer)
                if not decided.ctx.sender_verified:   # an unproven sender is told no booking and no contact
                    facts["customer"] = {key: value for key, value in facts["customer"].items()
                                         if key not in UNVERIFIED_HIDDEN}
            except Exception:
                logger.exception("Memory backend %r failed; answering without the customer's context",
                                 loaded.memory.alias)
        request = GenerationRequest(
            agent=decided.agent, instructions=_instructions(decided.specialist, overrides), history=loaded.history,
            message=loaded.message.text, nlu={**understood.nlu, "understanding": outcome.understanding}, facts=facts,
            draft=outcome.draft, completeness=outcome.completeness,
            tools=prices.tools_watched(build_tools(decided.ctx, decided.specialist.tool_names), tool_results),
            customer_id=loaded.customer.pk,
            conversation_id=loaded.conversation.pk, inbound_message_id=loaded.message.pk,
            thresholds=(low, high) if overrides else None,
            exemplars=understood.memory.few_shot if understood.memory else [],
        )
        generation = provider.generate(request)
        asked = state.pop("escalation_request", None)
        if asked and generation.route != "human":   # the model called escalate_to_human
            priority = asked.get("priority")
            priority = priority if priority in {"low", "normal", "high", "urgent"} else "normal"
            escalation = (f"the model asked for a human: {asked.get('reason', '')}".strip()[:255], priority)
        if generation.route == "human" or generation.confidence < low:
            escalation = (generation.escalation_reason or "low confidence", "normal")
        else:
            text = generation.text
            if not _renders_drafts(generation.provider):   # a model wrote it: it may quote only computed prices
                price_guard = prices.price_check(text, facts=facts, quote=outcome.quote, drafts=outcome.draft,
                                                 tool_results=[*tool_results, *request.exemplars])
                if price_guard is not None:
                    text = draft_for_tone(outcome.draft, understood.nlu)
    if escalation is not None:
        tone = decided.ctx.tone
        core = outcome.draft["default"] if outcome.escalate else reply_text("handoff", "escalation", tone=tone)
        text = by_tone(f"{core} {staff_availability_note(loaded.now, tone=tone)}")[tone]
    return Answer(text=text, escalation=escalation, request=request, generation=generation, price_guard=price_guard)


def _instructions(specialist, overrides: dict) -> str:
    suffix = str(overrides.get("instructions_suffix") or "").strip()
    return f"{specialist.instructions} {suffix}" if suffix else specialist.instructions


# 5. commit ------------------------------------------------------------------------------------------------------------

def _commit(loaded: Loaded, understood: Understood, decided: Decided, answer: Answer) -> InboundResult:
    """Carry out the turn's decisions and store the reply with everything it rests on, in one transaction."""
    conversation, customer, state, outcome = loaded.conversation, loaded.customer, loaded.state, decided.outcome
    generation, escalation, text = answer.generation, answer.escalation, answer.text
    booking = None
    experiments = loaded.experiments.variants
    decisions = (*outcome.decisions, *loaded.experiments.decisions)
    with transaction.atomic():
        if decisions:   # they act on the state as loaded: hold the row from the start
            _lock_unchanged(loaded)
        conversation_services.message_set_nlu(message=loaded.message, nlu=understood.reading)
        for decision in decisions:
            result, drafts = decision_carry_out(decision, state)
            if result is not None:
                booking = decision.booking_of(result) or booking
            if drafts is not None and escalation is None:
                text = draft_for_tone(drafts, understood.nlu)
        if generation is not None:
            generation_record(request=answer.request, generation=generation)
        processing_ms = int((time.perf_counter() - loaded.started) * 1000)
        metadata = {"quote": outcome.quote, "citations": outcome.citations, "escalated": escalation is not None,
                    "booking_id": getattr(booking, "pk", None), "experiments": experiments,
                    "model_version": _model_version(generation, understood.nlu), **plan_fields(
                        tone=decided.ctx.tone, decisions=outcome.decisions, processing_ms=processing_ms)}
        if answer.price_guard is not None:
            metadata["price_guard"] = answer.price_guard
        if escalation is None:
            text = contacts_claimed(loaded, state, text, tone=decided.ctx.tone)
        drafts_rendered = generation is not None and _renders_drafts(generation.provider)
        if understood.memory is not None:
            metadata.update(understood.memory.metadata(drafts_rendered=drafts_rendered and escalation is None))
        reply = conversation_services.message_record_outbound(
            conversation=conversation, text=text, author=Message.Author.AI, in_reply_to=loaded.message,
            agent=decided.agent,
            route=Message.Route.HUMAN if escalation else generation.route,
            provider=generation.provider if generation else "",
            model=generation.model if generation else "",
            confidence=generation.confidence if generation else understood.nlu["intent_confidence"],
            latency_ms=processing_ms,
            prompt_tokens=generation.prompt_tokens if generation else 0,
            completion_tokens=generation.completion_tokens if generation else 0,
            cost_usd=generation.cost_usd if generation else 0,
            metadata=metadata, touch=False,
        )
        exemplars.uses_record(understood.memory, reply=reply, drafts_rendered=drafts_rendered and escalation is None,
                              model_asked=generation is not None)
        customer_adopt_name(customer, state.get("booking") or {})
        variants = ",".join(f"{key}:{variant}" for key, variant in sorted(experiments.items()))[:100]
        # One UPDATE: the state, the variants and the activity time the reply's record left to it (touch=False);
        # without decisions, only if the state is still the one loaded (else nothing of the turn is kept).
        target = Conversation.objects.filter(pk=conversation.pk)
        if not decisions:
            target = target.filter(state_is(loaded.state_at_load))
        updated = target.update(state=state, experiment_variant=variants,
                                last_activity_at=Greatest("last_activity_at", Value(reply.sent_at)))
        if not updated:
            raise ConversationChanged(f"conversation {conversation.pk} was answered by another turn while message "
                                      f"{loaded.message.pk} was being answered")
        conversation.state, conversation.experiment_variant = state, variants
        conversation.last_activity_at = max(conversation.last_activity_at, reply.sent_at)
        if escalation is not None:
            conversation_services.conversation_escalate(
                conversation=conversation, reason=escalation[0], priority=escalation[1], message=loaded.message
            )
    return InboundResult(conversation=conversation, message=loaded.message, reply=reply, created=True,
                         quote=outcome.quote, booking=booking, escalated=escalation is not None,
                         citations=outcome.citations)


def _lock_unchanged(loaded: Loaded) -> None:
    """Lock the conversation's row until the commit ends (a concurrent turn's commit waits here) and refuse the turn
    if its dialogue state is no longer the one loaded."""
    stored = (Conversation.objects.select_for_update().values_list("state", flat=True)
              .get(pk=loaded.conversation.pk))
    if (stored or {}) != loaded.state_at_load:
        raise ConversationChanged(f"conversation {loaded.conversation.pk} was answered by another turn while message "
                                  f"{loaded.message.pk} was being answered")


def _model_version(generation, parsed: dict) -> str:
    """What wrote the reply, for rewards per model version: the model, and for a provider that renders the agent's
    drafts (the template provider) the NLU version (and fine-tuned encoder) whose reading of the message the draft
    rests on."""
    understanding = parsed.get("model_version") or nlu_model_current().version
    if generation is None:
        return f"nlu-{understanding}"
    if _renders_drafts(generation.provider):
        return f"{generation.model}+nlu-{understanding}"
    return generation.model


def _renders_drafts(alias: str) -> bool:
    try:
        return get_provider(alias).renders_drafts
    except ImproperlyConfigured:   # an alias these settings do not define (a provider built outside them)
        return False


# The two short paths -------------------------------------------------------------------------------------------------

def _survey_answer(loaded: Loaded) -> SurveyTurn | None:
    return survey_turn(customer=loaded.customer, message=loaded.message)


def _commit_survey(loaded: Loaded, survey: SurveyTurn) -> InboundResult:
    with transaction.atomic():
        survey.decision.carry_out()
        reply = conversation_services.message_record_outbound(
            conversation=loaded.conversation, text=survey.text, author=Message.Author.AI, in_reply_to=loaded.message,
            agent="survey", route=Message.Route.STUDENT, provider="", model="",
            metadata={**survey.metadata, **plan_fields(
                tone="default", processing_ms=int((time.perf_counter() - loaded.started) * 1000))},
        )
    return InboundResult(conversation=loaded.conversation, message=loaded.message, reply=reply, created=True)


# What the cascade writes when it hands a reply to staff only because no answer was sure enough.
UNSURE_REASON = "low confidence"


def _only_unsure_handover(conversation: Conversation) -> bool:
    """The conversation waits for staff only because an earlier reply was unsure (no staff member has taken it, and
    no complaint, refund, request for a person or other reason of the handbook sent it there). The customer who goes
    on giving booking details is answered where the assistant is sure of its answer: a vague first message ("u guys
    do friendsgiving??") must not silence the rest of a booking. Staff still have the escalation to review."""
    if conversation.status != Conversation.Status.WAITING_FOR_HUMAN:
        return False
    open_reasons = set(conversation.escalations.filter(resolved_at__isnull=True).values_list("reason", flat=True))
    return bool(open_reasons) and open_reasons <= {UNSURE_REASON}


def _acknowledge_waiting(loaded: Loaded) -> InboundResult:
    """While staff handle the conversation the AI says nothing; while it waits for them, it acknowledges once."""
    conversation, message = loaded.conversation, loaded.message
    last_escalation = conversation.escalations.order_by("-created_at").first()
    since_id = (last_escalation.message_id or 0) if last_escalation else 0
    already = conversation.messages.filter(author=Message.Author.AI, id__gt=since_id,
                                           metadata__waiting_ack=True).exists()
    reply = None
    if conversation.status == Conversation.Status.WAITING_FOR_HUMAN and not already:
        reply = conversation_services.message_record_outbound(
            conversation=conversation, text=f"{reply_text('handoff', 'waiting_ack', tone=None)} "
                                            f"{staff_availability_note(loaded.now)}",
            author=Message.Author.AI, in_reply_to=message, agent="care", route=Message.Route.HUMAN,
            metadata={"waiting_ack": True, "escalated": True, **plan_fields(
                tone="default", processing_ms=int((time.perf_counter() - loaded.started) * 1000))},
        )
    return InboundResult(conversation=conversation, message=message, reply=reply, created=True, escalated=True)
