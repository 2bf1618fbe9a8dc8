"""Claims on the order page (DESIGN §10): file one, add documents, download them; and the
carrier's signed links to the documents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orders.claim_forms import ClaimDocumentsForm, ClaimForm
from orders.models import ClaimDocument
from orders.services import claims
from orders.views.common import order_or_404
from orders.views.orders import detail_context


def _form_errors(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


@login_required
@require_POST
def claim_file(request, number: str):
    order = order_or_404(request.user, number)
    form = ClaimForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            claims.claim_file(
                order=order,
                user=request.user,
                kind=data["kind"],
                amount=data["amount"],
                description=data["description"],
                uploads=data["documents"],
            )
        except claims.ClaimRefused as refused:
            messages.error(request, refused.message)
            return redirect("orders:detail", number=order.number)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Your claim has been sent to the carrier."))
            return redirect("orders:detail", number=order.number)
    return render(request, "orders/detail.html", detail_context(order, claim_form=form), status=400)


@login_required
@require_POST
def claim_documents_add(request, number: str):
    order = order_or_404(request.user, number)
    claim = order.claims.first()
    if claim is None:
        raise Http404
    form = ClaimDocumentsForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            claims.claim_documents_add(claim=claim, user=request.user, uploads=form.cleaned_data["documents"])
        except claims.ClaimRefused as refused:
            messages.error(request, refused.message)
            return redirect("orders:detail", number=order.number)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request, _("The documents have been added to your claim and sent to the carrier.")
            )
            return redirect("orders:detail", number=order.number)
    return render(request, "orders/detail.html", detail_context(order, documents_form=form), status=400)


def _document_response(document: ClaimDocument) -> FileResponse:
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = document.file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        handle,
        content_type=document.content_type,
        as_attachment=True,
        filename=f"claim-{document.claim_id}-{document.pk}.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def claim_document(request, number: str, pk: int):
    """One of my claim's documents (or any, for staff allowed to view claims)."""
    if request.user.has_perm("orders.view_claim"):
        document = ClaimDocument.objects.filter(pk=pk, claim__order__number=number).first()
    else:
        order = order_or_404(request.user, number)
        document = ClaimDocument.objects.filter(pk=pk, claim__order=order).first()
    if document is None:
        raise Http404
    return _document_response(document)


@require_GET
def claim_document_link(request, token: str):
    """The carrier's short-lived signed link from ``claim.created``: no account needed."""
    document = claims.claim_document_for_link(token=token)
    if document is None:
        raise Http404
    return _document_response(document)
