from django.db import migrations


class Migration(migrations.Migration):
    """Statistics for the (branch, name) index added in 0004.

    Without them SQLite guessed that index served any branch filter, and the worklist's
    birthday and renewal queries and the import's phone look-up went through every name of a
    branch (the worklist's SQL went from 76 ms to 430 ms on the chain dataset).
    """

    dependencies = [
        ("customers", "0004_search_name_index"),
    ]

    operations = [
        migrations.RunSQL(["ANALYZE customers_customer"], migrations.RunSQL.noop),
    ]
