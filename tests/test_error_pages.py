"""The error pages (404, 403, CSRF failure, 500): the site's layout, in the user's language."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import include, path, reverse

from orders.tests.factories import OrderFactory


def _forbidden(request):
    raise PermissionDenied


def _broken(request):
    raise RuntimeError("boom")


# This module doubles as a URLconf: the project's URLs plus two views that fail on purpose.
urlpatterns = [
    path("test-errors/forbidden/", _forbidden),
    path("test-errors/broken/", _broken),
    path("", include("courier_platform.urls")),
]


@pytest.fixture
def error_urls(settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False


def test_another_users_order_is_the_styled_404_in_chinese(client, customer, other_customer, settings):
    settings.DEBUG = False
    order = OrderFactory(user=other_customer)
    client.force_login(customer)

    response = client.get(reverse("orders:detail", args=[order.number]))

    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert "张三" not in html and "李四" not in html  # nothing of the order leaks
    assert 'data-nav="orders"' in html and "我的订单" in html  # the nav of a signed-in user
    assert 'id="lang-select"' in html  # the language switch
    assert f'href="{reverse("orders:list")}"' in html
    assert 'data-testid="error-page"' in html


def test_404_in_english_for_an_english_reader(client, customer, settings):
    settings.DEBUG = False
    client.force_login(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get("/orders/NOPE/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_403_page(client, customer, error_urls):
    client.force_login(customer)

    response = client.get("/test-errors/forbidden/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "无权访问" in html and 'id="lang-select"' in html


def test_csrf_failure_page_is_styled_and_translated(customer, error_urls):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)

    response = client.post(reverse("orders:cancel", args=["CPT000000001"]), {"reason": "other"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "表单已过期" in html
    assert 'data-testid="error-page"' in html
    assert 'id="lang-select"' in html and 'name="csrfmiddlewaretoken"' in html  # a working switch


def test_500_page_needs_no_request_and_no_database(customer, error_urls, django_assert_num_queries):
    client = Client(raise_request_exception=False)
    client.force_login(customer)

    with django_assert_num_queries(0):
        response = client.get("/test-errors/broken/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "出错了" in html
    assert "site.css" in html
    assert f'href="{reverse("orders:list")}"' in html
    assert 'data-testid="error-page"' in html
