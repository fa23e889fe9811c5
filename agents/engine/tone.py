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


def by_tone(core: str, *, question: str = "", opener: bool = True) -> dict[str, str]:
    """The same answer in each tone: {"default": ..., "formal": ..., ...}. A follow-up question goes last.
    `opener=False` for answers that open by themselves ("You're welcome!")."""
    tail = f" {question}" if question else ""
    drafts = {"default": f"{core}{tail}".strip()}
    for tone, opener_text in OPENERS.items():
        opener_text = opener_text if opener else ""
        closer = CLOSERS[tone] if not question else ""
        drafts[tone] = f"{opener_text}{core}{tail}{closer}".strip()
    return drafts
