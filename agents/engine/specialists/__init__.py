"""The four specialist agents. Each module holds its instructions, the tools it may use and its escalation rules."""

from . import care, knowledge, operations, sales
from .base import AgentContext, AgentOutcome

SPECIALISTS = {module.AGENT.name: module.AGENT for module in (sales, care, operations, knowledge)}

__all__ = ["SPECIALISTS", "AgentContext", "AgentOutcome"]
