"""The site's own pages: login and the error pages (the staff pages are in `requests/web/`).

Error pages answer in JSON under /api/ (clients parse them) and in HTML elsewhere (people
read them).
"""

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    # No request context here: the error may come from the context processors themselves.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
