"""How this particular API says "no", learned once at preflight (DESIGN.md §4).

The engine sends the probes (an unknown path, identity-bearing endpoints without credentials);
this module only classifies what came back. Three habits matter:

* **soft 404**: a 2xx page for any path (an SPA's `index.html`, a catch-all route). An answer
  that looks like it proves nothing about the operation that was asked for.
* **redirect to login**: a 3xx to a login page or identity provider instead of a 401.
* **200 with an error body**: `{"error": ...}`, `{"success": false}`, or whatever this API
  answered to an unauthenticated request while the same request with credentials got data.

`Calibration.looks_like_rejection()` folds those together with the generic refusal shapes of
`rejection_shapes`, so that a check treats them all as rejections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from authsift.analysis.bodies import body_text, json_body
from authsift.analysis.rejection_shapes import error_body_reason, has_login_form, is_login_location
from authsift.analysis.similarity import SIMILARITY_THRESHOLD, similar_at_least
from authsift.model import HttpResponse

DEFAULT_THRESHOLD = SIMILARITY_THRESHOLD


def _is_success(response: HttpResponse) -> bool:
    return 200 <= response.status < 300


def _is_redirect(response: HttpResponse) -> bool:
    return 300 <= response.status < 400


@dataclass(frozen=True, slots=True)
class Calibration:
    """What the API answered when it had to say "no"; empty means "nothing learned".

    `unknown_path_pages`: 2xx answers to paths that cannot exist. `error_pages`: 2xx answers to
    unauthenticated requests whose authenticated twin returned different data.
    `login_locations`: redirect targets (path only) seen for unauthenticated requests.
    """

    unknown_path_pages: tuple[HttpResponse, ...] = ()
    error_pages: tuple[HttpResponse, ...] = ()
    login_locations: frozenset[str] = frozenset()
    threshold: float = DEFAULT_THRESHOLD

    @property
    def serves_soft_404(self) -> bool:
        """The API answers 2xx for paths that do not exist."""
        return bool(self.unknown_path_pages)

    def looks_like_soft_404(self, response: HttpResponse) -> bool:
        """A 2xx answer that is the same page the API gives for a path that cannot exist."""
        return _is_success(response) and any(
            similar_at_least(response, page, self.threshold) for page in self.unknown_path_pages
        )

    def looks_like_rejection(self, response: HttpResponse) -> str | None:
        """Why `response` is a refusal in disguise (the reason, for the report), or None.

        401 and 403 are not handled here: they are refusals by status, and the judge says so
        itself. This catches the disguised ones: a redirect to a login page, a 2xx with an error
        envelope or a login form, a 2xx identical to this API's known refusal page, a soft 404.
        """
        if _is_redirect(response):
            return self._login_redirect_reason(response)
        if not _is_success(response):
            return None
        parsed = json_body(response)
        if parsed is not None:
            reason = error_body_reason(parsed.value)
            if reason is not None:
                return f"{response.status} with {reason}"
        elif has_login_form(body_text(response)):
            return f"{response.status} with a login form (password field)"
        if any(similar_at_least(response, page, self.threshold) for page in self.error_pages):
            return f"{response.status} with the body this API returns to unauthenticated requests"
        if self.looks_like_soft_404(response):
            return f"{response.status} with the page this API returns for unknown paths (soft 404)"
        return None

    def _login_redirect_reason(self, response: HttpResponse) -> str | None:
        location = response.header("Location")
        if not location:
            return None
        path = urlsplit(location).path or "/"
        if path in self.login_locations or is_login_location(location):
            return f"{response.status} redirect to login page {path}"
        return None


def calibrate(
    *,
    unknown_path: Sequence[HttpResponse] = (),
    unauthenticated: Sequence[tuple[HttpResponse, HttpResponse]] = (),
    threshold: float = DEFAULT_THRESHOLD,
) -> Calibration:
    """Build the calibration from the preflight's probes.

    `unknown_path`: answers to random paths that cannot exist (send two, e.g. `/authsift-<rand>`
    and `/authsift-<rand>/<rand>.json`). Only 2xx answers are kept: a 404 is an honest answer.

    `unauthenticated`: pairs of (answer with a valid credential, answer to the same request
    without a credential or with a junk one) on identity-bearing endpoints. Learned from them:
    a 3xx answer's `Location` path is this API's login page whatever it is called; a 2xx answer
    becomes a known refusal page only when the authenticated twin was 2xx with a *different*
    body. The reading with fewer false positives: a page is only learned as a refusal if the
    credential demonstrably changed the answer, so a public endpoint's ordinary content is never
    mistaken for an error page (which would hide real findings elsewhere).
    """
    soft_pages = tuple(page for page in unknown_path if _is_success(page))
    error_pages: list[HttpResponse] = []
    login_locations: set[str] = set()
    for with_credential, without in unauthenticated:
        if _is_redirect(without) and _is_success(with_credential):
            location = without.header("Location")
            if location:
                login_locations.add(urlsplit(location).path or "/")
        elif (
            _is_success(without)
            and _is_success(with_credential)
            and not similar_at_least(with_credential, without, threshold)
        ):
            error_pages.append(without)
    return Calibration(
        unknown_path_pages=soft_pages,
        error_pages=tuple(error_pages),
        login_locations=frozenset(login_locations),
        threshold=threshold,
    )
