"""The correction memory's learning side: templates with slots, exemplars made by staff actions, their embedding
after commit, the nearest-neighbour read, the admin, and the threshold's calibration."""

import io
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from bookings.catalog import HANDBOOK_PRICE_ITEMS
from bookings.services import price_item_upsert
from knowledge.embedders import get_embedder
from learning.exemplar_templates import template_fill, template_make
from learning.models import Exemplar, ExemplarCalibration, ExemplarUse, Feedback
from learning.selectors import exemplar_neighbours, exemplar_outcomes
from learning.services import correction_create, labels_fix
from learning.services.exemplar_calibration import threshold_for
from learning.tests.factories import ai_exchange

PRICES = {code: price for code, _name, _kind, price in HANDBOOK_PRICE_ITEMS}
NAMES = {code: name for code, name, _kind, _price in HANDBOOK_PRICE_ITEMS}
QUOTE = {"total": "1100.00", "food_total": "1100.00", "travel_fee": "0.00", "deposit": "100.00"}
BOOKING = {"adults": 20, "date": "2026-12-12", "slot": "18:00"}


# --- templates (no database) ---------------------------------------------------------------------------------------

def test_the_conversations_facts_become_slots():
    made = template_make("For your 20 adults on Saturday, December 12 at 18:00 the total is $1,100 ($55 per adult), "
                         "with a $100 deposit.", prices=PRICES, price_names=NAMES, quote=QUOTE, booking=BOOKING)
    assert made.template == ("For your {count:adults} adults on {date:event|long} at {time:slot} the total is "
                             "{quote:total} ({price:adult} per adult), with a {price:deposit} deposit.")
    assert made.slots["{price:adult}"] == "$55" and not made.unfillable


def test_slots_are_refilled_with_todays_values():
    template = "{count:adults} adults on {date:event|long}: {quote:total} ({price:adult} per adult)."
    filled = template_fill(template, prices={**PRICES, "adult": Decimal(60)}, quote={"total": "1260.00"},
                           booking={"adults": 21, "date": "2026-12-19"})
    assert filled == "21 adults on Saturday, December 19: $1,260 ($60 per adult)."


def test_a_template_whose_slot_has_no_value_here_is_not_filled():
    assert template_fill("The total is {quote:total}.", prices=PRICES, quote=None) is None
    assert template_fill("The total is {quote:total}.", prices=PRICES, quote=None, masked=True) == \
        "The total is [the total quote]."


def test_an_amount_that_is_no_fact_makes_the_reply_unfillable():
    assert "$57" in template_make("It's $57 per adult.", prices=PRICES, price_names=NAMES).unfillable


def test_an_amount_two_prices_share_is_told_apart_by_the_words_around_it():
    made = template_make("Filet mignon is +$5 per person.", prices=PRICES, price_names=NAMES)
    assert made.template == "Filet mignon is +{price:filet_mignon} per person." and not made.unfillable
    assert "more than one fact" in template_make("That is $5 more.", prices=PRICES, price_names=NAMES).unfillable


def test_policy_numbers_stay_as_written():
    made = template_make("One chef per 30 guests; book 48 hours ahead.", prices=PRICES, booking=BOOKING)
    assert made.template == "One chef per 30 guests; book 48 hours ahead." and not made.slots


def test_the_threshold_is_the_lowest_that_keeps_false_matches_under_the_target():
    negatives = np.array([0.2, 0.5, 0.7, 0.8, 0.9])
    assert threshold_for(negatives, target=0.0) == 0.901
    assert threshold_for(negatives, target=0.2) == 0.801   # one of five may match


# --- exemplars in the database -------------------------------------------------------------------------------------

@pytest.fixture
def prices(db):
    for code, name, kind, price in HANDBOOK_PRICE_ITEMS:
        price_item_upsert(code=code, name=name, kind=kind, unit_price=price)


@pytest.fixture
def eager_celery():
    from hibachi.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.mark.django_db
