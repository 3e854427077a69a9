"""API plumbing shared by every app: pagination and the error shape of every domain exception."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import Conflict
from core.integers import optional_int


class Pagination(PageNumberPagination):
    """Pages of 50 (``page_size`` from 1 to 200).  ``page`` and ``page_size`` that are not whole
    numbers in ASCII digits, a ``page`` below 1 and a ``page_size`` out of bounds are refused with a
    400 naming them; a page past the last one is a 404, as DRF answers (the pages do the same)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        size = optional_int(
            request.query_params.get(self.page_size_query_param),
            field=self.page_size_query_param,
            min_value=1,
            max_value=self.max_page_size,
        )
        return self.page_size if size is None else size

    def get_page_number(self, request, paginator):
        number = request.query_params.get(self.page_query_param) or 1
        if number in self.last_page_strings:
            return number
        return optional_int(number, field=self.page_query_param, min_value=1) or 1

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters


def exception_handler(exc, context):
    """The one place the services' exceptions become HTTP answers.

    ``ValidationError``: 400 keyed by field (``non_field_errors`` for the others).  ``Conflict``
    (a stale version, a change the status does not allow): 409 with ``detail``, ``code`` and
    the exception's details.  Anything else goes to DRF (``PermissionDenied`` is a 403,
    ``Http404`` a 404).
    """
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
        else:
            detail = {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Conflict):
        return Response({"detail": str(exc), "code": exc.code, **exc.details()}, status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)
