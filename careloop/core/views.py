from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # The daily worklist arrives with treatment packages; until then staff start at customers.
    return redirect("customers:list")


@login_required
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "core/help.html")
