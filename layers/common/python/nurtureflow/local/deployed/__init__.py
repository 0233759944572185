"""What the stack deploys, as the local stack sees it: each function's environment and IAM policy,
each state machine's role, read from the synthesized template (``deployed.json``)."""
