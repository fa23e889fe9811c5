"""The conversation engine: one pipeline for every channel (NLU -> router -> specialist agent -> provider)."""
