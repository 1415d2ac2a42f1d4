"""What a test of an app of one's own needs, public and typed (as ``trio.testing`` is).

- ``serve_apps(apps)``: the engine serving ``apps`` on a free loopback port, with a client
  (``engine.net.client``): end-to-end tests over real HTTP and WebSocket;
- ``open_test_engine(apps)``: the engine without a server, for rules with timers under
  ``trio.testing.MockClock``;
- ``memory_peer`` / ``memory_member``: a connection without a socket, whose received messages
  land in an inbox, to drive a party's hooks directly;
- a pytest plugin (``engine.testing.pytest_plugin``, registered when the package is installed)
  with fixtures over these.
"""

from engine.net.testing import MemoryPeerInbox as MemoryPeerInbox
from engine.net.testing import MemoryPeerStatistics as MemoryPeerStatistics
from engine.net.testing import memory_peer as memory_peer
from engine.parties.testing import memory_member as memory_member

from ._serving import Served as Served
from ._serving import open_test_engine as open_test_engine
from ._serving import serve_apps as serve_apps
