import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from bookings.tests.factories import BookingFactory
from conversations.tests.factories import ConversationFactory, CustomerFactory
from learning.models import Experiment, ExperimentAssignment, LabeledExample, ModelVersion, SatisfactionSurvey
from learning.selectors import experiment_config, experiment_variant, upsell_recommend
from learning.services.autolabel import autolabel_local, teacher_batch_file, teacher_batch_import
from learning.services.experiments import experiment_assign, experiment_results, two_proportion_p_value
from learning.services.upsell import upsell_offer_record, upsell_outcomes_update, upsell_train
from learning.tests.factories import ai_exchange

pytestmark = pytest.mark.django_db


# --- auto-labeling ----------------------------------------------------------------------------------------------------

def test_local_autolabel_keeps_source_and_confidence_and_skips_labeled(nlu_dir):
    q1, _ = ai_exchange(question="can I cancel my booking for next week?")
    q2, _ = ai_exchange(question="how much is lobster?")
    LabeledExample.objects.create(message=q2, text=q2.text, intent="menu_question", tone="direct", sentiment="neutral",
                                  verified=True)
    assert autolabel_local() == 1
    label = LabeledExample.objects.get(message=q1)
    assert label.source == "local" and not label.verified and 0 < label.confidence <= 1
    assert label.intent == "cancellation_request"
    assert autolabel_local() == 0


def test_teacher_batch_file_round_trip(tmp_path):
    q, _ = ai_exchange(question="hi, I'm Ann Lee, call 415-555-0123 about pricing")
    bad, _ = ai_exchange(question="something else")
    path = tmp_path / "batch.jsonl"
    assert teacher_batch_file(path) == 2
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    request = next(line for line in lines if line["custom_id"] == f"message-{q.pk}")
    assert request["method"] == "POST" and request["url"] == "/v1/chat/completions"
    assert "415-555-0123" not in json.dumps(request) and "<PHONE>" in request["body"]["messages"][1]["content"]
    output = tmp_path / "out.jsonl"
    output.write_text("\n".join(json.dumps(row) for row in [
        {"custom_id": f"message-{q.pk}", "response": {"status_code": 200, "body": {"choices": [{
            "message": {"content": json.dumps({"intent": "pricing_question", "tone": "casual",
                                               "sentiment": "neutral"})},
            "logprobs": {"content": [{"logprob": -0.1}, {"logprob": -0.3}]}}]}}},
        {"custom_id": f"message-{bad.pk}", "response": {"status_code": 200, "body": {"choices": [{
            "message": {"content": json.dumps({"intent": "made_up", "tone": "casual", "sentiment": "neutral"})}}]}}},
    ]))
    assert teacher_batch_import(output) == {"created": 1, "skipped": 1, "prompt_tokens": 0, "completion_tokens": 0}
    label = LabeledExample.objects.get(message=q)
    assert (label.source, label.intent, label.verified) == ("teacher", "pricing_question", False)
    assert label.confidence == pytest.approx(0.8187, abs=1e-3)


# --- upsell predictor -------------------------------------------------------------------------------------------------

def _bookings(n=60):
    """Big parties take gyoza, small ones take nothing, in-between take edamame."""
    for i in range(n):
        adults = [8, 15, 30][i % 3]
        addon = {8: {}, 15: {"edamame": 1}, 30: {"gyoza": 2}}[adults]
        conversation = ConversationFactory()
        BookingFactory(customer=conversation.customer, conversation=conversation, adults=adults, children=0,
                       addons=addon, total=adults * 55)


def test_upsell_trains_promotes_and_recommends(settings):
    assert upsell_recommend(customer=CustomerFactory(), party_size=30) is None  # no model yet: no upsell
    _bookings()
    version = upsell_train()
    assert version.status == "promoted" and version.score > version.baseline_score
    assert version.metrics["eval_rows"] > 0
    customer = CustomerFactory()
    assert upsell_recommend(customer=customer, party_size=30, price_mentioned=1650) == "gyoza"
    assert upsell_recommend(customer=customer, party_size=15, price_mentioned=825) == "edamame"
    assert upsell_recommend(customer=customer, party_size=8, price_mentioned=550) is None  # "none" wins
    again = upsell_train()
    assert again.status == "rejected"  # the same data cannot beat the current predictor


