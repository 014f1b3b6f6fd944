"""core/choices.py: choice labels from a table built once per field, as Django would give them."""

import pytest
from django.db import models

from careloop.complaints.models import Complaint
from careloop.customers.models import Channel, Interaction, Reaction


def _django_label(instance, name):
    field = instance._meta.get_field(name)
    return models.Model._get_FIELD_display(instance, field)


@pytest.mark.parametrize("channel", list(Channel))
def test_choice_label_is_the_one_django_gives(channel):
    # Given an interaction on each channel
    interaction = Interaction(channel=channel, reaction=Reaction.POSITIVE)
    # When its channel is shown
    shown = interaction.get_channel_display()
    # Then it is the label Django itself would give, as text
    assert shown == _django_label(interaction, "channel") == str(channel.label)
    assert type(shown) is str


def test_a_value_outside_the_choices_is_shown_as_it_is():
    # Given a value written to the database by something older than the current choices
    interaction = Interaction(channel="fax")
    # When it is shown
    shown = interaction.get_channel_display()
    # Then the raw value is shown, as Django does
    assert shown == "fax" == _django_label(interaction, "channel")


def test_every_field_keeps_its_own_labels():
    # Given a complaint and an interaction, both "in_person", which the two apps label
    # differently (當面 / 面談)
    complaint = Complaint(channel="in_person", grade="A")
    interaction = Interaction(channel="in_person")
    # When both are shown
    shown = (interaction.get_channel_display(), complaint.get_channel_display())
    # Then each answers from its own field's table
    assert shown == ("面談", "當面")
    assert complaint.get_grade_display() == _django_label(complaint, "grade")
