"""Pages of a list on the site's pages, with the API's rule for ``?page=``.

A ``page`` that is not a whole number from 1 in ASCII digits is a 400 naming it; a page past the
last one is a 404, as with Django's ``ListView`` and the API (DRF), rather than silently showing
another page.  An empty list still has its page 1.
"""

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404
from django.utils.translation import gettext as _

from .exceptions import BadQueryParameter
from .integers import to_int

PAGE_PARAMETER = "page"


def page_number(request, *, parameter=PAGE_PARAMETER):
    """The page asked for in the query string (1 when absent or empty), or ``BadQueryParameter``."""
    raw = request.GET.get(parameter, "")
    if raw == "":
        return 1
    try:
        return to_int(raw, min_value=1)
    except ValueError:
        raise BadQueryParameter(parameter, _("Give a page number from 1 upwards, in the digits 0-9.")) from None


def page_of(request, object_list, per_page, *, parameter=PAGE_PARAMETER):
    """The requested page of ``object_list``; ``BadQueryParameter`` (400) or ``Http404`` past the end."""
    number = page_number(request, parameter=parameter)
    paginator = Paginator(object_list, per_page)
    try:
        return paginator.page(number)
    except EmptyPage:
        raise Http404(
            _("There is no page %(number)s: the list has %(count)s.") % {"number": number, "count": paginator.num_pages}
        ) from None
