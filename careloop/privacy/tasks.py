"""Daily privacy housekeeping run by the Huey worker."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from careloop.privacy.erasure import holds_release
from careloop.privacy.retention import retention_purge

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="3", minute="41"))
def privacy_holds_release() -> None:
    """Finish erasures whose complaints have passed PT-P020 5.6.3's three years."""
    finished = holds_release()
    if finished:
        logger.info("privacy: released holds of %d erasures", len(finished))


@db_periodic_task(crontab(hour="3", minute="47"))
def privacy_retention_purge() -> None:
    """The retention schedule (retention.py): import uploads, expired survey links."""
    logger.info("privacy: retention purge %s", retention_purge())