def test_a_correction_becomes_an_exemplar_embedded_after_commit(prices, staff_user, eager_celery,
                                                                django_capture_on_commit_callbacks):
    question, reply = ai_exchange(question="how much per adult?", reply="How many guests?", intent="pricing_question",
                                  metadata={"stage": ""})
    with django_capture_on_commit_callbacks() as callbacks:
        correction_create(message=reply, corrected_text="It's $55 per adult.", user=staff_user)
    exemplar = Exemplar.objects.get()
    assert exemplar.correction.message == reply and exemplar.inbound_message == question
    assert exemplar.template == "It's {price:adult} per adult." and exemplar.intent == "pricing_question"
    assert exemplar.embedding is None   # not before the staff action's transaction commits
    for callback in callbacks:
        callback()
    exemplar.refresh_from_db()
    expected = get_embedder().embed(["how much per adult?"])[0]
    assert np.allclose(exemplar.embedding, expected, atol=1e-5) and exemplar.embedder == get_embedder().name


@pytest.mark.django_db
def test_a_second_correction_of_the_reply_disables_the_first(prices, staff_user):
    _question, reply = ai_exchange(reply="We have tofu.")
    correction_create(message=reply, corrected_text="We have tofu and vegetables.", user=staff_user)
    correction_create(message=reply, corrected_text="We have tofu, vegetables and a vegan fried rice.",
                      user=staff_user)
    assert list(Exemplar.objects.filter(enabled=True).values_list("reply_text", flat=True)) == [
        "We have tofu, vegetables and a vegan fried rice."]


@pytest.mark.django_db
def test_a_label_fix_becomes_a_labels_exemplar_and_fixing_it_again_updates_it(staff_user):
    question, _reply = ai_exchange(question="r u licensed and insured", intent="other")
    labels_fix(message=question, intent="policy_question", tone="casual", sentiment="neutral", user=staff_user)
    labels_fix(message=question, intent="policy_question", tone="direct", sentiment="neutral", user=staff_user)
    exemplar = Exemplar.objects.get()
    assert (exemplar.kind, exemplar.intent, exemplar.tone) == ("labels", "policy_question", "direct")


@pytest.mark.django_db
def test_approving_a_reply_as_a_model_answer_in_the_admin_makes_an_exemplar(prices, staff_client):
    _question, reply = ai_exchange(question="do you bring the grill?", reply="Yes, the chef brings the grill.",
                                   confidence=0.3)
    from learning.services import review_queue_refresh

    review_queue_refresh()
    url = reverse("admin:learning_review_item", args=[reply.review_item.pk])
    assert staff_client.post(url, {"action": "approve_model"}).status_code == 302
    exemplar = Exemplar.objects.get()
    assert exemplar.kind == "approved" and exemplar.reply_text == "Yes, the chef brings the grill."
    reply.review_item.refresh_from_db()
    assert reply.review_item.status == "approved"


@pytest.mark.django_db
def test_plain_approval_makes_no_exemplar(prices, staff_client):
    _question, reply = ai_exchange(confidence=0.3)
    from learning.services import review_queue_refresh

    review_queue_refresh()
    staff_client.post(reverse("admin:learning_review_item", args=[reply.review_item.pk]), {"action": "approve"})
    assert not Exemplar.objects.exists()


def _vector(*values):
    vector = np.zeros(384, dtype=np.float32)
    vector[:len(values)] = values
    return vector / np.linalg.norm(vector)


@pytest.mark.django_db
def test_neighbours_are_nearest_first_and_never_disabled():
    near = Exemplar.objects.create(kind="correction", customer_text="a", embedding=_vector(1, 0.1))
    far = Exemplar.objects.create(kind="correction", customer_text="b", embedding=_vector(1, 1))
    Exemplar.objects.create(kind="correction", customer_text="c", embedding=_vector(1), enabled=False)
    Exemplar.objects.create(kind="correction", customer_text="d")   # not embedded yet
    hits = exemplar_neighbours(vector=_vector(1), k=5)
    assert [hit.id for hit in hits] == [near.pk, far.pk]
    assert hits[0].similarity == pytest.approx(float(_vector(1) @ _vector(1, 0.1)), abs=1e-5)


