"""Requests with text that no page can use are answered before any view runs, and the API always answers JSON.

A NUL in the path answers 404 and a NUL or lone surrogate in the query string answers 400 (PostgreSQL
refuses NUL in text, so such a value must never reach a query). Under /api/ these answers, and an
unexpected error in an API view, are JSON like every other API answer.
"""

import logging

from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponse, JsonResponse
from django.views import defaults

from .bounds import text_problem

logger = logging.getLogger(__name__)
API_PREFIX = "/api/"


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(status: int, code: str, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": code, "message": message, **extra}, status=status)


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            return self._refuse(request, 404, "not_found", "There is no such page.")
        for key, values in request.GET.lists():
            for text in (key, *values):
                problem = _unusable(text)
                if problem:
                    return self._refuse(request, 400, "invalid_query", f"Query parameter '{key[:40]}' {problem}")
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_api(request):
            return None
        logger.exception("Unexpected error in %s", request.path_info, exc_info=exception)
        return api_error(500, "server_error", "Something went wrong on our side; nothing was changed. Try again.")

    @staticmethod
    def _refuse(request, status: int, code: str, message: str) -> HttpResponse:
        if is_api(request):
            return api_error(status, code, message)
        if status == 404:
            return defaults.page_not_found(request, Http404(message))
        return defaults.bad_request(request, SuspiciousOperation(message))


def _unusable(text: str) -> str | None:
    """NUL and lone surrogates only: other control characters (a pasted tab) are harmless in a search."""
    problem = text_problem(text)
    if problem and ("\x00" in text or "surrogate" in problem):
        return problem
    return None
