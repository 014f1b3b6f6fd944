from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # Staff start the day from whom to contact today.
    return redirect("worklist:today")


@login_required
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "core/help.html")
