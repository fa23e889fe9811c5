"""Acts and slots read by an LLM through a forced function call, cross-checked by the rules; fake servers on 127.0.0.1
driven by the official OpenAI and Ollama clients."""

import json

import pytest

from agents.providers import _load, get_provider
from agents.providers.extraction import TOOL_NAME, understanding_merge
from agents.tests.fakes import ollama_api, openai_api


def _context(acts=(), entities=None, history=()):
    return {"nlu": {"intent": "booking_inquiry", "acts": list(acts), "entities": dict(entities or {})},
            "history": list(history)}


@pytest.fixture
def providers(ai_settings):
    _load.cache_clear()
    yield ai_settings
    _load.cache_clear()


def test_openai_reads_acts_and_slots_with_a_forced_function_call(providers, fake_openai):
    fake_openai.script(openai_api.tool_calls((TOOL_NAME, {
        "acts": ["affirm", "inform"], "slots": {"name": "Priya", "phone": "650-555-0190"}})))
    text = "perfect, book it. Priya 650-555-0190"

    reading = get_provider("openai").extract(text, _context(
        acts=["affirm"], history=[{"role": "assistant", "content": "Shall I book it?"}]))

    assert reading == {"acts": ["affirm", "inform"], "slots": {"name": "Priya", "phone": "650-555-0190"},
                       "source": "openai"}
    sent = fake_openai.requests[0]["json"]
    assert sent["tool_choice"] == {"type": "function", "function": {"name": TOOL_NAME}}
    assert [tool["function"]["name"] for tool in sent["tools"]] == [TOOL_NAME]
    assert [m["role"] for m in sent["messages"]] == ["system", "assistant", "user"]
    assert sent["messages"][-1]["content"] == text


def test_a_count_the_customer_did_not_write_is_never_used(providers, fake_openai):
    fake_openai.script(openai_api.tool_calls((TOOL_NAME, {"acts": ["inform"], "slots": {"adults": 25}})))

    reading = get_provider("openai").extract("we're a big family, everyone is coming", _context())

    assert reading["slots"] == {}


def test_a_count_the_rules_read_differently_is_never_used(providers, fake_openai):
    fake_openai.script(openai_api.tool_calls((TOOL_NAME, {"acts": ["inform"], "slots": {"adults": 5,
                                                                                          "children": 3}})))

    reading = get_provider("openai").extract("20 adults and 5 kids, 3 of them under six",
                                             _context(entities={"adults": 20, "children": 2,
                                                                "children_under_6": 3}))

    assert reading["slots"] == {}   # adults 5 and children 3 are written, but the rules read 20 and 2


def test_a_written_count_the_rules_missed_is_used(providers, fake_openai):
    fake_openai.script(openai_api.tool_calls((TOOL_NAME, {"acts": ["inform"], "slots": {"adults": 12}})))

    reading = get_provider("openai").extract("it'll be twelve grown-ups", _context())

    assert reading["slots"] == {"adults": 12}


def test_an_affirm_the_rules_read_as_a_no_is_dropped(providers, fake_openai):
    fake_openai.script(openai_api.tool_calls((TOOL_NAME, {"acts": ["affirm", "inform"], "slots": {}})))

    reading = get_provider("openai").extract("no, not yet, my wife has to check the date", _context())

    assert reading["acts"] == ["inform"]


def test_prices_and_contacts_not_in_the_message_are_dropped(providers, fake_openai):
    fake_openai.script(openai_api.tool_calls((TOOL_NAME, {
        "acts": ["inform"], "slots": {"total": 1200, "email": "someone@example.com", "phone": "415-555-0100",
                                      "name": "Lena Park"}})))

    reading = get_provider("openai").extract("put it under Lena Park, 510-555-0134", _context())

    assert reading["slots"] == {"name": "Lena Park"}


def test_broken_arguments_leave_nothing_from_the_model(providers, fake_openai):
    fake_openai.script(openai_api.tool_calls((TOOL_NAME, "{not json")))

    reading = get_provider("openai").extract("yes book it", _context(acts=["affirm"]))

    assert reading == {"acts": [], "slots": {}, "source": "openai"}


def test_openai_failure_falls_back_to_the_nlu_reading(providers, fake_openai):
    fake_openai.script(openai_api.error(500))

    reading = get_provider("openai").extract("yes book it", _context(acts=["affirm"], entities={"adults": 4}))

    assert reading == {"acts": ["affirm"], "slots": {"adults": 4}, "source": "nlu"}


