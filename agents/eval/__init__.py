"""The conversation corpus: multi-turn customer conversations, written the way customers write, each with the quote,
booking or escalation it must end with (`corpus/*.yaml`, loaded by `corpus.py`), and the runner that plays them
through the public pipeline and measures the assistant (`runner.py`; `manage.py conversation_eval` prints it)."""
