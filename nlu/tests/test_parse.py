import logging
from dataclasses import asdict
from datetime import date

import numpy as np
import pytest

from nlu import INTENTS, SENTIMENTS, TONES, NLUResult, parse
from nlu.artifacts import current_version, nlu_model_current
from nlu.dataset import HELDOUT_PATH, TRAIN_PATH, examples_load
from nlu.evaluation import heads_evaluate

pytestmark = pytest.mark.usefixtures("nlu_model_dir")


@pytest.mark.parametrize("text, intent", [
    ("I'd like to book a hibachi chef for 20 adults on December 5th in San Jose.", "booking_inquiry"),
    ("um hi yeah we want to book you guys for my son's birthday on the twelfth", "booking_inquiry"),
    ("How much would it cost for 25 adults and 5 kids?", "pricing_question"),
    ("Could you send me a quote for 40 guests?", "pricing_question"),
    ("What proteins can we choose from?", "menu_question"),
    ("do you have anything for vegans", "menu_question"),
    ("Do you have availability on Saturday December 12?", "scheduling_question"),
    ("How long does the hibachi show last?", "scheduling_question"),
    ("Can we change our booking from 20 to 25 guests?", "modification_request"),
    ("I need to move my reservation to next Sunday", "modification_request"),
    ("I need to cancel my booking for Saturday.", "cancellation_request"),
    ("pls cancel our party, plans changed", "cancellation_request"),
    ("The chef was an hour late and the food was cold.", "complaint"),
    ("you overcharged me and nobody answers my emails", "complaint"),
    ("What is your cancellation policy?", "policy_question"),
    ("Do you charge a travel fee to Sacramento?", "pricing_question"),   # its fee, not the rule (labelling guide)
    ("how does the travel fee work, is it round trip?", "policy_question"),
    ("what happens if it rains on the day of the party", "policy_question"),
    ("Can I talk to a real person please?", "human_request"),
    ("have someone call me back", "human_request"),
    ("Hello!", "greeting"),
    ("Good morning", "greeting"),
    ("Are you hiring chefs right now?", "other"),
    ("who won the warriors game", "other"),
])
def test_intent_of_varied_phrasings(text, intent):
    assert parse(text).intent == intent


@pytest.mark.parametrize("text, tone", [
    ("Dear team, I would be grateful if you could kindly confirm the reservation. Kind regards, Margaret", "formal"),
    ("yo whats up lol how much 4 like 10 ppl", "casual"),
    ("I'm really worried, the party is in 3 days and nobody has confirmed, please help!!", "anxious"),
    ("Thank you so much, we're so excited to have you! 😊", "warm"),
    ("Cancel booking 4412.", "direct"),
])
def test_tone_of_clear_cases(text, tone):
    assert parse(text).tone == tone


@pytest.mark.parametrize("text, sentiment", [
    ("This was the worst experience, the food was cold and the chef was rude.", "negative"),
    ("We loved it, the chef was amazing and everyone had a great time!", "positive"),
    ("What time does the chef arrive?", "neutral"),
])
def test_sentiment_of_clear_cases(text, sentiment):
    assert parse(text).sentiment == sentiment


def test_result_carries_labels_from_the_label_sets_and_a_probability():
    result = parse("how much for 20 adults?")
    assert result.intent in INTENTS and result.tone in TONES and result.sentiment in SENTIMENTS
    assert 0.0 <= result.intent_confidence <= 1.0


def test_result_includes_entities_resolved_against_the_reference_date():
    result = parse("book 20 adults and 5 kids aged 8 next Saturday at 6pm", reference_date=date(2026, 3, 10))
    assert result.entities == {"adults": 20, "children": 5, "date": "2026-03-14", "time": "18:00"}


def test_to_dict_has_exactly_the_public_keys():
    result = parse("hi")
    assert isinstance(result, NLUResult)
    assert result.to_dict() == asdict(result)
    assert set(result.to_dict()) == {"intent", "intent_confidence", "tone", "sentiment", "entities", "model_version",
                                     "acts", "act_confidences"}


def test_blank_text_is_refused():
    with pytest.raises(ValueError, match="blank"):
        parse("   ")


