"""The composer panel of a case, built the same way for the case page's tag and the reply
views: the selector's reads plus an unbound composer filled from the case."""

from __future__ import annotations

import uuid
from typing import Any

from careloop.accounts.models import User
from careloop.complaints.models import Complaint
from careloop.messaging.models import MessageChannel
from careloop.replies.forms import ComposeForm
from careloop.replies.models import ReplyTemplate, TemplateChannel
from careloop.replies.selectors import ReplyPanel, recipient_defaults, reply_panel
from careloop.replies.services import reply_render


def default_channel(recipients: dict[str, str], template: ReplyTemplate | None) -> str:
    """E-mail for an e-mail template, LINE (else SMS) for a private message; otherwise the
    first channel the case has a contact for."""
    if template is not None and template.channel == TemplateChannel.EMAIL:
        return MessageChannel.EMAIL
    if template is not None and template.channel == TemplateChannel.PRIVATE_MESSAGE:
        return MessageChannel.LINE if recipients[MessageChannel.LINE] else MessageChannel.SMS
    for channel in (MessageChannel.EMAIL, MessageChannel.LINE, MessageChannel.SMS):
        if recipients[channel]:
            return channel
    return MessageChannel.EMAIL


def compose_form_initial(
    *, complaint: Complaint, user: User, template: ReplyTemplate | None = None
) -> ComposeForm:
    """An unbound composer, filled from the template (when one is picked) and the case."""
    recipients = recipient_defaults(complaint)
    channel = default_channel(recipients, template)
    initial: dict[str, Any] = {
        "channel": channel,
        "to": recipients[channel],
        "key": uuid.uuid4().hex,
    }
    if template is not None:
        rendered = reply_render(template=template, complaint=complaint, by=user)
        initial.update(template=template, subject=rendered.subject, body=rendered.body)
    return ComposeForm(initial=initial)


def panel_build(
    *,
    complaint: Complaint,
    user: User,
    form: ComposeForm | None = None,
    template: ReplyTemplate | None = None,
    **extra: Any,
) -> ReplyPanel:
    panel = reply_panel(complaint=complaint, user=user, **extra)
    if panel.can_compose and form is None:
        form = compose_form_initial(complaint=complaint, user=user, template=template)
        # The panel has read the active templates already; the unbound picker reuses them.
        field = form.fields["template"]
        field.choices = [("", field.empty_label), *((t.pk, t.name) for t in panel.templates)]
    panel.form = form
    return panel
