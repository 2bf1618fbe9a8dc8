"""Address-book entries onto the platform's region table.

Entries were once typed as free text ("深圳", "南山"), and the region table has since dropped the
functional areas it listed as districts (两江新区, 苏州工业园区, 雄安新区). Each entry whose region
is not one of the table's is mapped when it can be: first as written (short province names,
functional areas → their real district), then read as a pasted address by the smart-fill parser
("广东 深圳 南山" → 广东省 深圳市 南山区). What maps nowhere is left as typed: the address book
flags it (``Address.region_ok``) for the user to choose from the lists.
"""

from django.db import migrations


def _mapped(row):
    from carriers import regions

    place = regions.canonical_place(row.province, row.city, row.district)
    if place is not None:
        return place.province, place.city, place.district
    from carriers.address_parse import parse_address  # loads jionlp: only when an entry needs it

    parsed = parse_address(f"{row.province} {row.city} {row.district}")
    if parsed.province and parsed.city and parsed.district:
        return parsed.province, parsed.city, parsed.district
    return None


def forwards(apps, schema_editor):
    from carriers import regions

    Address = apps.get_model("accounts", "Address")
    for row in Address.objects.only("pk", "province", "city", "district").iterator():
        current = (row.province, row.city, row.district)
        place = regions.canonical_place(*current)
        if place is not None and (place.province, place.city, place.district) == current:
            continue
        mapped = _mapped(row)
        if mapped is not None and mapped != current:
            Address.objects.filter(pk=row.pk).update(province=mapped[0], city=mapped[1], district=mapped[2])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0012_service_fee_announcements")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
