"""The inbox page (DESIGN §9): my notices, newest first, and marking them read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from notifications import selectors, services

PAGE_SIZE = 20


@login_required
@require_GET
def inbox(request):
    page = Paginator(selectors.notification_list_for_user(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/inbox.html", {"page": page})


def _back(request):
    """Where a mark-read form came from (the inbox page, or any page showing the banner)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_read(request, pk: int):
    if not selectors.notification_list_for_user(user=request.user).filter(pk=pk).exists():
        raise Http404
    services.notifications_mark_read(user=request.user, ids=[pk])
    return _back(request)


@login_required
@require_POST
def mark_all_read(request):
    services.notifications_mark_read(user=request.user, ids=None)
    return _back(request)
