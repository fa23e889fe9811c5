from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from bookings.selectors import price_list
from conversations.services import identity_opt_out

from .unsubscribe import identity_from_unsubscribe_token

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


@csrf_exempt  # a signed token in the URL is the credential; mail clients' one-click unsubscribe POSTs without a form
def unsubscribe(request, token: str):
    """The link in survey and follow-up e-mails. GET shows a button (a mail scanner following links unsubscribes
    nobody); POST unsubscribes (the button, or a mail client's RFC 8058 one-click `List-Unsubscribe-Post`)."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    identity = identity_from_unsubscribe_token(token)
    if identity is None:
        return render(request, "messaging/unsubscribe.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        identity_opt_out(identity=identity, source="unsubscribe link")
        done = True
    return render(request, "messaging/unsubscribe.html", {"identity": identity, "done": done,
                                                          "opted_out": identity.opted_out_at is not None or done})
