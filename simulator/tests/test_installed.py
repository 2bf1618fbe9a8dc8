"""The simulator is a development tool: installed only while CARRIER_SIMULATOR is on (DESIGN §7.4)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[2]
PROBE = (
    "import django; django.setup(); from django.apps import apps; from django.conf import settings; "
    "from carriers.integrations import INTEGRATIONS; "
    "print(apps.is_installed('simulator'), 'simulator' in INTEGRATIONS, "
    "'simulator-kick' in settings.CELERY_BEAT_SCHEDULE)"
)


def probe(**env) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("SIMULATOR_APP", "CARRIER_SIMULATOR")}
    environment.update(DJANGO_SETTINGS_MODULE="courier_platform.settings", DEV_MODE="1", **env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=BASE, env=environment, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"), [({}, "False False False"), ({"CARRIER_SIMULATOR": "1"}, "True True True")]
)
def test_the_simulator_app_is_installed_only_while_the_simulator_is_on(env, expected):
    assert probe(**env) == expected