def test_upsell_offer_outcome_is_recorded():
    conversation = ConversationFactory()
    offer = upsell_offer_record(conversation=conversation, addon="gyoza")
    assert upsell_outcomes_update() == 0
    BookingFactory(customer=conversation.customer, conversation=conversation, addons={"gyoza": 1})
    assert upsell_outcomes_update() == 1
    offer.refresh_from_db()
    assert offer.accepted is True


# --- A/B experiments --------------------------------------------------------------------------------------------------

def test_assignment_is_deterministic_and_weighted():
    Experiment.objects.create(key="greeting", name="Greeting", kind="template", variants=[
        {"key": "control", "weight": 50, "config": {"template": "Hi!"}},
        {"key": "warm", "weight": 50, "config": {"template": "Hello there, friend!"}}])
    customers = [CustomerFactory() for _ in range(200)]
    first = [experiment_variant(experiment_key="greeting", customer=c) for c in customers]
    assert first == [experiment_variant(experiment_key="greeting", customer=c) for c in customers]
    assert 60 < first.count("warm") < 140
    assert not ExperimentAssignment.objects.exists()   # the selector reads; experiment_assign stores
    assert [experiment_assign(experiment_key="greeting", customer=c) for c in customers] == first
    assert ExperimentAssignment.objects.count() == 200
    assert [experiment_assign(experiment_key="greeting", customer=c) for c in customers] == first
    assert ExperimentAssignment.objects.count() == 200
    assert experiment_config(experiment_key="greeting", customer=customers[0])["template"] in ("Hi!", "Hello there, friend!")
    assert experiment_variant(experiment_key="missing", customer=customers[0]) is None


def test_results_significance_stop_and_promote(staff_client):
    experiment = Experiment.objects.create(key="threshold", name="Threshold", kind="threshold", variants=[
        {"key": "control", "weight": 50, "config": {"high": 0.75}}, {"key": "low", "weight": 50, "config": {"high": 0.6}}])
    for i in range(120):
        customer = CustomerFactory()
        variant = experiment_assign(experiment_key="threshold", customer=customer)
        converts = (variant == "low" and i % 10 < 6) or (variant == "control" and i % 10 < 2)
        if converts:
            conversation = ConversationFactory(customer=customer)
            BookingFactory(customer=customer, conversation=conversation)
            SatisfactionSurvey.objects.create(conversation=conversation, understood=True, tone_ok=True,
                                              rating=5 if variant == "low" else 3)
    result = experiment_results(experiment=experiment)
    rows = {row["variant"]: row for row in result["variants"]}
    assert rows["low"]["conversion"] > rows["control"]["conversion"]
    assert rows["low"]["p_value"] < 0.01
    assert rows["low"]["csat"] == 5.0
    page = staff_client.get(reverse("admin:learning_experiment_change", args=[experiment.pk])).content.decode()
    assert "p (conversion vs control)" in page
    staff_client.post(reverse("admin:learning_experiment_promote", args=[experiment.pk, "low"]))
    experiment.refresh_from_db()
    assert experiment.status == "promoted" and experiment.winner == "low"
    assert experiment_variant(experiment_key="threshold", customer=CustomerFactory()) == "low"
    staff_client.post(reverse("admin:learning_experiment_changelist"),
                      {"action": "stop", "_selected_action": [experiment.pk]})
    assert experiment_variant(experiment_key="threshold", customer=CustomerFactory()) is None


def test_two_proportion_test_matches_known_value():
    # 60/100 vs 40/100: z = 2.828, two-sided p = 0.00468
    assert two_proportion_p_value(60, 100, 40, 100) == pytest.approx(0.00468, abs=1e-4)
    assert two_proportion_p_value(0, 0, 1, 2) is None


# --- schedule and commands --------------------------------------------------------------------------------------------

