// Runs first in <body>, before anything is drawn: GOV.UK Frontend's styles for pages
// with JavaScript (and for browsers that can run its modules). A file, not an inline
// script, so the pages work under `Content-Security-Policy: default-src 'self'`.
document.body.className +=
  ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
