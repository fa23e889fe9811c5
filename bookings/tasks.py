from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def release_expired_holds() -> int:
    """Beat: unpaid inquiries and quotes past their hold (BOOKING_HOLD_HOURS) become "expired"."""
    return services.booking_holds_release()
