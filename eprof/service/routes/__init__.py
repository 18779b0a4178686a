"""API routes, one module per resource; each route calls one library function."""
