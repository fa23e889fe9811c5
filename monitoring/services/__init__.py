"""Writes for operations: the beat schedule, alerts and their delivery, monitor runs, backups, the weekly digest."""

from .beat import SYNCED_PREFIX, beat_schedule_sync

__all__ = ["SYNCED_PREFIX", "beat_schedule_sync"]
