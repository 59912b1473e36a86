// Starts Swagger UI on the app's own schema. A file of its own (not an inline script), so that the
// docs page runs under a Content-Security-Policy without 'unsafe-inline' for scripts.
/* global SwaggerUIBundle */
window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
