"""The database cache's table, for deployments without Redis and DEBUG off (config.settings).

Created whatever the cache settings are, so that `migrate` is all any deployment runs: rate
limits counted in this table are shared by every web and worker process.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

# The same name as config.settings.CACHE_TABLE; a migration must not change with the settings.
TABLE = "lotse_cache"


def create_table(apps, schema_editor):
    # Django's own command builds the table (it knows the schema the cache expects).
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(database=schema_editor.connection.alias, tablename=TABLE, dry_run=False)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("workers", "0002_offer_problem")]

    operations = [migrations.RunPython(create_table, drop_table)]
