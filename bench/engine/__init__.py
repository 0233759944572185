"""The local Step Functions runtime under load: against moto's interpreter, and at 100,000 contacts."""
