"""A carrier endpoint for the authentication tests (``@override_settings(ROOT_URLCONF=…)``)."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from carriers.api.authentication import CarrierSignatureAuthentication, IsCarrier


class CarrierEchoView(APIView):
    authentication_classes = [CarrierSignatureAuthentication]
    permission_classes = [IsCarrier]

    def get(self, request, code):
        return Response({"carrier": request.user.carrier.code, "query": request.query_params.dict()})

    def post(self, request, code):
        return Response(
            {
                "carrier": request.user.carrier.code,
                "message_id": request.user.message_id,
                "data": request.data,
            }
        )


urlpatterns = [path("api/v1/carriers/<slug:code>/echo/", CarrierEchoView.as_view())]
