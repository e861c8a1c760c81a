"""The REST input channel of Entryway's Rasa servers (credentials.yml): Rasa's own, at
the same URL (/webhooks/rest/webhook) in the same format, answering only the app.

Rasa's --auth-token guards its HTTP API (/model/parse, /conversations/...) but not its
input channels: without this, any process on the host could post to the REST webhook as
any sender, a web chat page's or a Slack user's included, past every check the app
makes. With ENTRYWAY_RASA_TOKEN set, this channel asks for it as Rasa's API does: the
`token` query parameter, which the app sends with every call (bot/rasa_client.py)."""

import hmac
import os
from collections.abc import Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, HTTPResponse, Request, response


class TokenRestInput(RestInput):
    """Rasa's REST channel (`name()` is still "rest"), behind ENTRYWAY_RASA_TOKEN."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        token = os.environ.get("ENTRYWAY_RASA_TOKEN")
        if token:

            @webhook.middleware("request")
            async def token_checked(request: Request) -> HTTPResponse | None:
                given = request.args.get("token") or ""
                if hmac.compare_digest(given.encode(), token.encode()):
                    return None
                return response.json({"error": "a valid token is required"}, status=401)

        return webhook
