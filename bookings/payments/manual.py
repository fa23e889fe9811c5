"""The default: no online payment. The assistant says how the deposit is paid; staff mark it paid in the admin
(Bookings › "Mark deposit paid and confirm")."""

from __future__ import annotations

from .base import PaymentProvider


class ManualPayments(PaymentProvider):
    online = False

    def link(self, *, booking, amount, idempotency_key):
        return None
