"""Views use the one message catalogue, :mod:`app.messages`."""

from ..messages import MESSAGES, event_name, message_for, name_of, text_for

__all__ = ["MESSAGES", "event_name", "message_for", "name_of", "text_for"]
