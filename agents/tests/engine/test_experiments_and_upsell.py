"""A/B experiments and the upsell predictor, as the engine applies them."""

import pytest

from agents.engine.experiments import experiment_overrides, thresholds_for
from bookings.models import PriceItem
from conversations.models import Conversation
from learning.models import Experiment, ExperimentAssignment, UpsellOffer

pytestmark = pytest.mark.django_db
QUOTE = "How much for 12 adults?"


def make_experiment(key, variants, *, kind=Experiment.Kind.TEMPLATE, status=Experiment.Status.RUNNING):
    return Experiment.objects.create(key=key, name=key, kind=kind, variants=variants, status=status)


def test_the_house_upsell_is_priced_from_the_price_list(business, chat):
    PriceItem.objects.filter(code="filet_mignon").update(unit_price=7)

    result = chat().say(QUOTE)

    assert "Many groups add filet mignon (+$7 per person) or gyoza ($12 per order of 12)." in result.reply.text
    assert Conversation.objects.get().state["upsell_offered"] == "house"


def test_the_predictors_pick_is_offered_and_recorded(business, chat, monkeypatch):
    monkeypatch.setattr("learning.selectors.upsell_recommend", lambda **kwargs: "edamame")

    result = chat().say(QUOTE)

    assert "Many groups add edamame ($5 per order)." in result.reply.text
    offer = UpsellOffer.objects.get()
    assert (offer.addon, offer.conversation) == ("edamame", result.conversation)


def test_an_experiment_variant_can_turn_the_upsell_off(business, chat):
    make_experiment("no-upsell", [{"key": "off", "weight": 1, "config": {"upsell": "off"}}])

    result = chat().say(QUOTE)

    assert "Many groups add" not in result.reply.text
    assert result.reply.metadata["experiments"] == {"no-upsell": "off"}
    assert Conversation.objects.get().experiment_variant == "no-upsell:off"
    assert ExperimentAssignment.objects.get().variant == "off"


def test_a_stopped_experiment_changes_nothing(business, chat):
    make_experiment("no-upsell", [{"key": "off", "config": {"upsell": "off"}}], status=Experiment.Status.STOPPED)

    result = chat().say(QUOTE)

    assert "Many groups add" in result.reply.text and result.reply.metadata["experiments"] == {}


def test_a_threshold_experiment_sets_the_customers_escalation_threshold(business, chat):
    make_experiment("strict", [{"key": "strict", "config": {"confidence_threshold_low": 0.98,
                                                            "confidence_threshold_high": 0.99}}],
                    kind=Experiment.Kind.THRESHOLD)

    result = chat().say(QUOTE)

    assert result.escalated and result.reply.route == "human"


def test_an_invalid_threshold_pair_falls_back_to_the_settings(settings):
    assert thresholds_for({"confidence_threshold_low": 0.9, "confidence_threshold_high": 0.5}) == (
        settings.CONFIDENCE_THRESHOLD_LOW, settings.CONFIDENCE_THRESHOLD_HIGH)


def test_the_same_customer_always_gets_the_same_variant(business):
    from conversations.tests.factories import CustomerFactory

    make_experiment("ab", [{"key": "a", "weight": 1, "config": {}}, {"key": "b", "weight": 1, "config": {}}])
    customer = CustomerFactory()

    assert {experiment_overrides(customer=customer)[1]["ab"] for _ in range(5)} == {
        experiment_overrides(customer=customer)[1]["ab"]}


def test_replies_carry_the_model_version_for_rewards(business, chat):
    from nlu.artifacts import nlu_model_current

    result = chat().say(QUOTE)

    assert result.reply.metadata["model_version"] == f"templates-v1+nlu-{nlu_model_current().version}"
