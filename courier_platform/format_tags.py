"""Template filters of ``courier_platform.formats``, installed as a template builtin."""

from django import template

from courier_platform import formats

register = template.Library()

register.filter("money", formats.money)
register.filter("kg", formats.weight)
register.filter("phone", formats.phone)
register.filter("local_time", formats.local_time)
