"""The STUN client against coturn, a STUN server nobody here wrote (Debian package ``coturn``).

``coturn`` (tests/helpers) starts ``turnserver`` for each test and stops it; skipped when it is
not installed (``.ci/run`` installs it).
"""

from engine.net import observe_nat, open_udp_socket, stun_binding

from coturn import coturn as coturn
from coturn import needs_coturn

pytestmark = needs_coturn


async def test_coturn_tells_the_client_its_address(coturn: tuple[str, int]) -> None:
    async with open_udp_socket("127.0.0.1") as sock:
        binding = await stun_binding(sock, coturn)
        assert binding.mapped == sock.getsockname()
    assert binding.server == coturn


async def test_nat_observation_against_coturn_sees_no_translation_on_loopback(
    coturn: tuple[str, int],
) -> None:
    observation = await observe_nat([coturn])
    assert observation.unanswered == ()
    assert observation.mapped == (observation.local,)
    assert observation.local[0] == "127.0.0.1"
