"""Views use the one message catalogue, :mod:`app.messages`."""

from ..messages import MESSAGES, message_for, text_for

__all__ = ["MESSAGES", "message_for", "text_for"]
