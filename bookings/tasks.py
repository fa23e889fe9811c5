from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def complete_past_bookings() -> int:
    """Mark confirmed bookings whose event is over completed."""
    return services.bookings_complete_past()
