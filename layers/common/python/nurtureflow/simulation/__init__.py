"""Forecasting a workflow before launch: synthetic contacts walked through it in virtual time."""
