"""The label sets of the three classification heads and of the dialogue acts. Training data and saved models must use
exactly these."""

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

# Dialogue acts: what the message does in the conversation, several at once ("perfect, book it. Priya 650-555-0190" is
# affirm + inform). A message with none of them (a stray "lol") has no act.
#   affirm        yes, agreement, a go-ahead ("book it", "sounds good", "that works", a bare "ok")
#   deny          no, not yet, a refusal, "that's wrong"
#   inform        tells us about the customer's event, booking, wishes or situation (counts, date, time, place, name,
#                 contact, menu choices, allergies, booking number, what happened, "cancel it", "get me a person")
#   request_info  asks a question or asks us to tell, send or explain something
#   change        corrects or changes a detail already given or booked ("actually 25", "move it to Sunday")
#   thanks        thanks
#   greet         a salutation that opens or closes ("hi", "good morning", "Dear team", "bye", "have a good night")
ACTS = ("affirm", "deny", "inform", "request_info", "change", "thanks", "greet")
