"""Reads of the demo history, cheap enough for the launcher to ask on every start."""

from conversations.models import ChannelIdentity

KEY_PREFIX = "demo-history"   # the start of every demo customer's channel id: demo-history-YYYYMMDD-N-channel


def history_seeded() -> bool:
    """Whether a demo history was played here already (the launcher plays it on the first start only)."""
    return ChannelIdentity.objects.filter(external_id__startswith=f"{KEY_PREFIX}-").exists()
