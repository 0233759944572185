"""The NurtureFlow CDK app: one stack, one construct per concern (see ``stack/``)."""
