"""The Docker Engine API, asked through a unix socket on the host (over SSH: no remote process).

- ``endpoint``: which socket the host's docker CLI would use (``DOCKER_HOST``, contexts).
- ``http``: HTTP/1.1 exchanges (pipelined) over any byte stream, parsed by httptools (llhttp).
- ``queries``: the requests dozor sends and pure parsers for their answers.
- ``client``: ``EngineClient``, the questions (inspect containers, container stats) over a transport.

Which path answers a question (this one or the docker CLI) is decided in ``dozor.runner.docker``.
"""

from dozor.engine.client import EngineClient, EngineTimeout, EngineUnavailable
from dozor.engine.endpoint import DEFAULT_SOCKET, LOCATE, EngineEndpoint, endpoint_from

__all__ = [
    "DEFAULT_SOCKET",
    "LOCATE",
    "EngineClient",
    "EngineEndpoint",
    "EngineTimeout",
    "EngineUnavailable",
    "endpoint_from",
]
