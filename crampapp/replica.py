"""Heavy read-only pages read from a PostgreSQL streaming replica, when one is configured (DATABASE_REPLICA_URL).

Which database a query uses is decided per request:

- A view marked `@reads_from_replica` (insights, the clinician's list and review, the visit report, exports),
  asked with GET or HEAD, reads from the replica when it answers and has replayed the primary's changes to
  within REPLICA_MAX_LAG_SECONDS. Otherwise it reads from the primary, like every other view.
- Who may see what is always read from the primary (`PRIMARY_ONLY`): a grant revoked a moment ago must not
  open a record because the replica has not replayed the revocation yet.
- A person who has just written (any POST, PUT, PATCH or DELETE) reads from the primary for
  PRIMARY_AFTER_WRITE_SECONDS, so they never miss their own write (a cookie carries the moment).
- Once a request writes (the clinic list storing recounted summaries, say), its later reads go to the
  primary, which holds what it wrote. Writes always go to the primary.

Without a replica (READ_REPLICA unset) the router answers nothing and Django uses `default` for all.
"""

import contextvars
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

PRIMARY = "default"
PIN_COOKIE = "crampapp_primary"
SAFE_METHODS = frozenset({"GET", "HEAD"})
# Models read only from the primary: the access gate's grants (tracker.sharing.access reads them before any record),
# and the sessions and second factors of signing in.
PRIMARY_ONLY = frozenset({"tracker.caregrant", "sessions.session", "mfa.authenticator"})
# Rows a page writes and never reads back: the audit of clinician access. Writing one does not move the
# rest of the request to the primary.
APPEND_ONLY = frozenset({"tracker.accesslog"})
# After a replica is found down, how long before it is tried again (a refused connection is quick, a host
# that does not answer costs its connect timeout).
RETRY_DOWN_REPLICA_SECONDS = 5

# How far behind the primary the replica is, in seconds: 0 when it has replayed all it received (an idle
# primary sends nothing, so the last replayed transaction's age is not lag), and 0 on a server that is not
# in recovery. PostgreSQL has no ORM equivalent for these functions.
LAG_QUERY = """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
    END
"""


@dataclass
class Routing:
    """The current request's reads: the replica's alias, until the request writes."""

    alias: str
    wrote: bool = False


_routing: contextvars.ContextVar[Routing | None] = contextvars.ContextVar("replica_routing", default=None)
_replica_down_until = 0.0


def reads_from_replica(view):
    """Mark a read-only view whose GET and HEAD may read from the replica."""
    view.reads_from_replica = True
    return view


def _label(model) -> str:
    return model._meta.label_lower


class ReplicaRouter:
    """DATABASE_ROUTERS entry: the replica for reads of a routed request, the primary for all else."""

    def db_for_read(self, model, **hints: Any) -> str | None:
        routing = _routing.get()
        if routing is None or routing.wrote or _label(model) in PRIMARY_ONLY:
            return PRIMARY
        return routing.alias

    def db_for_write(self, model, **hints: Any) -> str:
        routing = _routing.get()
        if routing is not None and _label(model) not in APPEND_ONLY:
            routing.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints: Any) -> bool:
        # The replica is a copy of the primary: an object read from one may point at one read from the other.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY


def replica_lag_seconds(alias: str) -> float:
    with connections[alias].cursor() as cursor:
        cursor.execute(LAG_QUERY)
        return float(cursor.fetchone()[0])


def replica_usable(alias: str) -> bool:
    """True when the replica answers and is within REPLICA_MAX_LAG_SECONDS of the primary. A replica that
    does not answer is not asked again for a few seconds."""
    global _replica_down_until
    if time.monotonic() < _replica_down_until:
        return False
    try:
        lag = replica_lag_seconds(alias)
    except DatabaseError:
        logger.warning("The read replica did not answer; reading from the primary.")
        connections[alias].close()
        _replica_down_until = time.monotonic() + RETRY_DOWN_REPLICA_SECONDS
        return False
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        logger.warning("The read replica is %.1f s behind; reading from the primary.", lag)
        return False
    return True


class ReplicaReadsMiddleware:
    """Route a marked view's reads to the replica (see the module's docstring), and after a write, keep the
    writer's reads on the primary for a while."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        alias = settings.READ_REPLICA
        if alias and request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.PRIMARY_AFTER_WRITE_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        alias = settings.READ_REPLICA
        if (
            alias
            and request.method in SAFE_METHODS
            and getattr(view_func, "reads_from_replica", False)
            and PIN_COOKIE not in request.COOKIES
            and replica_usable(alias)
        ):
            _routing.set(Routing(alias))
            request.replica_view = (view_func, view_args, view_kwargs)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A page that fails reading from the replica (stopped, restarting, a query cancelled by recovery) is
        read again from the primary: these views only read. A replica that no longer answers is left alone for
        a while. An error once the request has moved to the primary is not retried."""
        global _replica_down_until
        routing = _routing.get()
        if routing is None or routing.wrote or not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        if not connections[routing.alias].is_usable():
            connections[routing.alias].close()
            _replica_down_until = time.monotonic() + RETRY_DOWN_REPLICA_SECONDS
        logger.warning("A page failed on the read replica (%s); reading it again from the primary.", exception)
        _routing.set(None)
        view_func, view_args, view_kwargs = request.replica_view
        return view_func(request, *view_args, **view_kwargs)


@receiver(request_started)
@receiver(request_finished)
def _forget_routing(**kwargs: Any) -> None:
    """Each request starts on the primary. The routing lasts until the response is closed, after a streamed
    export's last row, not when the view returns."""
    _routing.set(None)
