"""Readers: one per article format, all returning the same Article."""
