"""Sign-in throttling, per username and per client address, on django-axes' failure records.

A username is locked after ``AXES_FAILURE_LIMIT`` failures in the cool-off window, whatever
address they came from (password guessing spread over many machines).  An address is locked
after ``LOGIN_IP_FAILURE_LIMIT`` failures for any usernames (one machine trying many
accounts); that limit is higher because a whole office may share one address behind NAT.
A successful sign-in clears the failures of that username only, so an attacker cannot wipe
their address's count by signing in to an account of their own.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def _failures(request, **filters):
    attempts = AccessAttempt.objects.filter(**filters)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LoginThrottleHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None):
        """Failures counted against the per-username limit; the address's count is scaled to it."""
        username = get_client_username(request, credentials)
        by_username = _failures(request, username=username) if username else 0
        by_address = _failures(request, ip_address=request.axes_ip_address)
        scaled = by_address * settings.AXES_FAILURE_LIMIT // max(settings.LOGIN_IP_FAILURE_LIMIT, 1)
        return max(by_username, scaled)

    def reset_user_attempts(self, request, credentials=None):
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
