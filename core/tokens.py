"""How an API token becomes a user: the hook the issuing app fills, and each request's answer.

core serves requests signed by an ``X-Session-Token`` header (the idempotency middleware, pages that
accept a token) without knowing who issues the tokens. The app that does registers how a token
becomes a user, once, from its ``AppConfig.ready()``::

    register_token_resolver(user=token_user, user_taking_key=token_user_taking_key)

``user(token)`` answers the signed-in user or None. ``user_taking_key(token, key)`` is optional: the
same user, and inside the caller's transaction the Idempotency-Key's lock for that user with the
answer a twin stored (core.idempotency), in one round trip; it answers None when it cannot do both
at once, and core then takes the key itself. In Fubi the app that issues session tokens registers
them from its AppConfig. Until something is registered, every token signs in nobody.

A request's token is resolved once: ``token_user(request, token)`` remembers the answer for that
request object only — in a table keyed weakly by the request, not as an attribute on it — so the
lookup the idempotency middleware made is the one ninja's auth reuses. Nothing is kept across
requests: a logged-out (deleted) session stops working at once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from django.http import HttpRequest

HEADER = "X-Session-Token"

UserResolver = Callable[[str], Any]
# (user or None, what a twin stored under the key or None), or None: "take the key yourself"
KeyedUserResolver = Callable[[str, str], tuple[Any, tuple | None] | None]


@dataclass(frozen=True)
class _Resolver:
    user: UserResolver
    user_taking_key: KeyedUserResolver | None


_resolver = _Resolver(user=lambda token: None, user_taking_key=None)
# request → (token, user): this request's answer, gone with the request
_answers: WeakKeyDictionary[HttpRequest, tuple[str, Any]] = WeakKeyDictionary()


def register_token_resolver(*, user: UserResolver, user_taking_key: KeyedUserResolver | None = None) -> None:
    """Say how a token becomes a user (see the module's docstring); a later call replaces it."""
    global _resolver
    _resolver = _Resolver(user=user, user_taking_key=user_taking_key)


def token_user(request: HttpRequest, token: str) -> Any:
    """The user this request's token signs in, or None; looked up once per request."""
    known = _answers.get(request)
    if known is not None and known[0] == token:
        return known[1]
    user = _resolver.user(token)
    _answers[request] = (token, user)
    return user


def token_user_taking_key(request: HttpRequest, token: str, key: str) -> tuple[Any, tuple | None, bool]:
    """(user or None, what a twin stored under the key or None, whether the key's lock is taken):
    the token's user, with the Idempotency-Key taken in the same round trip when the registered
    resolver can. Call inside the transaction that is to hold the key's lock."""
    taken = _resolver.user_taking_key(token, key) if _resolver.user_taking_key is not None else None
    if taken is None:
        return token_user(request, token), None, False
    user, stored = taken
    _answers[request] = (token, user)
    return user, stored, True
