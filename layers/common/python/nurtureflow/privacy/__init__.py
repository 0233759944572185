"""GDPR: export everything held on a contact, and erase it everywhere (see docs/privacy.md)."""
