from django.shortcuts import render

from bookings.selectors import price_list

from .visitor import new_visitor_id, set_visitor_cookie, visitor_from_request


def home(request):
    """The business's public page with the chat widget; gives the visitor their signed chat cookie."""
    visitor_id = visitor_from_request(request)
    response = render(request, "home.html", {"prices": price_list()})
    if visitor_id is None:
        set_visitor_cookie(response, new_visitor_id())
    return response
