"""Response templates that vary with the customer's detected tone."""

OPENERS = {
    "formal": "Thank you for your message. ",
    "casual": "Sure thing! ",
    "anxious": "No worries, we'll take good care of you. ",
    "warm": "Thanks so much for reaching out! ",
    "direct": "",
}
CLOSERS = {
    "formal": " Please let me know if I can be of further assistance.",
    "casual": "",
    "anxious": " I'm here if you have any other questions.",
    "warm": " We'd love to cook for you!",
    "direct": "",
}


def by_tone(core: str, *, question: str | dict = "", opener: bool = True) -> dict[str, str]:
    """The same answer in each tone: {"default": ..., "formal": ..., ...}. A follow-up question goes last (one text,
    or one per tone as agents.engine.replies.question_drafts gives). `opener=False` for answers that open by
    themselves ("You're welcome!")."""
    def tail(tone):
        asked = question.get(tone, question.get("default", "")) if isinstance(question, dict) else question
        return f" {asked}" if asked else ""

    drafts = {"default": f"{core}{tail('default')}".strip()}
    for tone, opener_text in OPENERS.items():
        opener_text = opener_text if opener else ""
        closer = CLOSERS[tone] if not question else ""
        drafts[tone] = f"{opener_text}{core}{tail(tone)}{closer}".strip()
    return drafts


# How much an earlier message's tone still counts at each new message, and how much a neutral ("direct") message
# counts: a plain "6pm works" among friendly messages is not a change of mood.
TONE_DECAY = 0.7
NEUTRAL_TONE, NEUTRAL_WEIGHT = "direct", 0.5


def conversation_tone(state: dict, message_tone: str | None) -> str | None:
    """The tone to answer in: a vote over the customer's messages so far in which each earlier message counts
    TONE_DECAY times less per message since, kept in `state["tone_votes"]`. A reply then follows the conversation
    rather than flipping with each message ("Sure thing!" then "Thank you for your message.")."""
    votes = {tone: weight * TONE_DECAY for tone, weight in (state.get("tone_votes") or {}).items()}
    if message_tone:
        votes[message_tone] = votes.get(message_tone, 0.0) + (
            NEUTRAL_WEIGHT if message_tone == NEUTRAL_TONE else 1.0)
    votes = {tone: round(weight, 4) for tone, weight in votes.items() if weight >= 0.01}
    state["tone_votes"] = votes
    if not votes:
        return message_tone
    # Ties go to the message's own tone.
    return max(votes, key=lambda tone: (votes[tone], tone == message_tone))
