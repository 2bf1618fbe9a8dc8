"""Public pages and JSON of the carriers app: region cascades and contract terms."""

from decimal import Decimal

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from . import regions
from .models import Carrier, ContractTerms
from .selectors import contract_version, contract_versions, current_contract
from .services.pricing import plain_number

REGIONS_MAX_AGE = 24 * 60 * 60  # the division list changes once a year at most


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
@cache_control(public=True, max_age=REGIONS_MAX_AGE)
def region_list(request):
    """Cascading selects: no parameter → provinces; ``province`` → its cities; ``province`` and
    ``city`` → the city's districts. ``{"level": …, "items": [{"code", "name"}]}``; 404 when unknown.
    """
    province = request.GET.get("province", "").strip()
    city = request.GET.get("city", "").strip()
    if not province:
        return _json({"level": "province", "items": regions.province_items()})
    if not city:
        items = regions.city_items(province)
        level = "city"
    else:
        items = regions.district_items(province, city)
        level = "district"
    if items is None:
        return _json({"error": _("Unknown province or city.")}, status=404)
    return _json({"level": level, "province": province, "city": city or None, "items": items})


def _percent(rate: Decimal) -> str:
    return f"{plain_number(rate * 100)}%"


@require_GET
def contract_terms(request, code: str, version: str | None = None):
    """A carrier's contract terms: the current version, or a published older one by version."""
    carrier = get_object_or_404(Carrier, code=code)
    if version is None:
        try:
            contract = current_contract(carrier)
        except ContractTerms.DoesNotExist:
            raise Http404(_("This carrier has not published its contract terms.")) from None
    else:
        contract = contract_version(carrier, version)
        if contract is None:
            raise Http404(_("No such version of the contract terms."))
    versions = contract_versions(carrier)
    return render(
        request,
        "carriers/contract.html",
        {
            "carrier": carrier,
            "contract": contract,
            "versions": versions,
            "is_current": bool(versions) and versions[0].pk == contract.pk,
            "insurance_percent": _percent(carrier.insurance_rate),
            "import_tax_percent": _percent(carrier.import_tax_rate),
        },
    )
