"""The development set (nlu/data/dev.jsonl), the word n-gram features, and messages in the styles the training data
lacked until dev.jsonl's error analysis: bare names, "I'm <name>, <e-mail>", SMS quotes with every detail, Spanglish,
worried check-ins."""

import pytest

from nlu import parse
from nlu.artifacts import _embed, _save, nlu_model_load
from nlu.dataset import DEV_PATH, HELDOUT_FRESH_PATH, HELDOUT_OUTSIDE_PATH, HELDOUT_PATH, TRAIN_PATH, examples_load
from nlu.evaluation import heads_evaluate
from nlu.model import model_fit, tfidf_transform
from nlu.retrain import normal


def test_dev_set_shares_no_message_with_the_held_out_files_or_the_training_data():
    dev = {normal(example.text) for example in examples_load(DEV_PATH)}
    assert len(dev) >= 250
    for path in (HELDOUT_PATH, HELDOUT_OUTSIDE_PATH, HELDOUT_FRESH_PATH, TRAIN_PATH):
        assert not dev & {normal(example.text) for example in examples_load(path)}, path.name


def test_every_dev_example_is_labelled_with_acts():
    assert all(example.acts is not None for example in examples_load(DEV_PATH))


def test_dev_scores_do_not_fall_below_what_they_reached(trained_nlu):
    """Measured when dev.jsonl was written: intent 0.845, tone 0.827, acts micro-F1 0.940 with main's model."""
    metrics = heads_evaluate(trained_nlu.model, examples_load(DEV_PATH))
    assert metrics["intent"]["accuracy"] >= 0.95, metrics["intent"]["per_label"]
    assert metrics["tone"]["accuracy"] >= 0.85, metrics["tone"]["per_label"]
    assert metrics["acts"]["micro_f1"] >= 0.95, metrics["acts"]["per_label"]


@pytest.mark.usefixtures("nlu_model_dir")
@pytest.mark.parametrize("text, intent", [
    ("Jo Park", "booking_inquiry"),                                   # was `other`
    ("I'm Dario Vance, dario.v@example.com", "booking_inquiry"),      # was `human_request`
    ("quote 16 adults jan 8 6pm 94536", "pricing_question"),          # was `booking_inquiry`
    ("how much 14 adults feb 6 noon 95014", "pricing_question"),      # was `booking_inquiry`
    ("hola, cuanto cuesta para 18 personas?", "pricing_question"),    # was `booking_inquiry`
    ("necesito cancelar la reserva del viernes", "cancellation_request"),  # was `policy_question`
    ("i'm worried nobody confirmed our chef for friday, is it still on?", "scheduling_question"),  # was `complaint`
])
def test_messages_in_styles_the_training_data_lacked_get_their_intent(text, intent):
    assert parse(text).intent == intent


def test_the_features_include_word_n_grams(trained_nlu):
    vectorizer = trained_nlu.model.vectorizer
    assert [name for name, _ in vectorizer.transformer_list] == ["characters", "words"]
    words = vectorizer.transformer_list[1][1].vocabulary_
    assert {"quote", "how much", "u"} <= set(words)


def test_a_model_saved_before_the_word_n_grams_loads_and_reads_as_before(tmp_path, trained_nlu):
    """The previous release's vectorizer.joblib is the character TF-IDF alone."""
    examples = examples_load(TRAIN_PATH)
    vectors = _embed([e.text for e in examples], embedder_alias="default", progress=None, description="")
    old = model_fit(examples, vectors=vectors, words=False)
    _save(tmp_path, old, trained_nlu.metadata, stamp="20260101T000000Z-chars")

    loaded = nlu_model_load(root=tmp_path).model

    assert not hasattr(loaded.vectorizer, "transformer_list")
    texts = ["how much for 20 adults?", "Jo Park", "cancel pls"]
    assert [{head: p[head].label for head in ("intent", "tone", "sentiment")} for p in loaded.predict(texts)] == \
        [{head: p[head].label for head in ("intent", "tone", "sentiment")} for p in old.predict(texts)]


def test_the_fast_tf_idf_equals_the_vectorizers_own(trained_nlu):
    texts = [example.text for example in examples_load(DEV_PATH)] + ["", "zzzz qqqq"]
    for _, vectorizer in trained_nlu.model.vectorizer.transformer_list:
        fast, own = tfidf_transform(vectorizer, texts), vectorizer.transform(texts)
        assert fast.shape == own.shape and abs(fast - own).max() < 1e-12
