"""Fake carrier APIs for development and tests: real HTTP servers on loopback that speak the
carriers' published protocols (DESIGN §7.5). Written from those protocols, not from the platform's
integrations; never imported by production code (import-linter keeps the simulator out)."""
