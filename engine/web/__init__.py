"""The HTTP and WebSocket edge: Quart-Trio app factory, auth, error mapping, CORS, OpenAPI."""
