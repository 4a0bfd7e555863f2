"""Simulated charge points: the station on a real WebSocket and a real clock, and the
charging sessions a user would play on one, and the tester API served for one."""
