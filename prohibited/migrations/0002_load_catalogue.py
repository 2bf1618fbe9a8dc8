"""Load the goods catalogue from prohibited/data/*.toml (DESIGN §5)."""

from django.db import migrations


def load(apps, schema_editor):
    from prohibited.catalogue import catalogue_sync

    catalogue_sync(
        section_model=apps.get_model("prohibited", "Section"),
        term_model=apps.get_model("prohibited", "Term"),
        version_model=apps.get_model("prohibited", "CatalogueVersion"),
    )


def unload(apps, schema_editor):
    apps.get_model("prohibited", "Section").objects.all().delete()
    apps.get_model("prohibited", "CatalogueVersion").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("prohibited", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
