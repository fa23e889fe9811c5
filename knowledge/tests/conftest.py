import pytest

from knowledge.services import knowledge_seed


@pytest.fixture
def seeded_knowledge(db):
    return knowledge_seed()
