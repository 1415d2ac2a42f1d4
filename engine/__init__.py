"""party-engine: an actor-model realtime party and session engine on Trio."""