@pytest.mark.django_db
def test_editing_the_reply_in_the_admin_rebuilds_the_template(prices, staff_client, staff_user):
    _question, reply = ai_exchange(question="how much per adult?", reply="How many guests?")
    correction_create(message=reply, corrected_text="It's $55 per adult.", user=staff_user)
    exemplar = Exemplar.objects.get()
    response = staff_client.post(reverse("admin:learning_exemplar_change", args=[exemplar.pk]),
                                 {"reply_text": "Adults are $55 each and children 6-12 are $30.", "enabled": "on"})
    assert response.status_code == 302
    exemplar.refresh_from_db()
    assert exemplar.template == "Adults are {price:adult} each and children 6-12 are {price:child}."


@pytest.mark.django_db
def test_the_admin_shows_what_customers_did_after_an_exemplars_replies(staff_client):
    question, reply = ai_exchange()
    exemplar = Exemplar.objects.create(kind="correction", customer_text=question.text, reply_text=reply.text,
                                       template=reply.text, agent="sales")
    ExemplarUse.objects.create(exemplar=exemplar, reply=reply, how="reply", similarity=0.9)
    Feedback.objects.create(message=reply, kind="thumbs_up")
    outcomes = exemplar_outcomes(exemplar=exemplar)
    assert (outcomes["replies"], outcomes["thumbs_up"], outcomes["thumbs_down"], outcomes["booked"]) == (1, 1, 0, 0)
    page = staff_client.get(reverse("admin:learning_exemplar_change", args=[exemplar.pk])).content.decode()
    assert "answered 1 messages" in page and "1 thumbs up" in page


@pytest.mark.django_db
def test_the_configured_threshold_is_the_calibrated_one_and_the_admin_shows_its_false_match_rate(staff_client,
                                                                                                 settings):
    call_command("exemplars_calibrate", stdout=io.StringIO())
    calibration = ExemplarCalibration.objects.get()
    assert calibration.threshold == settings.LEARNING_EXEMPLAR_THRESHOLD
    assert calibration.heldout["configured"]["false_match_rate"] <= settings.LEARNING_EXEMPLAR_FALSE_MATCH_TARGET
    page = staff_client.get(reverse("admin:learning_exemplar_changelist")).content.decode()
    assert "false-match rate" in page and f"{calibration.threshold:.3f}" in page


@pytest.mark.django_db
def test_the_review_item_page_links_the_exemplar_its_correction_made(prices, staff_client, staff_user):
    _question, reply = ai_exchange(question="how much per adult?", reply="How many guests?", confidence=0.3)
    correction_create(message=reply, corrected_text="It's $55 per adult.", user=staff_user)
    exemplar = Exemplar.objects.get()
    page = staff_client.get(reverse("admin:learning_review_item", args=[reply.review_item.pk])).content.decode()
    assert reverse("admin:learning_exemplar_change", args=[exemplar.pk]) in page


@pytest.mark.django_db
def test_a_correction_is_found_though_the_graph_holds_many_dead_copies_of_its_vector():
    """A few enabled exemplars are scanned exactly (VECTOR_EXACT_SCAN_BELOW): exemplars disabled and re-created many
    times leave dead copies of the same vector in the HNSW graph, which hid the live one from a walk of it."""
    Exemplar.objects.bulk_create([Exemplar(kind="correction", customer_text="dead", embedding=_vector(1, 0.05))
                                  for _ in range(1000)])
    Exemplar.objects.filter(customer_text="dead").delete()
    live = Exemplar.objects.create(kind="correction", customer_text="live", embedding=_vector(1, 0.05))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # stale statistics: the planner takes the graph
    assert [hit.id for hit in exemplar_neighbours(vector=_vector(1), k=3)] == [live.pk]
