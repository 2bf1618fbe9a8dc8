"""POST /api/v1/screening/: screen one item (DESIGN §5, §7.3). Public: screening reveals nothing
about anyone, and people check their goods before they sign up."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from prohibited.services import screen_item

from .serializers import ScreeningRequestSerializer, ScreeningResultSerializer


class ScreeningView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        request=ScreeningRequestSerializer,
        responses={200: ScreeningResultSerializer, 400: OpenApiResponse(description="Field errors.")},
        summary="Screen one item against the prohibited, restricted and refused goods catalogues",
    )
    def post(self, request: Request) -> Response:
        data = ScreeningRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = screen_item(data.screening_input(), carrier=data.validated_data.get("carrier"))
        return Response(result.as_dict())
