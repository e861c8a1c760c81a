"""One HTTP session per action-server endpoint, kept for the life of the server, whose
bodies are encoded with ujson.

Replaces `EndpointConfig.session`, which opens a new aiohttp session (and TCP connection)
for every custom action call: about 10% of a Rasa server's CPU under `make bench`. Here each
endpoint keeps one session with keep-alive connections. Rasa changed this method inside the
3.6 line; the hash check catches the next change.

The session is Rasa's (the endpoint's headers, basic auth and timeout) but for encoding
request bodies with ujson, not the standard library: the whole conversation goes to the
action server with each call (about 35 KB by the end of `make bench`'s conversation), and
the standard library's encoder took 3.6% of a Rasa server's busy time at 20 users doing
it. ujson (one of Rasa's own dependencies) writes the same JSON values, which is all the
action server reads, twice as fast.
"""

import aiohttp
import ujson
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig

from rasa_env.patches.targets import Target, replace

SESSION = Target(
    "rasa.utils.endpoints",
    "EndpointConfig.session",
    "e55aa13d9d4fb4bc440ac33b870a97ee162b76dda7ccb6bf68433567475fdffb",
)
TARGETS = (SESSION,)
KEPT = "_kept_session"


class KeptSession:
    """Hands out the endpoint's session to `async with` without closing it afterwards."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *_: object) -> None:
        return None


def _new_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    auth = None
    if endpoint.basic_auth:
        auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
    return aiohttp.ClientSession(
        headers=endpoint.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        json_serialize=ujson.dumps,
    )


def kept_session(self: EndpointConfig) -> KeptSession:
    session = self.__dict__.get(KEPT)
    if session is None or session.closed:
        session = _new_session(self)
        self.__dict__[KEPT] = session
    return KeptSession(session)


def apply() -> None:
    replace(SESSION, kept_session)
