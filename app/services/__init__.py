"""Use cases. Each takes plain arguments (a session, the acting user) and returns plain results or
raises a :class:`~app.services.errors.DomainError`. Nothing here imports Flask's request."""
