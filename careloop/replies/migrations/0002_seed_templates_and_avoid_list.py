"""回覆範本 per channel and the avoid-list (domain.md §5) to start from."""

from django.db import migrations

from careloop.replies.defaults import seed_defaults


def seed(apps, schema_editor):
    seed_defaults(apps.get_model("replies", "ReplyTemplate"), apps.get_model("replies", "AvoidPhrase"))


class Migration(migrations.Migration):
    dependencies = [("replies", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
