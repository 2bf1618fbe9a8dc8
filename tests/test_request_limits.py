"""Limits at the parsers (issue 15): hostile bodies get a 400/413 with a clear error, never a 500,
and change nothing."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import User

TOKEN_URL = "/api/v1/auth/token/"
SIGNUP_URL = "/api/v1/auth/signup/"


def _post_json(client, url: str, body: bytes | str, **extra):
    return client.generic("POST", url, body, content_type="application/json", **extra)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_a_body_nested_1000_levels_is_a_400_json_error(client, db, depth):
    response = _post_json(client, TOKEN_URL, _nested(depth))

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "parse_error", "detail": "JSON 内容嵌套过深（最多 32 层）。"}


def test_depth_32_is_parsed_and_33_is_refused_in_the_readers_language(client, db):
    inside = {"username": "13800138000", "password": "x"}
    for _ in range(31):
        inside = {"k": inside}
    deep_enough = _post_json(client, SIGNUP_URL, json.dumps(inside))  # 32 levels
    too_deep = _post_json(client, SIGNUP_URL, json.dumps({"k": inside}), HTTP_ACCEPT_LANGUAGE="en")

    assert deep_enough.status_code == 400
    assert "error" not in deep_enough.json()  # parsed; the serializer's field errors answer
    assert too_deep.status_code == 400
    assert too_deep.json() == {
        "error": "parse_error",
        "detail": "The JSON body is nested too deeply (at most 32 levels).",
    }
    assert User.objects.count() == 0


def test_an_oversized_json_body_is_a_413(client, db, settings):
    body = json.dumps({"username": "13800138000", "password": "p" * (256 * 1024)})

    response = _post_json(client, TOKEN_URL, body, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 413
    assert response.json() == {
        "error": "request_too_large",
        "detail": "The JSON body is larger than 256 KiB.",
    }


def test_too_many_json_values_is_a_400(client, db):
    response = _post_json(client, TOKEN_URL, json.dumps({"username": list(range(2000)), "password": "x"}))

    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"
    assert response.json()["detail"] == "JSON 内容的值过多（最多 2000 个）。"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"username": NaN, "password": "x"}', "NaN and Infinity are not valid JSON numbers."),
        (b'{"username": -Infinity, "password": "x"}', "NaN and Infinity are not valid JSON numbers."),
        (b'{"username": "\\u0000", "password": "x"}', "The JSON body contains a NUL character."),
        (b'{"\\u0000": 1}', "The JSON body contains a NUL character."),
        ('{"username": "张三"}'.encode("gb18030"), "The JSON body is not valid UTF-8."),
    ],
)
def test_invalid_json_is_a_400_with_a_clear_message(client, db, body, detail):
    response = _post_json(client, TOKEN_URL, body, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == {"error": "parse_error", "detail": detail}
    assert Token.objects.count() == 0


def test_broken_json_says_what_is_wrong(client, db):
    response = _post_json(client, TOKEN_URL, b'{"username": ', HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == {
        "error": "parse_error",
        "detail": "The body is not valid JSON: Expecting value: line 1 column 14 (char 13)",
    }


def test_too_many_form_fields_is_a_400_on_the_api(client, db):
    fields = {f"f{i}": "x" for i in range(501)}

    response = client.post(TOKEN_URL, fields, HTTP_ACCEPT_LANGUAGE="en")  # multipart

    assert response.status_code == 400
    assert response.json() == {
        "error": "too_many_fields",
        "detail": "The form has too many fields (at most 500).",
    }


def test_too_many_files_is_a_400_on_the_api(client, db, tmp_path):
    files = []
    for i in range(11):
        path = tmp_path / f"f{i}.txt"
        path.write_text("x")
        files.append(path.open("rb"))

    response = client.post(TOKEN_URL, {"documents": files}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == {
        "error": "too_many_files",
        "detail": "The form has too many files (at most 10).",
    }


def test_a_body_over_the_request_ceiling_is_a_413_before_it_is_read(client, db, settings):
    settings.REQUEST_MAX_BYTES = 4096

    response = client.post(
        SIGNUP_URL, {"phone": "13800138000", "password": "x" * 5000}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 413
    assert response.json() == {"error": "request_too_large", "detail": "The request body is too large."}
    assert User.objects.count() == 0


def test_a_page_form_over_the_ceiling_is_the_sites_413_page(db, settings):
    settings.REQUEST_MAX_BYTES = 4096
    client = Client()

    response = client.post(reverse("accounts:login"), {"username": "x" * 5000, "password": "x"})

    assert response.status_code == 413
    html = response.content.decode()
    assert 'data-testid="error-page"' in html and 'data-status="413"' in html
    assert "发送的内容过大" in html


def test_a_page_form_with_too_many_fields_is_the_sites_400_page(db):
    client = Client()
    fields = {f"f{i}": "x" for i in range(501)}

    response = client.post(reverse("accounts:login"), fields)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="error-page"' in html and 'data-status="400"' in html
    assert "无法理解提交的内容" in html


def test_a_page_form_with_too_much_text_is_the_sites_413_page(db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = Client()

    response = client.post(reverse("accounts:login"), {"username": "x" * 2000, "password": "x"})

    assert response.status_code == 413
    assert 'data-status="413"' in response.content.decode()
