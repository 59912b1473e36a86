"""The HTTP layer: request/response schemas, error handlers and routes. No numpy here."""
