from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def complete_past_bookings() -> int:
    """Mark confirmed bookings whose event is over completed."""
    return services.bookings_complete_past()


@shared_task(acks_late=True, ignore_result=True)
def release_expired_holds() -> int:
    """Beat: unpaid inquiries and quotes past their hold (BOOKING_HOLD_HOURS) become "expired"."""
    return services.booking_holds_release()
