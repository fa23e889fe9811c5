"""Writes of the reply templates staff edit (admin: Reply templates)."""

from __future__ import annotations

from agents.engine.replies import templates_snapshot
from agents.models import ReplyTemplate


def reply_template_save(*, template: ReplyTemplate, user=None) -> ReplyTemplate:
    """Create or change a template, checked first (ValidationError naming the placeholder); every process uses it
    from its next reply once the transaction commits."""
    template.updated_by = user if getattr(user, "pk", None) else None
    template.full_clean()
    template.save()
    templates_snapshot.invalidate()   # now for this thread, again at commit for every process
    return template


def reply_template_delete(*, template: ReplyTemplate) -> None:
    template.delete()
    templates_snapshot.invalidate()   # now for this thread, again at commit for every process
