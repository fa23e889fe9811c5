"""Fake third-party servers for tests: real HTTP servers on 127.0.0.1 that speak the vendors' APIs from a script."""
