from django.shortcuts import render

from bookings.selectors import price_list


def home(request):
    """The business's public page."""
    return render(request, "home.html", {"prices": price_list()})
