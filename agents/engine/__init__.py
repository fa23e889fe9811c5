"""The conversation engine: one pipeline for every channel (load -> understand -> decide -> generate -> commit), the
dialogue state, the router, the specialist agents and their tools. See `pipeline.py`."""
