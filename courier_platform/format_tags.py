"""Template filters of ``carriers.formats``, installed as a template builtin."""

from django import template

from carriers import formats

register = template.Library()

register.filter("money", formats.money)
register.filter("kg", formats.weight)
register.filter("phone", formats.phone)
register.filter("masked_phone", formats.masked_phone)
register.filter("local_time", formats.local_time)
register.filter("local_date", formats.local_date)
register.filter("local_window", formats.local_window)
