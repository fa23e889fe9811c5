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
