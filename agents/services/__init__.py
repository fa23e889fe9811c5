"""Writes of the agents app that are not a turn of the conversation (those are the engine's commit step)."""
