"""The session engine (``SESSION_ENGINE = "accounts.sessions"``): Django's database sessions,
stored in ``UserSession`` with the signed-in user's id in an indexed column."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from accounts.models import UserSession


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        return UserSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        try:
            session.user_pk = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            session.user_pk = None
        return session


def user_sessions_end(*, user_pk: int) -> int:
    """Delete every session of one user (found by index); returns how many ended."""
    deleted, _by_model = UserSession.objects.filter(user_pk=user_pk).delete()
    return deleted
