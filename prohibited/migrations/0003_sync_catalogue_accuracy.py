"""Sync the goods catalogue again after the accuracy fixes (seed wording of 拒收物品目录 6–8,
003 Appendix I lines, cigarette brands counted beside a count, live seafood, narrower "paint",
lighter adapters, cooked eggs, simplified forms and mainland wording of traditional terms).

``catalogue_sync`` adds and updates; rows an admin added are kept. The one term the files
dropped, bare "paint" of 禁止寄递物品目录 五 (gouache, chalk and artists' paints are no flammable
liquid; oil-based, enamel and spray paint stay), is removed here, since the sync never deletes.
"""

from django.db import migrations


DROPPED = [("prohibited", 5, "", "paint")]


def sync(apps, schema_editor):
    from prohibited.catalogue import catalogue_sync

    term_model = apps.get_model("prohibited", "Term")
    for kind, number, carrier_code, term in DROPPED:
        term_model.objects.filter(
            section__kind=kind, section__number=number, section__carrier_code=carrier_code, term=term
        ).delete()

    catalogue_sync(
        section_model=apps.get_model("prohibited", "Section"),
        term_model=term_model,
        version_model=apps.get_model("prohibited", "CatalogueVersion"),
    )


class Migration(migrations.Migration):
    dependencies = [("prohibited", "0002_load_catalogue")]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
