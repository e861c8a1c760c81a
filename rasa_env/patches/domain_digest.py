"""Each custom action call carries the domain's digest, the domain itself only until the
action server has it.

Replaces `RemoteAction._action_call_format` and `EndpointConfig.request`. Rasa sends the
whole domain (24 KB of JSON) with every custom action call. The action server (rasa-sdk
3.21) caches the domain and accepts its digest (`domain_digest`) instead, answering 449 when
it does not know the digest (after a restart, say). Here each call carries the digest, the
domain itself only until the action server at that URL has it, and a 449 is answered by
sending the call again with the domain. It needs an action server that supports the
digest (rasa-sdk 3.21, in the action server's own environment): one without would get
every call after the first without a domain. Switched off, every call carries the domain,
as in Rasa. It goes on from action_call_window's call when that patch is on.
"""

import hashlib
import json
from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from rasa_env.patches.targets import Target, original, replace

CALL_FORMAT = Target(
    "rasa.core.actions.action",
    "RemoteAction._action_call_format",
    "428795b944f22edba142d278ec47a30098975b01463ba337ec447dade52a0492",
)
REQUEST = Target(
    "rasa.utils.endpoints",
    "EndpointConfig.request",
    "ccdb778aed8208e23cde3c3f47eac7fbbbb735dac8f7ef7254d54451c64ad608",
)
TARGETS = (CALL_FORMAT, REQUEST)

UNKNOWN_DIGEST = 449  # rasa-sdk's answer to a digest it has no domain for

_digests: dict[int, tuple[Domain, str]] = {}
_domains_by_digest: dict[str, dict[str, Any]] = {}
_digests_known_by: set[tuple[str, str]] = set()  # (action endpoint URL, digest)


def _digest(domain: Domain) -> str:
    cached = _digests.get(id(domain))
    if cached is None or cached[0] is not domain:
        as_dict = domain.as_dict()
        digest = hashlib.sha256(json.dumps(as_dict, sort_keys=True, default=str).encode())
        cached = (domain, digest.hexdigest())
        _digests[id(domain)] = cached
        _domains_by_digest[cached[1]] = as_dict
    return cached[1]


def action_call_format(self: RemoteAction, tracker: Any, domain: Domain) -> dict[str, Any]:
    payload = original(CALL_FORMAT)(self, tracker, domain)
    if "domain" in payload and self.action_endpoint is not None:
        digest = _digest(domain)
        payload["domain_digest"] = digest
        if (self.action_endpoint.url, digest) in _digests_known_by:
            del payload["domain"]
    return payload


async def request(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
    rasas_request = original(REQUEST)
    body = kwargs.get("json")
    digest = body.get("domain_digest") if isinstance(body, dict) else None
    if digest is None:
        return await rasas_request(self, *args, **kwargs)
    try:
        response = await rasas_request(self, *args, **kwargs)
    except ClientResponseError as error:
        if error.status != UNKNOWN_DIGEST or "domain" in body:
            raise
        kwargs["json"] = {**body, "domain": _domains_by_digest[digest]}
        response = await rasas_request(self, *args, **kwargs)
    _digests_known_by.add((self.url, digest))
    return response


def apply() -> None:
    replace(CALL_FORMAT, action_call_format)
    replace(REQUEST, request)
