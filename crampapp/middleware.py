"""Response headers that Django's SecurityMiddleware does not set."""

from django.utils.cache import add_never_cache_headers

# No page of CrampApp needs any of these browser features.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class PrivatePagesMiddleware:
    """A page or a file made for a signed-in person is kept by no cache: not by a shared proxy, and not by the
    browser of a shared computer, where Back after signing out would show it again. A view that says otherwise
    (its own Cache-Control) keeps its word."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response and request.user.is_authenticated:
            add_never_cache_headers(response)
        return response
