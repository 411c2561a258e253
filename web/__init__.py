"""The platform's web client: server-rendered pages for teachers, organisers and reviewers,
signed in through the sso service, calling the platform only through the gateway's API."""
