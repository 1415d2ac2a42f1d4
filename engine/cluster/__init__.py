"""Clusters: several engine processes sharing one Redis and one store serve as one.

``open_cluster(url)`` joins the cluster as a new node; ``ClusterNode.attach(system)`` makes the
party directories started under that actor system defer to it: a party runs on exactly one node
(a lease in Redis), a connection or an ask reaching another node is forwarded to it (through
Redis pub/sub), listings are the cluster's, and the parties of a node that dies are adopted by
the others from the store. ``engine.web.open_engine(cluster=url)`` does all of it.

The throwaway Redis for tests is in ``engine.cluster.testing``, imported on its own.
"""

from ._node import ClusterNode as ClusterNode
from ._node import ClusterSettings as ClusterSettings
from ._node import ClusterUnreachable as ClusterUnreachable
from ._node import check_cluster as check_cluster
from ._node import open_cluster as open_cluster
from ._placement import ClusterPlacement as ClusterPlacement
from ._placement import OwnerUnreachable as OwnerUnreachable
from ._standin import RemoteError as RemoteError
