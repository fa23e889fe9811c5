"""Reads for operations and managers. One module per subject; the health check is re-exported for the API."""

from .health import system_health

__all__ = ["system_health"]
