"""Date and time formats of every language (``FORMAT_MODULE_PATH``): the same digits everywhere,
2026-11-23 10:00, as ``carriers.formats.local_time`` writes them on the pages and in the notices.
Django reads these before its own locale formats; what is not set here stays Django's."""
