"""Sessions in the database, as Django keeps them, read with one plain SQL statement.

Every page reads its visitor's session before the view runs.  Django's database store builds that
``SELECT`` with the ORM on every request, which costs several times the CPU of running it; this
store sends the same statement directly.  Writing, expiry, sign-out and the table are Django's:
only the read differs, and a session that has expired or is not there reads as empty, as before.
"""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key):
        # A quoted cookie can spell a NUL byte (\000), which PostgreSQL refuses in a query:
        # it reads as no session, never as a server error.
        return super()._validate_session_key(key) and "\x00" not in key

    def _get_session_from_db(self):
        if self.session_key is None:  # no cookie, or one that is not a well-formed key
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        sql = (
            f"SELECT {quote('session_data')} FROM {quote(model._meta.db_table)}"  # noqa: S608 - names from the model
            f" WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])
