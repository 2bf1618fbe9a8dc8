"""The favicon and the web app manifest, and the language switch without inline script."""

import json

import pytest

pytestmark = pytest.mark.django_db


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_manifest_in_the_visitors_language(client):
    response = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] == "上门快递"
    assert data["start_url"] == "/"
    assert [icon["sizes"] for icon in data["icons"]] == ["192x192", "512x512"]
    english = json.loads(client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="en").content)
    assert english["name"] == "Doorstep Courier"


def test_every_page_links_them_and_names_each_language_in_itself(client):
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/favicon.ico"' in page
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert ">English</option>" in page and ">简体中文</option>" in page and ">繁體中文</option>" in page
    assert "英文" not in page
    assert "onchange=" not in page and "<script>" not in page
