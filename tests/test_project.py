"""Project-wide promises: safe settings, local API docs, languages, the Celery app."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(__file__).resolve().parent.parent


def _run_settings(env_overrides: dict[str, str], code: str) -> subprocess.CompletedProcess:
    unset = ("DEV_MODE", "DEBUG", "SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "courier_platform.settings"
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; {code}"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _run_settings({}, "print('started')")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert "started" not in result.stdout


def test_debug_is_off_unless_asked_for():
    result = _run_settings({"SECRET_KEY": "x" * 60}, "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_embedded_default_is_sqlite_and_filesystem_broker_under_var():
    result = _run_settings(
        {"DEV_MODE": "1"},
        "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'], settings.CELERY_BROKER_URL)",
    )
    assert result.returncode == 0, result.stderr
    engine, name, broker = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == BASE / "var" / "db.sqlite3"
    assert broker == "filesystem://localhost/"


def test_real_services_come_from_the_environment():
    result = _run_settings(
        {
            "DEV_MODE": "1",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/courier",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
        },
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["courier_platform.db.postgresql", "redis://127.0.0.1:6379/3"]


def test_the_health_check_window_comes_from_the_environment():
    code = "d = settings.DATABASES['default']; print(d['CONN_HEALTH_CHECKS'], d['CONN_HEALTH_CHECK_WINDOW'])"
    url = {"DEV_MODE": "1", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/courier"}
    default = _run_settings(url, code)
    assert default.returncode == 0, default.stderr
    assert default.stdout.split() == ["True", "0.5"]
    pinging = _run_settings({**url, "CONN_HEALTH_CHECK_WINDOW": "0"}, code)
    assert pinging.returncode == 0, pinging.stderr
    assert pinging.stdout.split() == ["True", "0.0"]


def test_time_zone_and_languages():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "zh-hant", "en"]


def test_celery_app_reads_django_settings():
    from courier_platform.celery import app

    assert app.main == "courier_platform"
    assert app.conf.timezone == "Asia/Shanghai"


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "swagger-ui" in page
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page


@pytest.mark.django_db
def test_language_switch_changes_the_page_language(client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert '<html lang="zh-hans">' in html
    assert "登录" in html

    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    english = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in english
    assert "Log in" in english

    client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/accounts/login/"})
    traditional = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hant">' in traditional
    assert "登入" in traditional


def test_manage_py_needs_no_secret_locally_but_the_servers_do():
    env = {k: v for k, v in os.environ.items() if k not in ("DEV_MODE", "DEBUG", "SECRET_KEY")}
    local = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE, env=env, capture_output=True, text=True, timeout=120
    )
    assert local.returncode == 0, local.stderr
    wsgi = subprocess.run(
        [sys.executable, "-c", "import courier_platform.wsgi"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wsgi.returncode != 0
    assert "SECRET_KEY must be set" in wsgi.stderr


def test_the_wsgi_application_loads_the_urls_before_the_first_request():
    # Production settings with a secret; nothing is served, the module is only imported.
    env = {k: v for k, v in os.environ.items() if k not in ("DEV_MODE", "DEBUG")}
    env.update(SECRET_KEY="wsgi-test-" + "x" * 50, DJANGO_SETTINGS_MODULE="courier_platform.settings")
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, courier_platform.wsgi; print('courier_platform.urls' in sys.modules, 'orders.views' in sys.modules)",
        ],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["True", "True"]


def test_api_schema_generates_without_a_warning():
    """`check --deploy --fail-level WARNING` in CI fails on any drf-spectacular warning."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert GENERATOR_STATS._warn_cache == {}, list(GENERATOR_STATS._warn_cache)
    assert GENERATOR_STATS._error_cache == {}, list(GENERATOR_STATS._error_cache)
    assert "cookieAuth" in schema["components"]["securitySchemes"]
    assert {"Estimate", "CarrierEstimate"} <= set(schema["components"]["schemas"])
