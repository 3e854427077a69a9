"""Where higher apps take part in writing a demonstration (see ``core.hooks``).

``before_submit(author, *, excluding)``: called before a demonstration by ``author`` is sent
to review by the web or the API (imports are exempt); a receiver raises ``ValidationError``
to refuse it.  ``excluding`` is the demonstration being resubmitted, or ``None`` for a new
one.  Leaderboard connects its hourly submission limit.
"""

from core.hooks import Hook

before_submit = Hook("annotations.before_submit")
