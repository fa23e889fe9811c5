"""Signals the learning loop feeds on: per-reply feedback and post-conversation satisfaction surveys."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Feedback(models.Model):
    class Kind(models.TextChoices):
        THUMBS_UP = "thumbs_up", "Thumbs up"
        THUMBS_DOWN = "thumbs_down", "Thumbs down"
        BOOKED = "booked", "Led to a booking"

    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="feedback")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name_plural = "feedback"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} on message #{self.message_id}"


class SatisfactionSurvey(models.Model):
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="satisfaction_surveys"
    )
    understood = models.BooleanField(help_text="Did the assistant understand what you needed?")
    tone_ok = models.BooleanField(help_text="Was the tone right?")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="survey_rating_1_5")]

    def __str__(self):
        return f"{self.rating}/5 for conversation #{self.conversation_id}"
