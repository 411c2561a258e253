"""The API gateway: the one public entry point in front of the services.

It routes by path prefix, assigns the request id, rejects bad tokens early, limits each
client's rate, answers CORS, and serves one merged OpenAPI document and a health report.
It holds no domain logic and no access rules: every service checks its own.
"""
