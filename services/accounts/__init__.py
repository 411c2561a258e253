"""Accounts: who exists and who may act for whom (authorities, units, teachers, business
accounts, roles). Every other service keeps a replica from its events."""
