"""The living demo: months of synthetic customers played through the real pipeline (`history.py`), told from the
conversation corpus (`scripts.py`), with staff acting on them through their services (`staff.py`)."""
