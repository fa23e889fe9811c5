"""Signals other apps listen to, so conversations never imports them.

``outbound_message_ready`` is sent after the transaction that stored an outbound message (AI or staff) commits; the
channel layer (the ``messaging`` app) listens and delivers the message on the conversation's channel.
"""

from django.dispatch import Signal

# kwargs: message (conversations.Message, already committed)
outbound_message_ready = Signal()

# kwargs: message (conversations.Message, already committed). Sent for every stored message, inbound and outbound;
# the memory backends (knowledge.memory) listen and record it.
message_committed = Signal()

# kwargs: verification (conversations.ContactVerification, committed), code (str, the plain code: it exists only in
# this process's memory, never in the database or a task queue). The channel layer sends it to the contact.
verification_code_ready = Signal()
