"""Webhook steps: the signed payload a run sends, and the answer it keeps for later branches."""
