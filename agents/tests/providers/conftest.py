import pytest
from django.core.cache import cache

from agents.providers import GenerationRequest, Tool
from agents.tests.fakes.ollama_api import FakeOllama
from agents.tests.fakes.openai_api import FakeOpenAI

TEST_TIMEOUT = 0.5


@pytest.fixture(autouse=True)
def _clean_cache():
    """Circuit-breaker state lives in the cache (this run's own Redis database)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake_openai():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def fake_ollama():
    with FakeOllama() as server:
        yield server


@pytest.fixture
def ai_settings(settings, fake_openai, fake_ollama):
    """Providers pointed at the fake servers, with short timeouts, no client retries and a 1 s breaker reset."""
    settings.AI_PROVIDERS = {
        "templates": {"BACKEND": "agents.providers.templates.TemplateProvider", "OPTIONS": {}},
        "openai": {
            "BACKEND": "agents.providers.openai.OpenAIProvider",
            "OPTIONS": {"model": "gpt-4o-mini", "api_key": "sk-test", "base_url": fake_openai.base_url,
                        "timeout": TEST_TIMEOUT, "max_retries": 0},
        },
        "ollama": {
            "BACKEND": "agents.providers.ollama.OllamaProvider",
            "OPTIONS": {"host": fake_ollama.url, "model": "llama3:8b", "timeout": TEST_TIMEOUT},
        },
        "hybrid": {"BACKEND": "agents.providers.hybrid.HybridProvider",
                   "OPTIONS": {"student": "templates", "teacher": "openai"}},
        "hybrid-ollama": {"BACKEND": "agents.providers.hybrid.HybridProvider",
                          "OPTIONS": {"student": "ollama", "teacher": "openai"}},
    }
    settings.AI_PROVIDER = "templates"
    settings.CONFIDENCE_THRESHOLD_LOW = 0.40
    settings.CONFIDENCE_THRESHOLD_HIGH = 0.75
    settings.AI_CIRCUIT_BREAKER = {"failures": 3, "reset_seconds": 1}
    return settings


def set_options(settings, alias: str, **options) -> None:
    """Change some OPTIONS of one provider alias (a new AI_PROVIDERS dict, so the providers are rebuilt)."""
    providers = {name: {**config, "OPTIONS": dict(config["OPTIONS"])} for name, config in settings.AI_PROVIDERS.items()}
    providers[alias]["OPTIONS"].update(options)
    settings.AI_PROVIDERS = providers


def make_request(*, intent_confidence=0.9, completeness=1.0, tone="casual", tools=(), **overrides) -> GenerationRequest:
    """A sales question with a computed quote. Template confidence = intent_confidence * (0.5 + 0.5 * completeness)."""
    values = {
        "agent": "sales",
        "instructions": "You are the sales assistant of MyHibachi, a hibachi catering company.",
        "history": [
            {"role": "user", "content": "Hi, do you cater in San Jose?"},
            {"role": "assistant", "content": "We do! How many guests?"},
        ],
        "message": "How much for 20 adults?",
        "nlu": {"intent": "quote", "intent_confidence": intent_confidence, "tone": tone, "sentiment": "neutral",
                "entities": {"adults": 20}},
        "facts": {"quote": {"adults": 20, "total": "1100.00"}},
        "draft": {"default": "For 20 adults the total is $1,100.", "casual": "20 adults? That's $1,100 all in!"},
        "completeness": completeness,
        "tools": list(tools),
    }
    values.update(overrides)
    return GenerationRequest(**values)


def quote_tool(calls: list) -> Tool:
    """A real tool function that records how it was called."""

    def quote(*, adults: int, children: int = 0) -> dict:
        calls.append({"adults": adults, "children": children})
        return {"adults": adults, "children": children, "total": f"{adults * 55 + children * 30}.00"}

    return Tool(
        name="get_quote",
        description="Price an event.",
        parameters={
            "type": "object",
            "properties": {"adults": {"type": "integer"}, "children": {"type": "integer"}},
            "required": ["adults"],
        },
        func=quote,
    )