def test_beat_schedule_has_the_nightly_and_weekly_jobs():
    schedule = settings.HIBACHI_BEAT_SCHEDULE
    assert schedule["learning-nightly-autolabel"]["task"] == "learning.tasks.nightly_autolabel"
    assert schedule["learning-weekly-loop"]["task"] == "learning.tasks.weekly_learning_loop"
    from hibachi.celery import app

    app.loader.import_default_modules()
    for job in schedule.values():
        assert job["task"] in app.tasks, job["task"]


def test_bench_command_measures_the_queue_and_keeps_nothing(capsys):
    from learning.models import ReviewItem

    call_command("bench_review_queue", items=200, repeat=1)
    out = capsys.readouterr().out
    assert "queue, page 1" in out and "item page" in out and "rolled back" in out
    assert not ReviewItem.objects.exists()


def test_model_version_admin_activate_and_rollback(staff_client, tmp_path):
    old_path, new_path = tmp_path / "upsell" / "a", tmp_path / "upsell" / "b"
    old_path.mkdir(parents=True)
    new_path.mkdir(parents=True)
    old = ModelVersion.objects.create(kind="upsell", version="a", path=str(old_path), score=0.5)
    new = ModelVersion.objects.create(kind="upsell", version="b", path=str(new_path), score=0.6)
    staff_client.post(reverse("admin:learning_modelversion_activate", args=[old.pk]))
    staff_client.post(reverse("admin:learning_modelversion_activate", args=[new.pk]))
    new.refresh_from_db()
    assert new.is_current and new.previous == old and (tmp_path / "upsell" / "current").read_text().strip() == "b"
    page = staff_client.get(reverse("admin:learning_modelversion_changelist")).content.decode()
    assert "Roll back to a" in page
    staff_client.post(reverse("admin:learning_modelversion_rollback", args=[new.pk]))
    assert ModelVersion.objects.get(kind="upsell", is_current=True) == old
    assert (tmp_path / "upsell" / "current").read_text().strip() == "a"


def test_a_stored_assignment_wins_over_a_changed_weighting():
    experiment = Experiment.objects.create(key="weights", name="Weights", kind="template", variants=[
        {"key": "a", "weight": 1, "config": {}}, {"key": "b", "weight": 0, "config": {}}])
    customer = CustomerFactory()
    assert experiment_assign(experiment_key="weights", customer=customer) == "a"
    experiment.variants = [{"key": "a", "weight": 0, "config": {}}, {"key": "b", "weight": 1, "config": {}}]
    experiment.save()

    assert experiment_variant(experiment_key="weights", customer=customer) == "a"
    assert experiment_variant(experiment_key="weights", customer=CustomerFactory()) == "b"


def test_teacher_batch_import_records_the_batch_as_one_paid_call(tmp_path):
    """Two answered lines: 1,000,000 + 500,000 prompt tokens and 200,000 + 100,000 completion tokens of gpt-4o-mini
    ($0.15 / $0.60 per 1M) = $0.225 + $0.18 = $0.405 at list price; the Batch API bills half: $0.2025."""
    from agents.models import ModelCall

    q, _ = ai_exchange(question="how much for 20?")
    r, _ = ai_exchange(question="is sunday free?")
    labels = json.dumps({"intent": "pricing_question", "tone": "casual", "sentiment": "neutral"})
    output = tmp_path / "out.jsonl"
    output.write_text("\n".join(json.dumps({"custom_id": f"message-{m.pk}", "response": {"status_code": 200, "body": {
        "choices": [{"message": {"content": labels}}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion}}}})
        for m, prompt, completion in [(q, 1_000_000, 200_000), (r, 500_000, 100_000)]))

    assert teacher_batch_import(output)["created"] == 2

    call = ModelCall.objects.get()
    assert (call.provider, call.model, call.route) == ("openai-batch", "gpt-4o-mini", "labeling")
    assert (call.prompt_tokens, call.completion_tokens, call.cost_usd) == (1_500_000, 300_000, Decimal("0.202500"))
