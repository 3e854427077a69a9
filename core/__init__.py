"""Shared infrastructure every app may use: it imports none of them."""
