"""Monitoring: polling watched sources, sightings of known cases, triage (docs/monitoring.md)."""
