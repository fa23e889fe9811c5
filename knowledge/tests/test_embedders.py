import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured

from knowledge.embedders import Embedder, get_embedder


def test_local_embedder_gives_normalised_384_dimension_vectors():
    vectors = get_embedder().embed(["How much for 20 adults?", "Do you have vegan options?"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_local_embedder_puts_paraphrases_closer_than_unrelated_text():
    a, b, c = get_embedder().embed(["What does it cost for 20 people?", "price for twenty guests", "Is it raining?"])
    assert float(a @ b) > float(a @ c) + 0.2


def test_unknown_embedder_alias_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="No embedder"):
        get_embedder("nope")


def test_a_backend_that_is_not_an_embedder_is_a_configuration_error(settings):
    settings.EMBEDDERS = {**settings.EMBEDDERS, "odd": {"BACKEND": "decimal.Decimal", "OPTIONS": {}}}
    with pytest.raises(ImproperlyConfigured, match=r"= 'decimal.Decimal' is not an Embedder subclass"):
        get_embedder("odd")


def test_the_embedder_is_built_once_and_rebuilt_when_embedders_change(settings):
    default = get_embedder()
    assert get_embedder("default") is default and default.alias == "default"
    settings.EMBEDDERS = {"default": {**settings.EMBEDDERS["default"], "OPTIONS": {"batch_size": 8}}}
    assert get_embedder() is not default


class CountingEmbedderDouble(Embedder):
    """Counts the texts it embeds (a test double)."""

    name = "counting-double"
    dimension = 4

    def __init__(self, *, alias="default"):
        super().__init__(alias=alias)
        self.embedded = []

    def embed(self, texts):
        self.embedded += list(texts)
        return np.tile(np.array([1, 0, 0, 0], dtype=np.float32), (len(texts), 1))


def test_embed_one_remembers_recent_texts_so_a_message_is_embedded_once_per_reply():
    embedder = CountingEmbedderDouble()
    first = embedder.embed_one("how much per adult?")
    assert embedder.embed_one("how much per adult?") is first and embedder.embedded == ["how much per adult?"]
    assert not first.flags.writeable   # shared between callers: nobody may change it
    embedder.forget_recent()
    embedder.embed_one("how much per adult?")
    assert embedder.embedded == ["how much per adult?"] * 2


def test_embed_one_forgets_the_oldest_text_beyond_its_limit():
    from knowledge.embedders.base import RECENT_TEXTS

    embedder = CountingEmbedderDouble()
    for number in range(RECENT_TEXTS + 1):
        embedder.embed_one(f"message {number}")
    embedder.embed_one("message 0")
    assert embedder.embedded.count("message 0") == 2
