/* Start Swagger UI on /api/docs/ (a file, not inline: the site's CSP allows only 'self'). */
"use strict";

(function () {
  var container = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: container.dataset.schemaUrl,
    domNode: container,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // No badge fetched from validator.swagger.io: nothing leaves this origin.
    validatorUrl: null,
    // Same-origin requests only; "Try it out" sends no cookies to the API.
    requestInterceptor: function (request) {
      request.credentials = "omit";
      return request;
    },
  });
})();