def test_held_out_intent_macro_f1_is_at_least_0_92(trained_nlu):
    metrics = heads_evaluate(trained_nlu.model, examples_load(HELDOUT_PATH))
    assert metrics["intent"]["macro_f1"] >= 0.92, metrics["intent"]["per_label"]
    # 0.958 against the project's own tone labels; 0.836 against the consensus labels of session 8 (README): a floor,
    # issue 12's 0.85 is checked, and not met, on the outside and blind files (strict xfails)
    assert metrics["tone"]["accuracy"] >= 0.83
    assert metrics["sentiment"]["accuracy"] >= 0.85


def test_held_out_examples_are_not_in_the_training_data():
    training = {example.text.lower() for example in examples_load(TRAIN_PATH)}
    assert not [example.text for example in examples_load(HELDOUT_PATH) if example.text.lower() in training]


def test_training_data_has_at_least_40_examples_per_intent():
    counts = {intent: 0 for intent in INTENTS}
    for example in examples_load(TRAIN_PATH):
        counts[example.intent] += 1
    assert min(counts.values()) >= 40, counts


def test_combined_prediction_matches_each_classifiers_predict_proba(trained_nlu):
    model = trained_nlu.model
    texts = ["how much for 20 adults", "cancel pls", "the chef was late!!"]
    vectors = model.embedder.embed(texts)
    predictions = model.predict(texts, vectors)
    features = model.features(texts, vectors)
    for head, classifier in model.heads.items():
        probabilities = classifier.predict_proba(features)
        assert [p[head].label for p in predictions] == list(classifier.classes_[probabilities.argmax(axis=1)])
        assert np.allclose([p[head].confidence for p in predictions], probabilities.max(axis=1), atol=1e-5)


def test_first_use_without_a_saved_model_trains_and_saves_one(settings, tmp_path, caplog):
    settings.NLU_MODEL_DIR = tmp_path
    with caplog.at_level(logging.WARNING, logger="nlu.artifacts"):
        assert parse("can I talk to a real person?").intent == "human_request"
    assert current_version(tmp_path) is not None
    assert "No NLU model" in caplog.text


def test_a_newly_trained_version_is_picked_up_without_a_restart(settings, tmp_path, trained_nlu):
    import json

    from nlu.artifacts import nlu_model_train
    from nlu.dataset import TRAIN_PATH
    from nlu.tests.conftest import version_copy

    settings.NLU_MODEL_DIR = tmp_path
    first = version_copy(trained_nlu, tmp_path)
    assert nlu_model_current().version == first
    rows = [json.loads(line) for line in TRAIN_PATH.read_text().splitlines() if line.strip()]
    small = tmp_path / "small.jsonl"   # what is trained does not matter here, only that a new version appears
    small.write_text("".join(json.dumps(row) + "\n" for row in rows if not row.get("source")))
    second = nlu_model_train(root=tmp_path, train_path=small, heldout_path=None).version
    assert second != first
    assert nlu_model_current().version == second


def test_a_model_trained_on_older_shipped_data_is_replaced_by_one_trained_on_the_current_file(
        settings, tmp_path, trained_nlu):
    """After pulling new training data, `make run` / `make test` must not keep answering with the old model (it
    would, for example, have no dialogue-act head). A model the learning loop trained is left alone."""
    import json

    from nlu.artifacts import METADATA, nlu_model_cache_clear
    from nlu.tests.conftest import version_copy

    settings.NLU_MODEL_DIR = tmp_path
    old = version_copy(trained_nlu, tmp_path)
    metadata_path = tmp_path / old / METADATA
    metadata = json.loads(metadata_path.read_text())
    metadata["training_set"]["sha256"] = "0" * 64   # as if trained before the shipped file changed
    metadata_path.write_text(json.dumps(metadata))
    nlu_model_cache_clear()

    assert nlu_model_current().version != old

    loop_trained = nlu_model_current().version
    loop_metadata = tmp_path / loop_trained / METADATA
    metadata = json.loads(loop_metadata.read_text())
    metadata["training_set"].update(file="train.jsonl+staff labels", sha256="1" * 64)
    loop_metadata.write_text(json.dumps(metadata))
    nlu_model_cache_clear()
    assert nlu_model_current().version == loop_trained
