"""Pages of the API's lists: ``?page=N`` (from 1), as DRF's, with an empty ``?page=`` refused like
any other page that is not a number (404, "Invalid page.") instead of read as the first page, so
the parameter is exactly the integer the schema documents."""

from __future__ import annotations

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    def get_page_number(self, request, paginator):
        if request.query_params.get(self.page_query_param) == "":
            return ""  # Paginator.page("") raises InvalidPage: DRF's 404
        return super().get_page_number(request, paginator)
