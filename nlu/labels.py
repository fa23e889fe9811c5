"""The label sets of the three classification heads. Training data and saved models must use exactly these."""

INTENTS = (
    "booking_inquiry",
    "pricing_question",
    "menu_question",
    "scheduling_question",
    "modification_request",
    "cancellation_request",
    "complaint",
    "policy_question",
    "human_request",
    "greeting",
    "other",
)
TONES = ("formal", "casual", "anxious", "warm", "direct")
SENTIMENTS = ("negative", "neutral", "positive")

LABELS = {"intent": INTENTS, "tone": TONES, "sentiment": SENTIMENTS}
HEADS = tuple(LABELS)
