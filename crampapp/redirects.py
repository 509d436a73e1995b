"""Where to send someone back to after a form: a page they came from, named in the request, if it is ours."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def path_on_this_site(request: HttpRequest, value: str) -> str:
    """`value` when it is a path on this site (never another host, scheme or a protocol-relative address), else
    ""."""
    on_site = url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return value if on_site and value.startswith("/") else ""
