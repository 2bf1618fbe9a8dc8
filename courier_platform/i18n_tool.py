"""Translation catalogues: one per app (``<app>/locale``) plus ``locale/`` for the shared templates.

    python -m courier_platform.i18n_tool extract [APP ...]   # makemessages (needs GNU gettext)
    python -m courier_platform.i18n_tool fill [APP ...]      # zh_Hant from zh_Hans through OpenCC
    python -m courier_platform.i18n_tool compile             # .po -> .mo with polib (no gettext)
    python -m courier_platform.i18n_tool check               # fails on an untranslated zh_Hans entry

Source strings are English; zh_Hans is written by hand, zh_Hant is derived from it with OpenCC
(s2twp: Taiwan phrasing) unless an entry carries a ``# hand`` translator comment (kept), and en uses the
source strings.
"""

import os
import subprocess  # noqa: S404  (runs Django's own makemessages)
import sys
from pathlib import Path

import polib

BASE = Path(__file__).resolve().parent.parent
APPS = [
    "accounts",
    "carriers",
    "orders",
    "prohibited",
    "reviews",
    "notifications",
    "simulator",
    "delivery",
    "operations",
]
LOCALES = ["zh_Hans", "zh_Hant", "en"]


def _targets(names: list[str]) -> list[tuple[Path, list[str]]]:
    """(directory to run makemessages in, extra args) for each requested catalogue."""
    out = []
    for name in names or [*APPS, "project"]:
        if name == "project":
            ignores = [f"--ignore={a}/*" for a in APPS] + [
                "--ignore=.venv/*",
                "--ignore=var/*",
                "--ignore=bench/*",
                "--ignore=tests/*",
            ]
            out.append((BASE, ignores))
        else:
            out.append((BASE / name, []))
    return out


def extract(names: list[str]) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "courier_platform.settings",
        "PYTHONPATH": str(BASE),
        "DEV_MODE": "1",
    }
    # -P: an app's own selectors.py must not shadow the standard library when run from its folder.
    manage = [sys.executable, "-P", "-m", "django", "makemessages", "--no-location", "--no-obsolete"]
    for directory, extra in _targets(names):
        (directory / "locale").mkdir(exist_ok=True)
        args = [*manage, *[f"-l{loc}" for loc in LOCALES], *extra]
        subprocess.run(args, cwd=directory, check=True, env=env)  # noqa: S603
        subprocess.run(  # noqa: S603
            [*manage, "-d", "djangojs", *[f"-l{loc}" for loc in LOCALES], *extra],
            cwd=directory,
            check=True,
            capture_output=True,
            env=env,
        )
    fill(names)


def _po_files(locale: str, names: list[str] | None = None) -> list[Path]:
    names = names or [*APPS, "project"]
    dirs = [BASE / "locale" if n == "project" else BASE / n / "locale" for n in names]
    files = []
    for d in dirs:
        files.extend(sorted((d / locale / "LC_MESSAGES").glob("*.po")))
    return files


def fill(names: list[str]) -> None:
    import opencc

    converter = opencc.OpenCC("s2twp")
    for hans_path in _po_files("zh_Hans", names):
        hant_path = Path(str(hans_path).replace("/zh_Hans/", "/zh_Hant/"))
        if not hant_path.exists():
            continue
        hans = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(hans_path))}
        hant = polib.pofile(str(hant_path))
        for entry in hant:
            if "hand" in (entry.tcomment or ""):
                continue  # translated by hand ("# hand" comment): keep
            source = hans.get((entry.msgctxt, entry.msgid))
            if source is None or not source.translated():
                continue
            entry.msgstr = converter.convert(source.msgstr)
            if source.msgstr_plural:
                entry.msgstr_plural = {k: converter.convert(v) for k, v in source.msgstr_plural.items()}
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        hant.save()


def compile_all() -> None:
    count = 0
    for locale in LOCALES:
        for po_path in _po_files(locale):
            polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
            count += 1
    print(f"compiled {count} catalogues")


def check() -> int:
    missing = []
    for po_path in _po_files("zh_Hans"):
        for entry in polib.pofile(str(po_path)):
            if entry.obsolete:
                continue
            if not entry.translated() or "fuzzy" in entry.flags:
                missing.append(f"{po_path.relative_to(BASE)}: {entry.msgid!r}")
    for line in missing:
        print("untranslated:", line)
    return 1 if missing else 0


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["compile"]
    if command == "extract":
        extract(rest)
    elif command == "fill":
        fill(rest)
    elif command == "compile":
        compile_all()
    elif command == "check":
        sys.exit(check())
    else:
        sys.exit(__doc__)
