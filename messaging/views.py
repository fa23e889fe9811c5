from django.shortcuts import render

from bookings.selectors import price_list

from .limits import new_visitor_allowed, request_address
from .visitor import new_visitor_id, set_visitor_cookie, visitor_from_request


def home(request):
    """The business's public page with the chat widget; gives the visitor their signed chat cookie, at most
    WEBCHAT_NEW_VISITORS_PER_ADDRESS new visitors per client address: past it the page is shown (429) without a
    visitor and says why, so a script fetching `/` in a loop cannot mint visitors to flood the chat."""
    if visitor_from_request(request) is not None:
        return render(request, "home.html", {"prices": price_list()})
    verdict = new_visitor_allowed(address=request_address(request))
    if not verdict.allowed:
        minutes = max(1, round(verdict.retry_after / 60))
        response = render(request, "home.html", {
            "prices": price_list(),
            "chat_unavailable": f"Too many new chats were started from your network. Please try the chat again "
                                f"in {minutes} minute{'s' if minutes != 1 else ''}, or call or e-mail us.",
        }, status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    response = render(request, "home.html", {"prices": price_list()})
    set_visitor_cookie(response, new_visitor_id())
    return response
