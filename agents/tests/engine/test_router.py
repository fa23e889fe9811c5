import pytest

from agents.engine.router import route

COLLECTING = {"stage": "collecting", "booking": {"adults": 15}}


@pytest.mark.parametrize("intent, agent", [
    ("booking_inquiry", "sales"), ("pricing_question", "sales"), ("complaint", "care"),
    ("modification_request", "care"), ("cancellation_request", "care"), ("human_request", "care"),
    ("scheduling_question", "operations"), ("policy_question", "knowledge"), ("menu_question", "knowledge"),
    ("greeting", "sales"), ("other", "knowledge"),
])
def test_intent_picks_the_agent_outside_a_booking_flow(intent, agent):
    assert route(intent=intent, entities={}, state={}) == agent


def test_booking_details_mid_flow_stay_with_sales_whatever_the_intent():
    assert route(intent="menu_question", entities={"proteins": ["chicken"]}, state=COLLECTING,
                 changed=["proteins"], text="chicken and steak please") == "sales"


def test_a_confident_complaint_mid_flow_goes_to_care():
    assert route(intent="complaint", entities={"adults": 15}, state=COLLECTING, changed=["adults"],
                 intent_confidence=0.93, text="15 adults and your last chef was rude to us") == "care"


def test_contact_details_read_as_a_human_request_stay_with_sales():
    assert route(intent="human_request", entities={"phone": "+14155550199"}, state=COLLECTING, changed=["phone"],
                 intent_confidence=0.9, text="name is Tom Baker, phone 415-555-0199") == "sales"


def test_an_explicit_ask_for_a_person_mid_flow_goes_to_care():
    assert route(intent="human_request", entities={"phone": "+14155550199"}, state=COLLECTING, changed=["phone"],
                 intent_confidence=0.9, text="just have a real person call me at 415-555-0199") == "care"


def test_refund_requests_always_go_to_care():
    assert route(intent="policy_question", entities={}, state={}, text="I want a refund for my deposit") == "care"


def test_a_refund_policy_question_goes_to_knowledge():
    assert route(intent="policy_question", entities={}, state={},
                 text="Is the deposit refundable if we cancel?") == "knowledge"


def test_yes_to_a_pending_change_goes_to_care():
    assert route(intent="other", entities={}, state={"pending_action": {"type": "cancel"}}, text="yes") == "care"


def test_yes_to_the_booking_summary_goes_to_sales_whatever_the_intent():
    assert route(intent="scheduling_question", entities={}, state={"stage": "awaiting_confirmation"},
                 text="yes that's correct") == "sales"


def test_a_money_question_that_is_a_policy_goes_to_the_knowledge_documents():
    assert route(intent="pricing_question", entities={}, state={}, text="How much is the deposit?") == "knowledge"
    assert route(intent="pricing_question", entities={"adults": 20}, state={},
                 text="How much for 20 adults and the deposit?") == "sales"


def test_a_change_to_the_request_being_put_together_stays_with_sales():
    state = {"stage": "collecting", "booking": {"adults": 20, "children": 5}}
    assert route(intent="modification_request", entities={"guests": 25}, state=state, intent_confidence=0.58,
                 text="sorry, to be clear that's 25 people in total, kids included") == "sales"
    assert route(intent="modification_request", entities={}, state={"stage": "booked", "booking_id": 7},
                 text="can we change our booking?") == "care"


def test_an_unsure_reading_of_a_message_full_of_booking_details_starts_a_booking():
    entities = {"adults": 30, "date": "2026-12-20", "time": "15:00"}
    text = "uh yeah hi so we were thinking um thirty adults on the uh december twentieth at three pm"
    assert route(intent="scheduling_question", entities=entities, state={}, intent_confidence=0.36,
                 text=text) == "sales"
    assert route(intent="scheduling_question", entities={"date": "2026-12-20"}, state={}, intent_confidence=0.9,
                 text="are you free on december 20?") == "operations"


@pytest.mark.parametrize("text", ["Thanks, that helps!", "ok bye", "thank you so much, have a great night"])
def test_a_thank_you_or_goodbye_labelled_other_goes_to_sales_as_a_greeting_does(text):
    """The labelling guide calls closings `other` (a greeting is an opening hello): sales answers them either way."""
    assert route(intent="other", entities={}, state={}, text=text, acts=["thanks"]) == "sales"
    assert route(intent="greeting", entities={}, state={}, text=text, acts=["thanks"]) == "sales"


def test_a_thank_you_that_also_asks_something_is_the_question():
    assert route(intent="other", entities={}, state={}, text="thanks! do you sell gift cards?",
                 acts=["thanks", "request_info"]) == "knowledge"


# --- session 12: unsure readings of first messages (phrased anew, not the outside conversations' own) -------------


def test_an_unsure_request_for_a_person_that_names_no_person_is_about_the_event():
    text = "my son set this up for me, can a hibachi chef come cook for the family on sunday"
    assert route(intent="human_request", intent_confidence=0.42, entities={}, state={}, text=text) == "sales"


def test_a_sure_request_for_a_person_still_goes_to_customer_care():
    assert route(intent="human_request", intent_confidence=0.42, entities={}, state={},
                 text="can I talk to a real person please") == "care"


def test_a_whole_new_request_read_as_a_change_with_nothing_booked_is_quoted():
    entities = {"adults": 20, "date": "2026-12-05", "addons": {"gyoza": 1}}
    assert route(intent="modification_request", intent_confidence=0.86, entities=entities, state={},
                 text="20 adults dec 5, can we add a gyoza order?") == "sales"


def test_a_change_to_a_booked_event_stays_with_customer_care():
    entities = {"adults": 20, "date": "2026-12-05"}
    assert route(intent="modification_request", intent_confidence=0.86, entities=entities,
                 state={"booking_id": 7}, text="change our booking to 20 adults on dec 5") == "care"


def test_a_question_about_the_minimum_with_a_party_is_quoted():
    assert route(intent="policy_question", intent_confidence=0.5, entities={"adults": 3}, state={},
                 text="what's the minimum? we're just 3 adults") == "sales"
