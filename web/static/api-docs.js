// The API reference page (/api/docs): Swagger UI over this server's /api/openapi.json.
// A module file, not an inline script: the page's Content-Security-Policy allows no inline code.

const ui = window.SwaggerUIBundle;
if (ui) {
  ui({
    url: '/api/openapi.json',
    dom_id: '#api-docs',
    deepLinking: true,
    // No validator badge: it would send the document to validator.swagger.io.
    validatorUrl: null,
    tryItOutEnabled: false,
  });
} else {
  const note = document.createElement('p');
  note.textContent = 'The API reference needs swagger-ui-dist (run npm ci in web/). The document itself is at /api/openapi.json.';
  document.getElementById('api-docs').append(note);
}
