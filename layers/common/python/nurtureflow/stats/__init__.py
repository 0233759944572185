"""Workflow stats: counters written where things happen (sends, opens, run ends, orders), read per version."""