def test_an_answer_without_the_function_call_falls_back_to_the_nlu_reading(providers, fake_openai):
    fake_openai.script(openai_api.answer("Sure, I can book that."))

    reading = get_provider("openai").extract("yes book it", _context(acts=["affirm"]))

    assert reading["source"] == "nlu" and reading["acts"] == ["affirm"]


def test_an_open_circuit_skips_the_model(providers, fake_openai):
    fake_openai.fail(500)
    provider = get_provider("openai")
    for _ in range(3):
        provider.extract("yes", _context(acts=["affirm"]))
    hits = fake_openai.hits

    reading = provider.extract("yes", _context(acts=["affirm"]))

    assert fake_openai.hits == hits and reading["source"] == "nlu"


def test_ollama_reads_acts_and_slots_with_its_tool(providers, fake_ollama):
    fake_ollama.script(ollama_api.tool_calls((TOOL_NAME, {"acts": ["affirm", "inform", "thanks"],
                                                          "slots": {"email": "lena@parkfamily.net", "zip": "94538"}})))

    reading = get_provider("ollama").extract("ok thanks, lena@parkfamily.net, zip 94538", _context())

    assert reading == {"acts": ["affirm", "inform", "thanks"],
                       "slots": {"email": "lena@parkfamily.net", "zip": "94538"}, "source": "ollama"}
    sent = fake_ollama.requests[0]["json"]
    assert [tool["function"]["name"] for tool in sent["tools"]] == [TOOL_NAME]


def test_ollama_failure_falls_back_to_the_nlu_reading(providers, fake_ollama):
    fake_ollama.script(ollama_api.error(500))

    reading = get_provider("ollama").extract("yes", _context(acts=["affirm"]))

    assert reading["source"] == "nlu"


def test_the_template_provider_returns_the_nlu_reading_without_a_call(providers, fake_openai, fake_ollama):
    reading = get_provider("templates").extract("yes", _context(acts=["affirm"], entities={"adults": 3}))

    assert reading == {"acts": ["affirm"], "slots": {"adults": 3}, "source": "nlu"}
    assert fake_openai.hits == fake_ollama.hits == 0


def test_the_hybrid_asks_its_teacher(providers, fake_openai):
    fake_openai.script(openai_api.tool_calls((TOOL_NAME, {"acts": ["affirm"], "slots": {}})))

    assert get_provider("hybrid").extract("sounds good", _context())["source"] == "openai"


def test_the_hybrid_asks_its_student_when_the_teacher_fails(providers, fake_openai, fake_ollama):
    fake_openai.script(openai_api.error(500))
    fake_ollama.script(ollama_api.tool_calls((TOOL_NAME, {"acts": ["deny"], "slots": {}})))

    reading = get_provider("hybrid-ollama").extract("nope", _context())

    assert reading == {"acts": ["deny"], "slots": {}, "source": "ollama"}


def test_merge_keeps_the_rules_entities_and_fills_what_they_missed():
    parsed = {"intent": "booking_inquiry", "acts": ["affirm"], "entities": {"adults": 20}}

    merged = understanding_merge(parsed, {"acts": ["affirm", "inform"], "slots": {"adults": 21, "name": "Priya"},
                                          "source": "openai"})

    assert merged["entities"] == {"adults": 20, "name": "Priya"}
    assert merged["acts"] == ["affirm", "inform"] and merged["acts_source"] == "openai"


def test_merge_of_the_nlu_reading_changes_nothing():
    parsed = {"intent": "greeting", "acts": ["greet"], "entities": {}}

    assert understanding_merge(parsed, {"acts": [], "slots": {}, "source": "nlu"}) is parsed


def test_tool_schema_lists_the_acts_and_no_price():
    from agents.providers.extraction import EXTRACTION_TOOL
    from nlu.labels import ACTS

    parameters = EXTRACTION_TOOL["function"]["parameters"]
    assert parameters["properties"]["acts"]["items"]["enum"] == list(ACTS)
    slots = parameters["properties"]["slots"]["properties"]
    assert not {"price", "total", "amount"} & set(slots)
    json.dumps(EXTRACTION_TOOL)   # sent as JSON as it is
