"""A small model of the xDS state-of-the-world protocol for one resource type (EDS), client and server side.

The client subscribes to clusters by name and keeps the last configuration it accepted. For each DiscoveryResponse
it either applies the update and ACKs (version_info = the response's version, response_nonce = its nonce) or
rejects it and NACKs (version_info = the version it still runs, the same nonce, and an error_detail), keeping the
last good configuration. A response from a stream that has since been replaced is ignored: a nonce is only
meaningful on the stream that carried it. When the control plane is unreachable nothing changes: the client serves
from the last accepted configuration until a new stream delivers something better.

The server side keeps, per stream, the nonce it sent last, and ignores a request whose nonce is older: such a request
answers a response the client had not yet seen when it was sent, so it is neither an ACK nor a NACK of the latest.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"

Resources = tuple[tuple[str, tuple[str, ...]], ...]  # ((cluster name, ("10.0.0.1:8080", ...)), ...)


@dataclass(frozen=True)
class DiscoveryResponse:
    version_info: str
    resources: Resources
    nonce: str
    type_url: str = EDS
    stream: int = 1  # which stream carried it (a real client knows this from the gRPC call it read it on)


@dataclass(frozen=True)
class DiscoveryRequest:
    version_info: str
    resource_names: tuple[str, ...]
    response_nonce: str
    type_url: str = EDS
    error_detail: str | None = None

    @property
    def is_nack(self) -> bool:
        return self.error_detail is not None


class InvalidResource(ValueError):
    pass


def validate_endpoints(resources: Resources) -> None:
    """Reject what the protocol calls invalid: duplicate resource names, malformed or duplicate addresses."""
    for resource in resources:  # check the shape before using it, so that nothing malformed escapes as a TypeError
        if not (isinstance(resource, tuple) and len(resource) == 2):
            raise InvalidResource(f"malformed resource {resource!r}")
        name, endpoints = resource
        if not isinstance(name, str) or not name or not isinstance(endpoints, (tuple, list)) \
                or not all(isinstance(a, str) for a in endpoints):
            raise InvalidResource(f"malformed resource {name!r}")
    names = [name for name, _ in resources]
    if len(names) != len(set(names)):
        raise InvalidResource("response contains the same resource name twice")
    for name, endpoints in resources:
        if len(endpoints) != len(set(endpoints)):
            raise InvalidResource(f"{name}: duplicate endpoint")
        for address in endpoints:
            host, sep, port = address.rpartition(":")
            if not (sep and host and not any(c.isspace() for c in host)
                    and port.isascii() and port.isdigit() and 0 < int(port) < 65536):
                raise InvalidResource(f"{name}: bad endpoint address {address!r}")


class XdsClient:
    def __init__(self, clusters: Iterable[str],
                 validate: Callable[[Resources, dict[str, tuple[str, ...]]], None] | None = None) -> None:
        self.subscribed = tuple(dict.fromkeys(clusters))
        self._validate = validate or (lambda resources, current: validate_endpoints(resources))
        self._lock = threading.Lock()
        self._config: dict[str, tuple[str, ...]] = {}  # last accepted endpoints per cluster
        self.version = ""  # last accepted version_info; empty before the first ACK
        self.stream = 0
        self.last_error: str | None = None

    def start_stream(self) -> DiscoveryRequest:
        """Open a new stream (first start or reconnect). Its first request carries the version we run, no nonce."""
        with self._lock:
            self.stream += 1
            return DiscoveryRequest(self.version, self.subscribed, "")

    def on_response(self, response: DiscoveryResponse) -> DiscoveryRequest | None:
        """Apply and ACK, or keep the last good config and NACK. None: the response came on a dead stream."""
        with self._lock:
            if response.stream != self.stream:
                return None
            try:
                if response.type_url != EDS:
                    raise InvalidResource(f"unexpected type {response.type_url}")
                if not isinstance(response.resources, (tuple, list)):  # a generator would be empty when applied
                    raise InvalidResource("resources must be a list of (name, endpoints) pairs")
                self._validate(response.resources, dict(self._config))
            except ValueError as error:  # InvalidResource, or any validator's ValueError: both mean "reject"
                self.last_error = str(error)
                return DiscoveryRequest(self.version, self.subscribed, response.nonce, error_detail=str(error))
            for name, endpoints in response.resources:
                if name in self.subscribed:  # the client ignores resources it did not ask for
                    self._config[name] = tuple(endpoints)
            self.version, self.last_error = response.version_info, None
            return DiscoveryRequest(self.version, self.subscribed, response.nonce)

    def endpoints(self, cluster: str) -> tuple[str, ...]:
        """What the data plane balances over: the last accepted set, whatever the control plane is doing now."""
        with self._lock:
            return self._config.get(cluster, ())


class ManagementServer:
    """The server's half of the handshake: version and nonce per push, and stale requests ignored."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = 0
        self._nonces = 0
        self._latest: dict[int, str] = {}  # stream -> nonce of the last response sent on it
        self.acked: dict[int, str] = {}  # stream -> version the client said it applied
        self.nacks: dict[int, str] = {}  # stream -> error_detail of its latest NACK

    def push(self, stream: int, resources: Resources) -> DiscoveryResponse:
        with self._lock:
            self._version += 1
            self._nonces += 1
            nonce = f"n{self._nonces}"
            self._latest[stream] = nonce
            return DiscoveryResponse(f"v{self._version}", resources, nonce, stream=stream)

    def on_request(self, stream: int, request: DiscoveryRequest) -> str:
        """Classify a client request: 'subscribe', 'stale' (ignored), 'ack' or 'nack'."""
        with self._lock:
            if request.response_nonce == "":
                return "subscribe"
            if request.response_nonce != self._latest.get(stream):
                return "stale"
            if request.is_nack:
                self.nacks[stream] = request.error_detail
                return "nack"
            self.acked[stream] = request.version_info
            self.nacks.pop(stream, None)
            return "ack"
