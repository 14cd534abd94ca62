"""Ending every session of an account at once.

A session cookie names the account and the account's *session generation* at sign-in
(``staff:12:3``); the user is loaded only while the generation is still the account's
(``app.auth``). Moving it on ends every session made before, wherever its cookie is, a copy
included: on sign-out, password change, deactivation, activation and a new activation code.
"""

from __future__ import annotations

from ..models import HolderAccount, Staff


def end_sessions(account: Staff | HolderAccount) -> None:
    """End every session of ``account`` (in the caller's transaction; not committed). A browser that
    should stay signed in signs in again with :func:`app.auth.renew_session`."""
    account.session_generation = (account.session_generation or 0) + 1
