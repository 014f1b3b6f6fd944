"""投訴性質 (PT-P020 5.2.2, domain.md §3.2) and 處理期限 (§3.3) as the SOP states them."""

from django.db import migrations

from careloop.complaints.defaults import seed_defaults


def seed(apps, schema_editor):
    seed_defaults(apps.get_model("complaints", "Nature"), apps.get_model("complaints", "DeadlinePolicy"))


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
