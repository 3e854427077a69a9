"""Anti-gaming: how fast one person may submit."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations.models import Demonstration


def check_submission_rate(user, *, excluding=None, now=None):
    """Refuse a submission when ``user`` already submitted the hourly maximum.

    ``settings.DOLLY_MAX_SUBMISSIONS_PER_HOUR`` (0 turns the limit off).  Counts the
    demonstrations whose latest submission is less than an hour old, other than
    ``excluding`` (the one being resubmitted).  A soft limit: two submissions at the very
    same moment may both pass.  Raises ``ValidationError`` keyed ``submit``.
    """
    limit = settings.DOLLY_MAX_SUBMISSIONS_PER_HOUR
    if not limit:
        return
    since = (now or timezone.now()) - datetime.timedelta(hours=1)
    recent = Demonstration.objects.filter(author=user, submitted_at__gte=since)
    if excluding is not None:
        recent = recent.exclude(pk=excluding.pk)
    recent = recent.count()
    if recent >= limit:
        raise ValidationError(
            {
                "submit": [
                    _(
                        "You have submitted %(limit)s demonstrations in the last hour, the most allowed. "
                        "Your text is kept: save it as a draft and submit it a little later."
                    )
                    % {"limit": limit}
                ]
            },
            code="rate_limited",
        )
