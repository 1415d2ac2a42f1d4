"""Liap Tui: a 4-player piece game played over WebSocket."""
