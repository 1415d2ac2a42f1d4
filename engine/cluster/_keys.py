"""The cluster's names in Redis, and the Lua scripts that make ownership atomic.

Every key and channel starts with ``pe:``. A party's lease is ``pe:owner:<kind>:<id>`` (the
owning node's id, with a expiry the owner keeps pushing back); a node's heartbeat is
``pe:node:<node>`` (set with the same expiry); ``pe:parties:<kind>`` is the set of the parties
of a kind that must always run somewhere (kinds restored at start, which have timers), where
the other nodes look for parties to adopt; ``pe:listing:<kind>`` is both the hash of the kind's
listings (id -> summary) and the channel announcing their changes; ``pe:listed-by:<kind>`` says
which node made each listing, ``pe:listed:<kind>:<node>`` is the set of a node's listings and
``pe:listing-nodes:<kind>`` the set of the nodes with listings, so the listings of a node whose
heartbeat lapsed are found without a scan and withdrawn (announced on ``pe:delisted:<kind>``,
a JSON list of party ids); ``pe:to:<node>`` is the channel of a node's inbox.

The scripts read keys they are not given in ``KEYS`` (a party's owner's heartbeat, the leases of
a set's members): fine on one Redis server, which is what the cluster runs on; a Redis Cluster
deployment would need them reshaped around hash tags.
"""

from __future__ import annotations

__all__ = [
    "CLAIM",
    "LIST",
    "ORPHANS",
    "PRUNE",
    "RELEASE",
    "RENEW",
    "delisted_channel",
    "inbox_channel",
    "listed_by_key",
    "listing_key",
    "listing_nodes_key",
    "node_key",
    "node_listings_prefix",
    "owner_key",
    "owner_prefix",
    "parties_key",
]

NODE_PREFIX = "pe:node:"


def node_key(node: str) -> str:
    return NODE_PREFIX + node


def inbox_channel(node: str) -> str:
    return f"pe:to:{node}"


def owner_prefix(kind: str) -> str:
    return f"pe:owner:{kind}:"


def owner_key(kind: str, party_id: str) -> str:
    return owner_prefix(kind) + party_id


def parties_key(kind: str) -> str:
    return f"pe:parties:{kind}"


def listing_key(kind: str) -> str:
    return f"pe:listing:{kind}"


def listed_by_key(kind: str) -> str:
    return f"pe:listed-by:{kind}"


def node_listings_prefix(kind: str) -> str:
    return f"pe:listed:{kind}:"


def listing_nodes_key(kind: str) -> str:
    return f"pe:listing-nodes:{kind}"


def delisted_channel(kind: str) -> str:
    return f"pe:delisted:{kind}"


#: KEYS: the lease, the kind's set of always-running parties. ARGV: this node, the lease in ms,
#: the heartbeat key prefix, "1" to add the party to the set when taking it, the party's id.
#: Takes the lease if
#: nobody holds it; returns {owner, 1 if the owner's heartbeat is alive else 0}.
CLAIM = """
local owner = redis.call('GET', KEYS[1])
if not owner then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    if ARGV[4] == '1' then redis.call('SADD', KEYS[2], ARGV[5]) end
    return {ARGV[1], 1}
end
if owner == ARGV[1] then return {owner, 1} end
return {owner, redis.call('EXISTS', ARGV[3] .. owner)}
"""

#: KEYS: this node's heartbeat, then the leases it holds. ARGV: this node, the lease in ms.
#: Pushes every expiry back; returns the (1-based) positions of the leases no longer its own.
RENEW = """
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
local lost = {}
for i = 2, #KEYS do
    if redis.call('GET', KEYS[i]) == ARGV[1] then
        redis.call('PEXPIRE', KEYS[i], ARGV[2])
    else
        lost[#lost + 1] = i - 1
    end
end
return lost
"""

#: KEYS: a lease. ARGV: this node. Deletes it only if it is this node's.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

#: KEYS: the kind's set of always-running parties. ARGV: the kind's lease prefix. The members
#: whose lease lapsed: their node died (or stopped) and nobody adopted them yet.
ORPHANS = """
local found = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    if redis.call('EXISTS', ARGV[1] .. id) == 0 then found[#found + 1] = id end
end
return found
"""

#: KEYS: the kind's listing hash (also its channel), its listed-by hash, its set of listing
#: nodes, this node's set of listings, the party's lease. ARGV: this node, the party, its
#: encoded summary ("" to unlist), the announcement to publish, the prefix of the nodes' sets.
#: Stores and announces in one step, so a node that reads the hash after subscribing misses
#: nothing. Only the lease holder lists a party, and only the node that listed it unlists it:
#: a node that lost the lease (paused past it) cannot overwrite or withdraw the listing of the
#: node that took the party over. Returns 1 if done, 0 if refused.
LIST = """
local lister = redis.call('HGET', KEYS[2], ARGV[2])
if ARGV[3] == '' then
    if lister ~= ARGV[1] then return 0 end
    redis.call('HDEL', KEYS[1], ARGV[2])
    redis.call('HDEL', KEYS[2], ARGV[2])
    redis.call('SREM', KEYS[4], ARGV[2])
else
    if redis.call('GET', KEYS[5]) ~= ARGV[1] then return 0 end
    if lister and lister ~= ARGV[1] then redis.call('SREM', ARGV[5] .. lister, ARGV[2]) end
    redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
    redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
    redis.call('SADD', KEYS[4], ARGV[2])
    redis.call('SADD', KEYS[3], ARGV[1])
end
redis.call('PUBLISH', KEYS[1], ARGV[4])
return 1
"""

#: KEYS: the kind's listing hash, its listed-by hash, its set of listing nodes. ARGV: the
#: heartbeat key prefix, the prefix of the nodes' sets, the kind's delisted channel. Withdraws
#: every listing of the nodes whose heartbeat lapsed and announces them as one JSON list;
#: returns how many. Costs a heartbeat lookup per listing node when none died.
PRUNE = """
local gone = {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    if redis.call('EXISTS', ARGV[1] .. node) == 0 then
        local listed = ARGV[2] .. node
        for _, id in ipairs(redis.call('SMEMBERS', listed)) do
            if redis.call('HGET', KEYS[2], id) == node then
                redis.call('HDEL', KEYS[1], id)
                redis.call('HDEL', KEYS[2], id)
                gone[#gone + 1] = id
            end
        end
        redis.call('DEL', listed)
        redis.call('SREM', KEYS[3], node)
    end
end
if #gone > 0 then redis.call('PUBLISH', ARGV[3], cjson.encode(gone)) end
return #gone
"""
