"""Leaving Amazon Pinpoint: journeys and email templates as NurtureFlow workflows and templates."""
