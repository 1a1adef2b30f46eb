"""Offers by SMS: the provider boundary (`base`), the adapters, and the channel's domain."""
